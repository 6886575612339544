//! How a [`Client`](super::Client) is set up.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::error::Error;
use crate::browser::{DriverOptions, Endpoint, EndpointProvider};
use crate::engine::{
    CloseInfo, ClosePolicy, Config, Delivery, HeartbeatConfig, Mode, OutboxLimits, ReconnectPolicy,
    Setting,
};
use crate::protocol::UserId;

/// Produces the URL of attempt `n` (0 for a first connect), e.g. after
/// fetching it, or why there is none.
///
/// ```
/// use std::rc::Rc;
/// use wsnotify::client::{Url, UrlProvider};
/// let provider: UrlProvider = Rc::new(|attempt| {
///     Box::pin(async move { Ok(format!("wss://node{}.example/ws", attempt % 2)) })
/// });
/// let url = Url::Provider(provider);
/// # let _ = url;
/// ```
pub type UrlProvider = Rc<dyn Fn(u32) -> Pin<Box<dyn Future<Output = Result<String, String>>>>>;

/// Where to connect.
///
/// ```
/// use wsnotify::client::Url;
/// let one: Url = "wss://a.example/ws".into();
/// let several: Url = vec!["wss://a.example/ws".to_owned(), "wss://b.example/ws".to_owned()].into();
/// # let _ = (one, several);
/// ```
#[derive(Clone)]
pub enum Url {
    /// One URL.
    One(String),
    /// Several, tried in turn: an attempt that fails before opening, and a
    /// draining server's request to reconnect, move on to the next.
    List(Vec<String>),
    /// Asked before each attempt.
    Provider(UrlProvider),
}

impl Default for Url {
    fn default() -> Self {
        Self::One(String::new())
    }
}

impl From<&str> for Url {
    fn from(url: &str) -> Self {
        Self::One(url.to_owned())
    }
}

impl From<String> for Url {
    fn from(url: String) -> Self {
        Self::One(url)
    }
}

impl From<Vec<String>> for Url {
    fn from(urls: Vec<String>) -> Self {
        Self::List(urls)
    }
}

/// Produces the text of attempt `n` (0 for a first connect): `Some` to send,
/// `None` for none this time, or why there is none.
///
/// ```
/// use std::rc::Rc;
/// use wsnotify::client::{PerAttempt, TextProvider};
/// let fresh_token: TextProvider = Rc::new(|attempt| {
///     Box::pin(async move { Ok(Some(format!("token-for-attempt-{attempt}"))) })
/// });
/// let token = PerAttempt::Provider(fresh_token);
/// # let _ = token;
/// ```
pub type TextProvider =
    Rc<dyn Fn(u32) -> Pin<Box<dyn Future<Output = Result<Option<String>, String>>>>>;

/// What a connection attempt sends as its token (`init`) or hello (the
/// generic mode's first frame).
///
/// ```
/// use wsnotify::client::PerAttempt;
/// let fixed: PerAttempt = "a-token".into();
/// assert!(matches!(PerAttempt::default(), PerAttempt::None));
/// # let _ = fixed;
/// ```
#[derive(Clone, Default)]
pub enum PerAttempt {
    /// Nothing.
    #[default]
    None,
    /// The same text on every attempt.
    Fixed(String),
    /// Asked before each attempt, after the URL provider if there is one: a
    /// token that expires is replaced on reconnect. An `Err` ends that
    /// attempt with an `endpoint_failed` error that names the option, and
    /// the client reconnects as after a failed attempt.
    Provider(TextProvider),
}

impl PerAttempt {
    fn fixed(&self) -> Option<String> {
        match self {
            Self::Fixed(text) => Some(text.clone()),
            Self::None | Self::Provider(_) => None,
        }
    }

    fn provider(&self) -> Option<TextProvider> {
        match self {
            Self::Provider(provider) => Some(Rc::clone(provider)),
            Self::None | Self::Fixed(_) => None,
        }
    }
}

impl From<&str> for PerAttempt {
    fn from(text: &str) -> Self {
        Self::Fixed(text.to_owned())
    }
}

impl From<String> for PerAttempt {
    fn from(text: String) -> Self {
        Self::Fixed(text)
    }
}

impl std::fmt::Debug for PerAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Fixed(text) => f.debug_tuple("Fixed").field(text).finish(),
            Self::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::One(url) => f.debug_tuple("One").field(url).finish(),
            Self::List(urls) => f.debug_tuple("List").field(urls).finish(),
            Self::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

/// The options of a [`Client`](super::Client), the JavaScript API's under
/// Rust names. `Options::default()` is the wsnotify mode with every default
/// of the JavaScript API; a URL (and, in that mode, a user id) must be set.
///
/// ```
/// use wsnotify::client::{Mode, Options};
/// let options = Options {
///     url: "wss://example.com/socket".into(),
///     mode: Mode::Generic,
///     hello: r#"{"type":"join"}"#.into(),
///     ..Options::default()
/// };
/// assert!(options.reconnect.is_some(), "reconnecting is on by default");
/// ```
#[derive(Clone)]
pub struct Options {
    /// Where to connect. Default: none (the empty URL, refused by
    /// [`Client::new`](super::Client::new)).
    pub url: Url,
    /// The protocol. Default [`Mode::Wsnotify`].
    pub mode: Mode,
    /// Sent in `init`; required in the wsnotify mode. Default none.
    pub user_id: Option<String>,
    /// Sent in `init`, never in the URL. Default none.
    pub token: PerAttempt,
    /// Generic mode: the first frame of every connection. Default none.
    pub hello: PerAttempt,
    /// The field of a JSON frame that names its kind. Default `type`.
    pub kind_field: String,
    /// Reconnection; `None` turns it off. Default on, with
    /// [`ReconnectPolicy::default`].
    pub reconnect: Option<ReconnectPolicy>,
    /// Heartbeat; `None` (the default) turns it off.
    pub heartbeat: Option<HeartbeatConfig>,
    /// Bounds of the queue of frames sent while not open.
    pub outbox: OutboxLimits,
    /// Delivery guarantee for chats. Default at-most-once.
    pub delivery: Delivery,
    /// With at-least-once delivery: no ack at all within this many ms means
    /// the server sends none (`acks_unsupported`). Default 10,000.
    pub ack_timeout_ms: u32,
    /// How long an attempt may take to open, ms. Default 5000.
    pub connect_timeout_ms: u32,
    /// Largest frame received or sent, bytes. Default 65,536.
    pub max_frame_bytes: usize,
    /// The most bytes the open socket may hold unsent before a send that
    /// awaits no ack is refused (see [`Config::max_buffered_bytes`]).
    /// Default 16 MiB.
    pub max_buffered_bytes: usize,
    /// Whether binary frames arrive as `Blob`s rather than `ArrayBuffer`s.
    /// Default `false`.
    pub binary_as_blob: bool,
    /// Decides whether to reconnect after each close, instead of the
    /// standard policy (1000, 1008 and 4400-4499 end the client). Default
    /// none.
    pub should_reconnect: Option<ClosePredicate>,
    /// Where the first `init` resumes from (wsnotify mode), e.g. the last
    /// [`Chat`](super::Chat)'s `seq` and `epoch` kept across a reload: the
    /// server replays what came after. Default none (nothing missed).
    pub resume: Option<Resume>,
}

/// A position in the user's numbered chats: the last `seq` seen, of `epoch`.
///
/// ```
/// use wsnotify::client::{Options, Resume};
/// let options = Options {
///     url: "wss://example.com/socket".into(),
///     user_id: Some("ada".into()),
///     resume: Some(Resume { last_seq: 41, epoch: Some("kYz3".into()) }),
///     ..Options::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The `seq` of the last chat seen (0: none yet), at most 2^53 - 1.
    pub last_seq: u64,
    /// The `epoch` that `seq` belongs to, when the server gave one.
    pub epoch: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        let defaults = Config::generic("");
        Self {
            url: Url::default(),
            mode: Mode::Wsnotify,
            user_id: None,
            token: PerAttempt::None,
            hello: PerAttempt::None,
            kind_field: defaults.kind_field,
            reconnect: Some(ReconnectPolicy::default()),
            heartbeat: None,
            outbox: defaults.outbox,
            delivery: defaults.delivery,
            ack_timeout_ms: defaults.ack_timeout_ms,
            connect_timeout_ms: defaults.connect_timeout_ms,
            max_frame_bytes: defaults.max_frame_bytes,
            max_buffered_bytes: defaults.max_buffered_bytes,
            binary_as_blob: false,
            should_reconnect: None,
            resume: None,
        }
    }
}

fn invalid(message: &str) -> Error {
    Error::InvalidOptions(message.to_owned())
}

impl Options {
    /// The engine's configuration and the driver's options, or why these
    /// options are invalid (the rules of the JavaScript API).
    pub(super) fn into_parts(self) -> Result<Parts, Error> {
        let user_id = match (self.user_id, self.mode) {
            (Some(id), _) => {
                Some(UserId::new(id).map_err(|error| Error::InvalidOptions(error.to_string()))?)
            }
            (None, Mode::Generic) => None,
            (None, Mode::Wsnotify) => return Err(invalid("the wsnotify mode needs a user id")),
        };
        if self.mode == Mode::Wsnotify && !matches!(self.hello, PerAttempt::None) {
            return Err(invalid(
                "a hello is for the generic mode; the wsnotify mode sends init",
            ));
        }
        if self.mode == Mode::Generic && self.delivery == Delivery::AtLeastOnce {
            return Err(invalid(
                "at-least-once delivery needs the acks of the wsnotify mode",
            ));
        }
        if self.kind_field.is_empty() {
            return Err(invalid("the kind field must not be empty"));
        }
        let mut config = Config::generic("");
        config.mode = self.mode;
        config.user_id = user_id;
        config.token = self.token.fixed();
        config.hello = self.hello.fixed();
        config.kind_field = self.kind_field;
        config.reconnect = self.reconnect.unwrap_or(ReconnectPolicy {
            enabled: false,
            ..ReconnectPolicy::default()
        });
        config.heartbeat = self.heartbeat;
        config.outbox = self.outbox;
        config.delivery = self.delivery;
        config.ack_timeout_ms = self.ack_timeout_ms;
        config.connect_timeout_ms = self.connect_timeout_ms;
        config.max_frame_bytes = self.max_frame_bytes;
        config.max_buffered_bytes = self.max_buffered_bytes;
        if self.should_reconnect.is_some() {
            config.close_policy = ClosePolicy::Custom;
        }
        config.resume_from = self.resume.map(|resume| (resume.last_seq, resume.epoch));
        if let Some((setting, what)) = config.out_of_range() {
            return Err(invalid(&[field_name(setting), " must be ", what].concat()));
        }
        let url_provider = match self.url {
            Url::One(url) if url.is_empty() => return Err(invalid("url must be set")),
            Url::One(url) => {
                config.urls = vec![url];
                None
            }
            Url::List(urls) if urls.is_empty() => return Err(invalid("the URL list is empty")),
            Url::List(urls) if urls.iter().any(String::is_empty) => {
                return Err(invalid("a URL of the list is empty"))
            }
            Url::List(urls) => {
                config.urls = urls;
                None
            }
            Url::Provider(provider) => Some(provider),
        };
        let providers = Providers {
            url: url_provider,
            token: self.token.provider(),
            hello: self.hello.provider(),
        };
        config.url_provided = providers.url.is_some();
        config.first_frame_provided = providers.token.is_some() || providers.hello.is_some();
        let endpoint = config.resolves_endpoint().then(|| {
            let fixed = Endpoint {
                url: None,
                token: config.token.clone(),
                hello: config.hello.clone(),
            };
            endpoint_provider(providers, fixed)
        });
        let binary_type = match self.binary_as_blob {
            true => web_sys::BinaryType::Blob,
            false => web_sys::BinaryType::Arraybuffer,
        };
        Ok(Parts {
            config,
            driver: DriverOptions {
                endpoint,
                binary_type,
            },
            should_reconnect: self.should_reconnect,
        })
    }
}

/// The field of [`Options`] that sets `setting`.
fn field_name(setting: Setting) -> &'static str {
    match setting {
        Setting::ConnectTimeout => "connect_timeout_ms",
        Setting::MaxFrameBytes => "max_frame_bytes",
        Setting::MaxBufferedBytes => "max_buffered_bytes",
        Setting::AckTimeout => "ack_timeout_ms",
        Setting::OutboxMaxFrames => "outbox.max_frames",
        Setting::OutboxMaxBytes => "outbox.max_bytes",
        Setting::ReconnectBaseDelay => "reconnect.base_delay_ms",
        Setting::ReconnectMaxDelay => "reconnect.max_delay_ms",
        Setting::ReconnectFactor => "reconnect.factor",
        Setting::ReconnectJitter => "reconnect.jitter",
        Setting::HeartbeatInterval => "heartbeat.interval_ms",
        Setting::HeartbeatTimeout => "heartbeat.timeout_ms",
        Setting::ResumeLastSeq => "resume.last_seq",
    }
}

/// The options given as providers.
struct Providers {
    url: Option<UrlProvider>,
    token: Option<TextProvider>,
    hello: Option<TextProvider>,
}

/// Each attempt's endpoint: `fixed` (the configured token and hello, the
/// configured URLs), with what the providers produce in its place. They are
/// asked in turn, `url`, `token`, `hello`, each once the one before it has
/// answered and only while the driver still waits for this attempt: a
/// provider's future that drops or closes the client is the last one
/// awaited.
fn endpoint_provider(providers: Providers, fixed: Endpoint) -> EndpointProvider {
    let providers = Rc::new(providers);
    Box::new(move |attempt, answer| {
        let providers = Rc::clone(&providers);
        let mut endpoint = fixed.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(url) = &providers.url {
                if !answer.is_awaited() {
                    return;
                }
                match url(attempt).await {
                    Ok(url) => endpoint.url = Some(url),
                    Err(why) => return answer.provider_failed("url", &why),
                }
            }
            for (name, provider, field) in [
                ("token", &providers.token, &mut endpoint.token),
                ("hello", &providers.hello, &mut endpoint.hello),
            ] {
                let Some(provider) = provider else { continue };
                if !answer.is_awaited() {
                    return;
                }
                match provider(attempt).await {
                    Ok(text) => *field = text,
                    Err(why) => return answer.provider_failed(name, &why),
                }
            }
            answer.give(Ok(endpoint));
        });
    })
}

/// Decides whether to reconnect after a close.
///
/// ```
/// use std::rc::Rc;
/// use wsnotify::client::{CloseInfo, ClosePredicate};
/// let only_server_restarts: ClosePredicate = Rc::new(|close: &CloseInfo| close.code == 1012);
/// # let _ = only_server_restarts;
/// ```
pub type ClosePredicate = Rc<dyn Fn(&CloseInfo) -> bool>;

/// What [`Options`] become.
pub(super) struct Parts {
    pub config: Config,
    pub driver: DriverOptions,
    pub should_reconnect: Option<ClosePredicate>,
}
