//! `new Client(options)`: parsing and validating the options object.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::ClientError;
use crate::browser::{describe_exception, DriverOptions, Endpoint, EndpointProvider};
use crate::engine::{
    ClosePolicy, Config, Delivery, HeartbeatConfig, Mode, OutboxLimits, ReconnectPolicy,
};
use crate::message::Message;
use crate::protocol::{UserId, MAX_COUNT};

/// One options object (the top level or a section such as `reconnect`),
/// read key by key with `Reflect`: each option costs one property read, and
/// no generic deserialiser is shipped for a dozen keys.
///
/// The section remembers which keys it read: the parser is the one list of
/// the options there are, and a key it never read is an unknown (or
/// misspelt) option ([`Section::reject_unread`]).
struct Section {
    object: JsValue,
    read: std::cell::RefCell<Vec<&'static str>>,
}

/// `name` is the option's full path, e.g. `reconnect.maxDelayMs`; the key
/// read is its last segment.
fn key_of(name: &'static str) -> &'static str {
    // By bytes: the names are ASCII, and a `char` search links a searcher.
    match name.bytes().rposition(|byte| byte == b'.') {
        Some(dot) => &name[dot + 1..],
        None => name,
    }
}

fn must_be(name: &str, what: &str) -> ClientError {
    let mut message = String::with_capacity(name.len() + what.len() + 9);
    message.push_str(name);
    message.push_str(" must be ");
    message.push_str(what);
    ClientError::InvalidOptions(message)
}

impl Section {
    fn new(object: JsValue) -> Self {
        Self {
            object,
            read: Default::default(),
        }
    }

    /// Refuses the first key of the object that no option was read from;
    /// `path` names the section in the message (`""` at the top level).
    fn reject_unread(&self, path: &str) -> Result<(), ClientError> {
        let read = self.read.borrow();
        let keys = js_sys::Object::keys(self.object.unchecked_ref::<js_sys::Object>());
        for key in keys.iter().filter_map(|key| key.as_string()) {
            if !read.contains(&key.as_str()) {
                let dot = if path.is_empty() { "" } else { "." };
                return Err(invalid(
                    Message::new("unknown option `")
                        .text(path)
                        .text(dot)
                        .text(&key)
                        .text("`")
                        .done(),
                ));
            }
        }
        Ok(())
    }

    /// The value of option `name`; `undefined` and `null` are absent.
    fn get(&self, name: &'static str) -> Result<Option<JsValue>, ClientError> {
        self.read.borrow_mut().push(key_of(name));
        let value = Reflect::get(&self.object, &JsValue::from_str(key_of(name)))
            .map_err(|exception| must_be(name, &describe_exception(&exception)))?;
        Ok((!value.is_undefined() && !value.is_null()).then_some(value))
    }

    fn number(&self, name: &'static str) -> Result<Option<f64>, ClientError> {
        self.get(name)?
            .map(|value| value.as_f64().ok_or_else(|| must_be(name, "a number")))
            .transpose()
    }

    fn whole(&self, name: &'static str) -> Result<Option<u32>, ClientError> {
        match self.number(name)? {
            None => Ok(None),
            Some(value) if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) => {
                Ok(Some(value as u32))
            }
            Some(_) => Err(must_be(name, "a whole number from 0 to 4294967295")),
        }
    }

    /// A whole number greater than 0, or `default` when absent.
    fn positive(&self, name: &'static str, default: u32) -> Result<u32, ClientError> {
        match self.whole(name)? {
            Some(0) => Err(must_be(name, "greater than 0")),
            Some(value) => Ok(value),
            None => Ok(default),
        }
    }

    fn string(&self, name: &'static str) -> Result<Option<String>, ClientError> {
        self.get(name)?
            .map(|value| value.as_string().ok_or_else(|| must_be(name, "a string")))
            .transpose()
    }

    /// `true`/`false`, or an object of settings (which means on).
    fn toggle(&self, name: &'static str) -> Result<Option<Toggle>, ClientError> {
        let Some(value) = self.get(name)? else {
            return Ok(None);
        };
        if let Some(enabled) = value.as_bool() {
            return Ok(Some(Toggle::Enabled(enabled)));
        }
        plain_object(value)
            .map(|object| Some(Toggle::Settings(Section::new(object))))
            .ok_or_else(|| must_be(name, "true, false or an object"))
    }
}

fn plain_object(value: JsValue) -> Option<JsValue> {
    (value.is_object() && !value.is_function() && !js_sys::Array::is_array(&value)).then_some(value)
}

enum Toggle {
    Enabled(bool),
    Settings(Section),
}

/// The engine configuration, and how the driver talks to the browser (with
/// the providers it calls before each attempt when the URL, the token or the
/// hello is a function).
pub(crate) struct ParsedOptions {
    pub config: Config,
    pub driver: DriverOptions,
    /// `shouldReconnect`, asked by the driver before each close is handled.
    pub should_reconnect: Option<Function>,
}

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidOptions(message.into())
}

pub(crate) fn parse(options: JsValue) -> Result<ParsedOptions, ClientError> {
    let Some(object) = plain_object(options) else {
        return Err(invalid("options must be an object"));
    };
    let options = Section::new(object);
    let mode = match options.string("mode")?.as_deref() {
        None | Some("wsnotify") => Mode::Wsnotify,
        Some("generic") => Mode::Generic,
        Some(_) => return Err(must_be("mode", "\"wsnotify\" or \"generic\"")),
    };
    let user_id = match options.string("userId")? {
        Some(id) => Some(UserId::new(id).map_err(|error| must_be("userId", &error.message()))?),
        None if mode == Mode::Generic => None,
        None => {
            return Err(must_be(
                "userId",
                "a string (the wsnotify mode sends it in init)",
            ))
        }
    };

    let url = options.get("url")?.unwrap_or(JsValue::UNDEFINED);
    let url_is_function = url.is_function();
    let fixed_urls = match url.as_string() {
        Some(url) => vec![url],
        None if url_is_function => vec![String::new()],
        None => url_list(&url)?,
    };
    let token = options.get("token")?.unwrap_or(JsValue::UNDEFINED);
    let token_is_function = token.is_function();
    let fixed_token = match token.as_string() {
        Some(token) => Some(token),
        None if token.is_undefined() || token_is_function => None,
        None => return Err(must_be("token", "a string or a function")),
    };

    let hello = options.get("hello")?.unwrap_or(JsValue::UNDEFINED);
    let hello_is_function = hello.is_function();
    let fixed_hello = match hello.as_bool() {
        Some(false) => None,
        _ if hello.is_undefined() || hello_is_function => None,
        _ => Some(frame_text("hello", &hello)?),
    };
    if mode == Mode::Wsnotify && !(hello.is_undefined() || hello.as_bool() == Some(false)) {
        return Err(invalid(
            "hello is for mode \"generic\": the wsnotify mode sends init first",
        ));
    }

    let mut config = Config::generic(String::new());
    config.urls = fixed_urls;
    config.mode = mode;
    config.user_id = user_id;
    config.token = fixed_token;
    config.hello = fixed_hello;
    config.resolve_endpoint = url_is_function || token_is_function || hello_is_function;
    if let Some(field) = options.string("kindField")? {
        if field.is_empty() {
            return Err(must_be("kindField", "a non-empty string"));
        }
        config.kind_field = field;
    }
    config.reconnect = reconnect_policy(options.toggle("reconnect")?)?;
    config.heartbeat = heartbeat(options.toggle("heartbeat")?)?;
    if let Some(object) = options.get("outbox")? {
        let outbox =
            Section::new(plain_object(object).ok_or_else(|| must_be("outbox", "an object"))?);
        let defaults = OutboxLimits::default();
        config.outbox = OutboxLimits {
            max_frames: outbox.positive("outbox.maxFrames", defaults.max_frames as u32)? as usize,
            max_bytes: outbox.positive("outbox.maxBytes", defaults.max_bytes as u32)? as usize,
        };
        outbox.reject_unread("outbox")?;
    }
    config.connect_timeout_ms = options.positive("connectTimeout", config.connect_timeout_ms)?;
    config.max_frame_bytes =
        options.positive("maxFrameBytes", config.max_frame_bytes as u32)? as usize;
    let should_reconnect = reconnect_predicate(options.get("shouldReconnect")?)?;
    if should_reconnect.is_some() {
        config.close_policy = ClosePolicy::Custom;
    }
    config.delivery = match options.string("delivery")?.as_deref() {
        None | Some("at-most-once") => Delivery::AtMostOnce,
        Some("at-least-once") if mode == Mode::Generic => {
            return Err(invalid(
                "delivery \"at-least-once\" needs the acks of the wsnotify mode",
            ))
        }
        Some("at-least-once") => Delivery::AtLeastOnce,
        Some(_) => return Err(must_be("delivery", "\"at-most-once\" or \"at-least-once\"")),
    };
    config.ack_timeout_ms = options.positive("ackTimeout", config.ack_timeout_ms)?;
    let binary_type = match options.string("binaryType")?.as_deref() {
        None | Some("arraybuffer") => web_sys::BinaryType::Arraybuffer,
        Some("blob") => web_sys::BinaryType::Blob,
        Some(_) => return Err(must_be("binaryType", "\"arraybuffer\" or \"blob\"")),
    };

    config.resume_from = resume_from(options.get("resume")?)?;
    share_across_tabs(options.get("shareAcrossTabs")?)?;
    persist(options.get("persist")?, mode)?;

    options.reject_unread("")?;

    let endpoint = config
        .resolve_endpoint
        .then(|| endpoint_provider(url, token, hello, config.hello.clone()));
    Ok(ParsedOptions {
        config,
        driver: DriverOptions {
            endpoint,
            binary_type,
        },
        should_reconnect,
    })
}

/// `resume: { lastSeq, epoch? }`: where the first `init` resumes from.
fn resume_from(value: Option<JsValue>) -> Result<Option<(u64, Option<String>)>, ClientError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let resume = Section::new(plain_object(value).ok_or_else(|| must_be("resume", "an object"))?);
    let last_seq = match resume.number("resume.lastSeq")? {
        Some(seq) if seq.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&seq) => seq as u64,
        _ => {
            return Err(must_be(
                "resume.lastSeq",
                "a whole number from 0 to 2^53 - 1",
            ))
        }
    };
    let epoch = resume.string("resume.epoch")?;
    resume.reject_unread("resume")?;
    Ok(Some((last_seq, epoch)))
}

/// `shareAcrossTabs`: `true`, `false` or a non-empty channel name. The
/// package's entry acts on it (one connection for the tabs of an origin);
/// the engine only checks it.
fn share_across_tabs(value: Option<JsValue>) -> Result<(), ClientError> {
    match value {
        None => Ok(()),
        Some(value) if value.as_bool().is_some() => Ok(()),
        Some(value) if value.as_string().is_some_and(|name| !name.is_empty()) => Ok(()),
        Some(_) => Err(must_be(
            "shareAcrossTabs",
            "true, false or a non-empty string",
        )),
    }
}

/// `persist`: `true`, `false`, a non-empty store name, or `{ name?,
/// maxMessages?, maxBytes?, expiryMs? }`. The package's entry acts on it (an
/// IndexedDB store read by `createClient`); the engine only checks it.
fn persist(value: Option<JsValue>, mode: Mode) -> Result<(), ClientError> {
    let Some(value) = value else {
        return Ok(());
    };
    if value.as_bool() == Some(false) {
        return Ok(());
    }
    if mode == Mode::Generic {
        return Err(invalid(
            "persist keeps chats and the resume position of the wsnotify mode",
        ));
    }
    if value.as_bool().is_some() || value.as_string().is_some_and(|name| !name.is_empty()) {
        return Ok(());
    }
    let Some(object) = plain_object(value) else {
        return Err(must_be(
            "persist",
            "true, false, a non-empty string or an object",
        ));
    };
    let settings = Section::new(object);
    settings.string("persist.name")?;
    settings.positive("persist.maxMessages", 1)?;
    settings.positive("persist.maxBytes", 1)?;
    settings.positive("persist.expiryMs", 1)?;
    settings.reject_unread("persist")
}

/// A non-empty array of URL strings, tried in turn.
fn url_list(value: &JsValue) -> Result<Vec<String>, ClientError> {
    let not_a_url = || {
        must_be(
            "url",
            "a string, a non-empty array of strings or a function",
        )
    };
    if !js_sys::Array::is_array(value) {
        return Err(not_a_url());
    }
    let urls = value
        .unchecked_ref::<js_sys::Array>()
        .iter()
        .map(|url| url.as_string().ok_or_else(not_a_url))
        .collect::<Result<Vec<_>, _>>()?;
    if urls.is_empty() {
        return Err(not_a_url());
    }
    Ok(urls)
}

/// The text of a frame given as an option: a string as it is, anything else
/// as JSON.
fn frame_text(name: &str, value: &JsValue) -> Result<String, ClientError> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| must_be(name, "a string or a JSON-serialisable value"))
}

fn reconnect_policy(toggle: Option<Toggle>) -> Result<ReconnectPolicy, ClientError> {
    let defaults = ReconnectPolicy::default();
    let settings = match toggle {
        None | Some(Toggle::Enabled(true)) => return Ok(defaults),
        Some(Toggle::Enabled(false)) => {
            return Ok(ReconnectPolicy {
                enabled: false,
                ..defaults
            })
        }
        Some(Toggle::Settings(settings)) => settings,
    };
    let factor = settings
        .number("reconnect.factor")?
        .unwrap_or(defaults.factor);
    if !(factor >= 1.0 && factor.is_finite()) {
        return Err(must_be("reconnect.factor", "a finite number >= 1"));
    }
    let jitter = settings
        .number("reconnect.jitter")?
        .unwrap_or(defaults.jitter);
    if !(0.0..=1.0).contains(&jitter) {
        return Err(must_be("reconnect.jitter", "between 0 and 1"));
    }
    let base_delay_ms = settings.positive("reconnect.baseDelayMs", defaults.base_delay_ms)?;
    let max_delay_ms = settings.positive("reconnect.maxDelayMs", defaults.max_delay_ms)?;
    if max_delay_ms < base_delay_ms {
        return Err(must_be("reconnect.maxDelayMs", "at least baseDelayMs"));
    }
    let policy = ReconnectPolicy {
        enabled: true,
        base_delay_ms,
        factor,
        max_delay_ms,
        jitter,
        stable_after_ms: settings
            .whole("reconnect.stableAfterMs")?
            .unwrap_or(defaults.stable_after_ms),
        max_retries: settings.whole("reconnect.maxRetries")?,
    };
    settings.reject_unread("reconnect")?;
    Ok(policy)
}

fn heartbeat(toggle: Option<Toggle>) -> Result<Option<HeartbeatConfig>, ClientError> {
    let defaults = HeartbeatConfig::default();
    let settings = match toggle {
        None | Some(Toggle::Enabled(false)) => return Ok(None),
        Some(Toggle::Enabled(true)) => return Ok(Some(defaults)),
        Some(Toggle::Settings(settings)) => settings,
    };
    let ping = match settings.get("heartbeat.ping")? {
        Some(ping) => frame_text("heartbeat.ping", &ping)?,
        None => defaults.ping,
    };
    let pong = settings.string("heartbeat.pong")?.unwrap_or(defaults.pong);
    let heartbeat = HeartbeatConfig {
        interval_ms: settings.positive("heartbeat.intervalMs", defaults.interval_ms)?,
        timeout_ms: settings.positive("heartbeat.timeoutMs", defaults.timeout_ms)?,
        ping,
        pong,
    };
    settings.reject_unread("heartbeat")?;
    Ok(Some(heartbeat))
}

/// The `shouldReconnect` predicate, when there is one.
fn reconnect_predicate(predicate: Option<JsValue>) -> Result<Option<Function>, ClientError> {
    predicate
        .map(|predicate| {
            predicate
                .dyn_into::<Function>()
                .map_err(|_| must_be("shouldReconnect", "a function"))
        })
        .transpose()
}

/// The providers of each attempt: `url`, `token` and `hello` are the
/// options as given (a value or a function); `fixed_hello` is the hello's
/// text when it is not a function.
fn endpoint_provider(
    url: JsValue,
    token: JsValue,
    hello: JsValue,
    fixed_hello: Option<String>,
) -> EndpointProvider {
    Box::new(move |attempt| {
        let url = url.clone();
        let token = token.clone();
        let hello = hello.clone();
        let fixed_hello = fixed_hello.clone();
        Box::pin(async move {
            // A fixed URL, or list of URLs, is in the configuration already.
            let url = match url.is_function() {
                true => Some(
                    produce_string(&url, attempt)
                        .await
                        .map_err(|error| Message::new("url: ").text(&error).done())?,
                ),
                false => None,
            };
            let token = match token.is_function() {
                true => Some(
                    produce_string(&token, attempt)
                        .await
                        .map_err(|error| Message::new("token: ").text(&error).done())?,
                ),
                // A fixed token is in the configuration already.
                false => None,
            };
            let hello = match hello.is_function() {
                true => {
                    let produced = produce(&hello, attempt)
                        .await
                        .map_err(|error| Message::new("hello: ").text(&error).done())?;
                    match produced.as_bool() {
                        Some(false) => None,
                        _ if produced.is_undefined() || produced.is_null() => None,
                        _ => Some(frame_text("hello", &produced).map_err(|error| error.message())?),
                    }
                }
                false => fixed_hello,
            };
            Ok(Endpoint { url, token, hello })
        })
    })
}

/// Like [`produce`], for a value that must be a string.
async fn produce_string(value: &JsValue, attempt: u32) -> Result<String, String> {
    produce(value, attempt)
        .await?
        .as_string()
        .ok_or_else(|| "the provider must produce a string".to_owned())
}

/// A value as it is; a function is called with the attempt number and its
/// result (a value or a promise of one) awaited.
async fn produce(value: &JsValue, attempt: u32) -> Result<JsValue, String> {
    let produced = match value.dyn_ref::<Function>() {
        Some(function) => function
            .call1(&JsValue::NULL, &attempt.into())
            .map_err(|exception| describe_exception(&exception))?,
        None => value.clone(),
    };
    JsFuture::from(Promise::resolve(&produced))
        .await
        .map_err(|exception| describe_exception(&exception))
}
