//! `new Client(options)`: parsing and validating the options object.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::ClientError;
use crate::browser::{
    describe_exception, is_array, DriverOptions, Endpoint, EndpointAnswer, EndpointProvider,
};
use crate::engine::{
    ClosePolicy, Config, Delivery, HeartbeatConfig, Mode, ReconnectPolicy, Setting, LAST_SEQ_RANGE,
};
use crate::message::Message;
use crate::protocol::UserId;

/// The first problem found in the options. The parser goes on to its one
/// exit instead of returning at each option, but reads nothing more from the
/// object once there is a problem: no getter, proxy trap or `toJSON` of the
/// application runs past the first problem.
#[wasm_bindgen]
extern "C" {
    // The options are the application's values, possibly proxies whose
    // traps throw (or revoked ones, which throw for anything): every read
    // of them catches, so that no exception unwinds through the module.

    /// `Object.keys`.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(object: &JsValue) -> Result<Array, JsValue>;

    /// `Array.from`: a plain array of the elements, read once.
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(value: &JsValue) -> Result<Array, JsValue>;
}

#[derive(Default)]
struct Problem(RefCell<Option<ClientError>>);

impl Problem {
    fn report(&self, error: ClientError) {
        self.0.borrow_mut().get_or_insert(error);
    }

    /// Reports that option `name` must be `what`.
    fn report_must_be(&self, name: &str, what: &str) {
        self.report(must_be(name, what));
    }

    /// `value`, the option `name` read as what it must be; `None` (it is
    /// not `what`) is reported.
    fn require<T>(&self, value: Option<T>, name: &str, what: &str) -> Option<T> {
        if value.is_none() {
            self.report_must_be(name, what);
        }
        value
    }

    fn found(&self) -> bool {
        self.0.borrow().is_some()
    }
}

/// One options object (the top level or a section such as `reconnect`),
/// read key by key with `Reflect`: each option costs one property read, and
/// no generic deserialiser is shipped for a dozen keys.
///
/// The section remembers which keys it read: the parser is the one list of
/// the options there are, and a key it never read is an unknown (or
/// misspelt) option ([`Section::reject_unread`]). A value of the wrong type
/// or out of range is reported to the [`Problem`]; the parser then goes on
/// with the option's default.
struct Section<'p> {
    object: JsValue,
    read: RefCell<Vec<&'static str>>,
    problem: &'p Problem,
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

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidOptions(message.into())
}

impl<'p> Section<'p> {
    fn new(object: JsValue, problem: &'p Problem) -> Self {
        Self {
            object,
            read: Default::default(),
            problem,
        }
    }

    /// The section that option `name` holds, which must be a plain object.
    fn section(&self, name: &'static str) -> Option<Section<'p>> {
        let value = self.get(name)?;
        match plain_object(value) {
            Some(object) => Some(Section::new(object, self.problem)),
            None => {
                self.problem.report_must_be(name, "an object");
                None
            }
        }
    }

    /// Reports the first key of the object that no option was read from;
    /// `path` names the section in the message (`""` at the top level).
    fn reject_unread(&self, path: &str) {
        if self.problem.found() {
            return;
        }
        let keys = match object_keys(&self.object) {
            Ok(keys) => keys,
            Err(exception) => {
                let what = describe_exception(&exception);
                return self.problem.report(invalid(
                    Message::new("the keys of ")
                        .text(if path.is_empty() { "options" } else { path })
                        .text(" cannot be read: ")
                        .text(&what)
                        .done(),
                ));
            }
        };
        let read = self.read.borrow();
        let unread = keys
            .iter()
            .filter_map(|key| key.as_string())
            .find(|key| !read.contains(&key.as_str()));
        if let Some(key) = unread {
            let dot = if path.is_empty() { "" } else { "." };
            self.problem.report(invalid(
                Message::new("unknown option `")
                    .text(path)
                    .text(dot)
                    .text(&key)
                    .text("`")
                    .done(),
            ));
        }
    }

    /// The value of option `name`; `undefined` and `null` are absent.
    fn get(&self, name: &'static str) -> Option<JsValue> {
        self.read.borrow_mut().push(key_of(name));
        if self.problem.found() {
            return None;
        }
        match Reflect::get(&self.object, &JsValue::from_str(key_of(name))) {
            Ok(value) => (!value.is_undefined() && !value.is_null()).then_some(value),
            Err(exception) => {
                self.problem
                    .report_must_be(name, &describe_exception(&exception));
                None
            }
        }
    }

    fn number(&self, name: &'static str) -> Option<f64> {
        let value = self.get(name)?;
        self.problem.require(value.as_f64(), name, "a number")
    }

    fn whole(&self, name: &'static str) -> Option<u32> {
        let value = self.number(name)?;
        if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
            return Some(value as u32);
        }
        self.problem
            .report_must_be(name, "a whole number from 0 to 4294967295");
        None
    }

    /// A whole number, or `default` when absent (or not one, reported).
    fn whole_or(&self, name: &'static str, default: u32) -> u32 {
        self.whole(name).unwrap_or(default)
    }

    fn string(&self, name: &'static str) -> Option<String> {
        let value = self.get(name)?;
        self.problem.require(value.as_string(), name, "a string")
    }

    /// One of `choices` (the first is the default), as its index.
    fn choice(&self, name: &'static str, choices: &[&str], what: &str) -> usize {
        let Some(value) = self.string(name) else {
            return 0;
        };
        match choices.iter().position(|choice| *choice == value) {
            Some(index) => index,
            None => {
                self.problem.report_must_be(name, what);
                0
            }
        }
    }

    /// `true`/`false`, or an object of settings (which means on).
    fn toggle(&self, name: &'static str) -> Option<Toggle<'p>> {
        let value = self.get(name)?;
        if let Some(enabled) = value.as_bool() {
            return Some(Toggle::Enabled(enabled));
        }
        match plain_object(value) {
            Some(object) => Some(Toggle::Settings(Section::new(object, self.problem))),
            None => {
                self.problem
                    .report_must_be(name, "true, false or an object");
                None
            }
        }
    }
}

fn plain_object(value: JsValue) -> Option<JsValue> {
    // A value `Array.isArray` throws for (a revoked proxy) is no plain object.
    (value.is_object() && !value.is_function() && is_array(&value) == Ok(false)).then_some(value)
}

enum Toggle<'p> {
    Enabled(bool),
    Settings(Section<'p>),
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

pub(crate) fn parse(options: JsValue) -> Result<ParsedOptions, ClientError> {
    let Some(object) = plain_object(options) else {
        return Err(invalid("options must be an object"));
    };
    let problem = Problem::default();
    let options = Section::new(object, &problem);
    let mode = match options.choice(
        "mode",
        &["wsnotify", "generic"],
        "\"wsnotify\" or \"generic\"",
    ) {
        0 => Mode::Wsnotify,
        _ => Mode::Generic,
    };
    let mut config = Config::generic(String::new());
    config.mode = mode;
    match options.string("userId") {
        Some(id) => match UserId::new(id) {
            Ok(id) => config.user_id = Some(id),
            Err(error) => problem.report_must_be("userId", &error.message()),
        },
        None if mode == Mode::Generic => {}
        None => problem.report_must_be("userId", "a string (the wsnotify mode sends it in init)"),
    }

    let url = options.get("url").unwrap_or(JsValue::UNDEFINED);
    let url_is_function = url.is_function();
    config.urls = match url.as_string() {
        Some(url) => vec![url],
        None if url_is_function => vec![String::new()],
        None => url_list(&url, &problem),
    };
    let token = options.get("token").unwrap_or(JsValue::UNDEFINED);
    let token_is_function = token.is_function();
    config.token = token.as_string();
    if config.token.is_none() && !(token.is_undefined() || token_is_function) {
        problem.report_must_be("token", "a string or a function");
    }

    let hello = options.get("hello").unwrap_or(JsValue::UNDEFINED);
    let hello_is_function = hello.is_function();
    let no_hello = hello.is_undefined() || hello.as_bool() == Some(false);
    if !(no_hello || hello_is_function) {
        config.hello = frame_text("hello", &hello, &problem);
    }
    if mode == Mode::Wsnotify && !no_hello {
        problem.report(invalid(
            "hello is for mode \"generic\": the wsnotify mode sends init first",
        ));
    }
    config.url_provided = url_is_function;
    config.first_frame_provided = token_is_function || hello_is_function;

    if let Some(field) = options.string("kindField") {
        match field.is_empty() {
            true => problem.report_must_be("kindField", "a non-empty string"),
            false => config.kind_field = field,
        }
    }
    if let Some(toggle) = options.toggle("reconnect") {
        reconnect_policy(toggle, &mut config.reconnect);
    }
    if let Some(toggle) = options.toggle("heartbeat") {
        config.heartbeat = heartbeat(toggle);
    }
    if let Some(outbox) = options.section("outbox") {
        let limits = &mut config.outbox;
        limits.max_frames = outbox.whole_or("outbox.maxFrames", limits.max_frames as u32) as usize;
        limits.max_bytes = outbox.whole_or("outbox.maxBytes", limits.max_bytes as u32) as usize;
        outbox.reject_unread("outbox");
    }
    config.connect_timeout_ms = options.whole_or("connectTimeout", config.connect_timeout_ms);
    config.max_frame_bytes =
        options.whole_or("maxFrameBytes", config.max_frame_bytes as u32) as usize;
    config.max_buffered_bytes =
        options.whole_or("maxBufferedBytes", config.max_buffered_bytes as u32) as usize;
    let should_reconnect = options.get("shouldReconnect").and_then(|predicate| {
        problem.require(
            predicate.dyn_into::<Function>().ok(),
            "shouldReconnect",
            "a function",
        )
    });
    if should_reconnect.is_some() {
        config.close_policy = ClosePolicy::Custom;
    }
    let delivery = ["at-most-once", "at-least-once"];
    config.delivery = match options.choice(
        "delivery",
        &delivery,
        "\"at-most-once\" or \"at-least-once\"",
    ) {
        0 => Delivery::AtMostOnce,
        _ if mode == Mode::Generic => {
            problem.report(invalid(
                "delivery \"at-least-once\" needs the acks of the wsnotify mode",
            ));
            Delivery::AtMostOnce
        }
        _ => Delivery::AtLeastOnce,
    };
    config.ack_timeout_ms = options.whole_or("ackTimeout", config.ack_timeout_ms);
    let binary_type = match options.choice(
        "binaryType",
        &["arraybuffer", "blob"],
        "\"arraybuffer\" or \"blob\"",
    ) {
        0 => web_sys::BinaryType::Arraybuffer,
        _ => web_sys::BinaryType::Blob,
    };

    if let Some(resume) = options.section("resume") {
        config.resume_from = Some(resume_from(&resume));
    }
    share_across_tabs(options.get("shareAcrossTabs"), &problem);
    persist(&options, mode);

    options.reject_unread("");
    drop(options);
    if let Some((setting, what)) = config.out_of_range() {
        problem.report_must_be(option_name(setting), what);
    }
    if let Some(error) = problem.0.into_inner() {
        return Err(error);
    }

    let endpoint = config
        .resolves_endpoint()
        .then(|| endpoint_provider(url, token, hello, &config));
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
fn resume_from(resume: &Section) -> (u64, Option<String>) {
    // A whole number at least 0; its upper bound is `Config::out_of_range`'s
    // (a larger one saturates, and is still larger than the bound).
    let last_seq = match resume.number("resume.lastSeq") {
        Some(seq) if seq.fract() == 0.0 && seq >= 0.0 => seq as u64,
        _ => {
            resume
                .problem
                .report_must_be("resume.lastSeq", LAST_SEQ_RANGE);
            0
        }
    };
    let epoch = resume.string("resume.epoch");
    resume.reject_unread("resume");
    (last_seq, epoch)
}

/// `shareAcrossTabs`: `true`, `false` or a non-empty channel name. The
/// package's entry acts on it (one connection for the tabs of an origin);
/// the engine only checks it.
fn share_across_tabs(value: Option<JsValue>, problem: &Problem) {
    let Some(value) = value else {
        return;
    };
    if value.as_bool().is_none() && !value.as_string().is_some_and(|name| !name.is_empty()) {
        problem.report_must_be("shareAcrossTabs", "true, false or a non-empty string");
    }
}

/// `persist`: `true`, `false`, a non-empty store name, or `{ name?,
/// maxMessages?, maxBytes?, expiryMs? }`. The package's entry acts on it (an
/// IndexedDB store read by `createClient`); the engine only checks it.
fn persist(options: &Section, mode: Mode) {
    let problem = options.problem;
    let Some(value) = options.get("persist") else {
        return;
    };
    if value.as_bool() == Some(false) {
        return;
    }
    if mode == Mode::Generic {
        problem.report(invalid(
            "persist keeps chats and the resume position of the wsnotify mode",
        ));
        return;
    }
    if value.as_bool().is_some() || value.as_string().is_some_and(|name| !name.is_empty()) {
        return;
    }
    let Some(object) = plain_object(value) else {
        problem.report_must_be("persist", "true, false, a non-empty string or an object");
        return;
    };
    let settings = Section::new(object, problem);
    settings.string("persist.name");
    for name in [
        "persist.maxMessages",
        "persist.maxBytes",
        "persist.expiryMs",
    ] {
        if settings.whole(name) == Some(0) {
            problem.report_must_be(name, "greater than 0");
        }
    }
    settings.reject_unread("persist");
}

/// The option that sets `setting`.
fn option_name(setting: Setting) -> &'static str {
    match setting {
        Setting::ConnectTimeout => "connectTimeout",
        Setting::MaxFrameBytes => "maxFrameBytes",
        Setting::MaxBufferedBytes => "maxBufferedBytes",
        Setting::AckTimeout => "ackTimeout",
        Setting::OutboxMaxFrames => "outbox.maxFrames",
        Setting::OutboxMaxBytes => "outbox.maxBytes",
        Setting::ReconnectBaseDelay => "reconnect.baseDelayMs",
        Setting::ReconnectMaxDelay => "reconnect.maxDelayMs",
        Setting::ReconnectFactor => "reconnect.factor",
        Setting::ReconnectJitter => "reconnect.jitter",
        Setting::HeartbeatInterval => "heartbeat.intervalMs",
        Setting::HeartbeatTimeout => "heartbeat.timeoutMs",
        Setting::ResumeLastSeq => "resume.lastSeq",
    }
}

/// A non-empty array of URL strings, tried in turn.
fn url_list(value: &JsValue, problem: &Problem) -> Vec<String> {
    let urls: Option<Vec<String>> = (is_array(value) == Ok(true))
        .then(|| array_from(value).ok())
        .flatten()
        .and_then(|urls| urls.iter().map(|url| url.as_string()).collect());
    match urls {
        Some(urls) if !urls.is_empty() => urls,
        _ => {
            problem.report_must_be(
                "url",
                "a string, a non-empty array of strings or a function",
            );
            Vec::new()
        }
    }
}

/// The text of a frame given as an option ([`text_or_json`]), or the
/// problem reported.
fn frame_text(name: &str, value: &JsValue, problem: &Problem) -> Option<String> {
    problem.require(
        text_or_json(value),
        name,
        "a string or a JSON-serialisable value",
    )
}

/// A string as it is, anything else as JSON (`None` if it has none).
fn text_or_json(value: &JsValue) -> Option<String> {
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
}

fn reconnect_policy(toggle: Toggle, policy: &mut ReconnectPolicy) {
    let settings = match toggle {
        Toggle::Enabled(enabled) => {
            policy.enabled = enabled;
            return;
        }
        Toggle::Settings(settings) => settings,
    };
    if let Some(factor) = settings.number("reconnect.factor") {
        policy.factor = factor;
    }
    if let Some(jitter) = settings.number("reconnect.jitter") {
        policy.jitter = jitter;
    }
    policy.base_delay_ms = settings.whole_or("reconnect.baseDelayMs", policy.base_delay_ms);
    policy.max_delay_ms = settings.whole_or("reconnect.maxDelayMs", policy.max_delay_ms);
    if let Some(stable_after_ms) = settings.whole("reconnect.stableAfterMs") {
        policy.stable_after_ms = stable_after_ms;
    }
    policy.max_retries = settings.whole("reconnect.maxRetries");
    settings.reject_unread("reconnect");
}

fn heartbeat(toggle: Toggle) -> Option<HeartbeatConfig> {
    let mut heartbeat = HeartbeatConfig::default();
    let settings = match toggle {
        Toggle::Enabled(enabled) => return enabled.then_some(heartbeat),
        Toggle::Settings(settings) => settings,
    };
    if let Some(ping) = settings.get("heartbeat.ping") {
        heartbeat.ping = frame_text("heartbeat.ping", &ping, settings.problem).unwrap_or_default();
    }
    if let Some(pong) = settings.string("heartbeat.pong") {
        heartbeat.pong = pong;
    }
    heartbeat.interval_ms = settings.whole_or("heartbeat.intervalMs", heartbeat.interval_ms);
    heartbeat.timeout_ms = settings.whole_or("heartbeat.timeoutMs", heartbeat.timeout_ms);
    settings.reject_unread("heartbeat");
    Some(heartbeat)
}

#[wasm_bindgen]
extern "C" {
    /// The promise of `Promise.allSettled`, of which only `then` is used.
    type AllSettled;

    /// `Promise.allSettled`: settled when every element of `values` is,
    /// each a promise or a value; it never rejects for an element.
    #[wasm_bindgen(js_namespace = Promise, js_name = allSettled)]
    fn all_settled(values: &Array) -> AllSettled;

    /// `then(callback)`, for a callback that owns itself until it is called
    /// (`Closure::once_into_js`).
    #[wasm_bindgen(method)]
    fn then(this: &AllSettled, callback: &JsValue);
}

/// The providers of each attempt: `url`, `token` and `hello` are the
/// options as given (a value or a function); `config` holds the token and
/// the hello that are not functions.
fn endpoint_provider(
    url: JsValue,
    token: JsValue,
    hello: JsValue,
    config: &Config,
) -> EndpointProvider {
    let providers: Rc<[JsValue; 3]> = Rc::new([url, token, hello]);
    // A fixed URL, or list of URLs, is in the configuration already; what a
    // provider produces replaces the fixed token and hello.
    let fixed = Endpoint {
        url: None,
        token: config.token.clone(),
        hello: config.hello.clone(),
    };
    Box::new(move |attempt, answer| {
        Asking {
            providers: Rc::clone(&providers),
            attempt,
            asked: 0,
            endpoint: fixed.clone(),
            answer,
        }
        .next();
    })
}

/// The option each provider is, in the order they are asked.
const PROVIDERS: [&str; 3] = ["url", "token", "hello"];

/// `produced`, or why a provider's result is not `what` it must produce.
fn must_produce<T>(produced: Option<T>, what: &str) -> Result<T, String> {
    produced.ok_or_else(|| Message::new("the provider must produce ").text(what).done())
}

/// One round of the providers: the functions among `url`, `token` and
/// `hello` are called in that order with the attempt number, each once what
/// the one before it produced (a value or a promise) has settled, and only
/// while the driver still waits for this round: a provider that frees,
/// closes or reconnects the client is the last one called.
struct Asking {
    providers: Rc<[JsValue; 3]>,
    attempt: u32,
    /// How many of [`PROVIDERS`] were asked (or are not functions).
    asked: usize,
    /// What they produced so far.
    endpoint: Endpoint,
    answer: EndpointAnswer,
}

impl Asking {
    /// Asks the next provider that is a function or, when none is left,
    /// gives the endpoint.
    fn next(self) {
        let Some(provider) = self.providers.get(self.asked) else {
            self.answer.give(Ok(self.endpoint));
            return;
        };
        let Some(function) = provider.dyn_ref::<Function>() else {
            return self.took(Ok(()));
        };
        if !self.answer.is_awaited() {
            return;
        }
        match function.call1(&JsValue::NULL, &self.attempt.into()) {
            Ok(produced) => {
                // `allSettled` awaits a promise (or takes a value) and
                // reports a rejection as an outcome, never as an exception.
                let settled = Closure::once_into_js(move |outcomes: Array| {
                    self.settled(outcomes.get(0));
                });
                all_settled(&Array::of1(&produced)).then(&settled);
            }
            Err(exception) => self.took(Err(describe_exception(&exception))),
        }
    }

    /// Takes `outcome`, the `allSettled` outcome of the provider asked.
    fn settled(mut self, outcome: JsValue) {
        let field = |key: &str| Reflect::get(&outcome, &key.into()).unwrap_or_default();
        if field("status").as_string().as_deref() != Some("fulfilled") {
            return self.took(Err(describe_exception(&field("reason"))));
        }
        let produced = field("value");
        let none = produced.is_undefined() || produced.is_null();
        let taken = match self.asked {
            0 => must_produce(produced.as_string(), "a string")
                .map(|url| self.endpoint.url = Some(url)),
            1 if none => {
                self.endpoint.token = None;
                Ok(())
            }
            1 => must_produce(produced.as_string(), "a string, undefined or null")
                .map(|token| self.endpoint.token = Some(token)),
            _ if none || produced.as_bool() == Some(false) => {
                self.endpoint.hello = None;
                Ok(())
            }
            _ => must_produce(
                text_or_json(&produced),
                "a string or a JSON-serialisable value",
            )
            .map(|hello| self.endpoint.hello = Some(hello)),
        };
        self.took(taken);
    }

    /// Goes on to the next provider, or fails the round with why the one
    /// asked produced nothing usable.
    fn took(mut self, taken: Result<(), String>) {
        match taken {
            Ok(()) => {
                self.asked += 1;
                self.next();
            }
            Err(why) => self.answer.provider_failed(PROVIDERS[self.asked], &why),
        }
    }
}
