//! `new Client(options)`: parsing and validating the options object.

use std::rc::Rc;

use js_sys::{Function, Promise};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::ClientError;
use super::events::close_info_to_js;
use crate::browser::{describe_exception, EndpointProvider};
use crate::engine::{
    ClosePolicy, Config, Delivery, HeartbeatConfig, OutboxLimits, ReconnectPolicy,
};
use crate::protocol::UserId;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOptions {
    /// A string, or a function returning a string or a promise of one.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    url: JsValue,
    user_id: String,
    /// Absent, a string, or a function like `url`.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    token: JsValue,
    #[serde(default)]
    reconnect: Option<Toggle<RawReconnect>>,
    #[serde(default)]
    heartbeat: Option<Toggle<RawHeartbeat>>,
    #[serde(default)]
    outbox: Option<RawOutbox>,
    #[serde(default)]
    connect_timeout: Option<u32>,
    #[serde(default)]
    max_frame_bytes: Option<u32>,
    /// `(close) => boolean`: whether to reconnect after this close.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    should_reconnect: JsValue,
    /// `"at-most-once"` (default) or `"at-least-once"`.
    #[serde(default)]
    delivery: Option<String>,
    #[serde(default)]
    ack_timeout: Option<u32>,
}

/// `true`/`false`, or an object of settings (which means on).
#[derive(Deserialize)]
#[serde(untagged)]
enum Toggle<T> {
    Enabled(bool),
    Settings(T),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawReconnect {
    base_delay_ms: Option<u32>,
    factor: Option<f64>,
    max_delay_ms: Option<u32>,
    jitter: Option<f64>,
    stable_after_ms: Option<u32>,
    max_retries: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawHeartbeat {
    interval_ms: Option<u32>,
    timeout_ms: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOutbox {
    max_frames: Option<u32>,
    max_bytes: Option<u32>,
}

/// The engine configuration and, when the URL or token is a function, the
/// provider the driver calls before each attempt.
pub(crate) struct ParsedOptions {
    pub config: Config,
    pub endpoint: Option<EndpointProvider>,
}

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidOptions(message.into())
}

fn positive(name: &str, value: Option<u32>, default: u32) -> Result<u32, ClientError> {
    match value {
        Some(0) => Err(invalid(format!("{name} must be greater than 0"))),
        Some(value) => Ok(value),
        None => Ok(default),
    }
}

/// The keys each options object may have. serde-wasm-bindgen reads only the
/// fields it is asked for, so a misspelt option would otherwise pass unseen.
const KNOWN_KEYS: [(&str, &[&str]); 4] = [
    (
        "",
        &[
            "url",
            "userId",
            "token",
            "reconnect",
            "heartbeat",
            "outbox",
            "connectTimeout",
            "maxFrameBytes",
            "shouldReconnect",
            "delivery",
            "ackTimeout",
        ],
    ),
    (
        "reconnect",
        &[
            "baseDelayMs",
            "factor",
            "maxDelayMs",
            "jitter",
            "stableAfterMs",
            "maxRetries",
        ],
    ),
    ("heartbeat", &["intervalMs", "timeoutMs"]),
    ("outbox", &["maxFrames", "maxBytes"]),
];

fn reject_unknown_keys(options: &JsValue) -> Result<(), ClientError> {
    for (section, known) in KNOWN_KEYS {
        let object = if section.is_empty() {
            options.clone()
        } else {
            js_sys::Reflect::get(options, &section.into()).unwrap_or(JsValue::UNDEFINED)
        };
        if !object.is_object() || object.is_function() {
            continue;
        }
        for key in js_sys::Object::keys(object.unchecked_ref::<js_sys::Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                let path = if section.is_empty() {
                    key
                } else {
                    format!("{section}.{key}")
                };
                return Err(invalid(format!("unknown option `{path}`")));
            }
        }
    }
    Ok(())
}

pub(crate) fn parse(options: JsValue) -> Result<ParsedOptions, ClientError> {
    if !options.is_object() {
        return Err(invalid("options must be an object"));
    }
    reject_unknown_keys(&options)?;
    let raw: RawOptions =
        serde_wasm_bindgen::from_value(options).map_err(|error| invalid(error.to_string()))?;
    let user_id = UserId::new(raw.user_id).map_err(|error| invalid(format!("userId: {error}")))?;

    let url_is_function = raw.url.is_function();
    let fixed_url = match raw.url.as_string() {
        Some(url) => url,
        None if url_is_function => String::new(),
        None => return Err(invalid("url must be a string or a function")),
    };
    let token_is_function = raw.token.is_function();
    let fixed_token = match raw.token.as_string() {
        Some(token) => Some(token),
        None if raw.token.is_undefined() || raw.token.is_null() || token_is_function => None,
        None => return Err(invalid("token must be a string or a function")),
    };

    let mut config = Config::new(fixed_url, user_id);
    config.token = fixed_token;
    config.resolve_endpoint = url_is_function || token_is_function;
    config.reconnect = reconnect_policy(raw.reconnect)?;
    config.heartbeat = heartbeat(raw.heartbeat)?;
    if let Some(outbox) = raw.outbox {
        let defaults = OutboxLimits::default();
        config.outbox = OutboxLimits {
            max_frames: positive(
                "outbox.maxFrames",
                outbox.max_frames,
                defaults.max_frames as u32,
            )? as usize,
            max_bytes: positive(
                "outbox.maxBytes",
                outbox.max_bytes,
                defaults.max_bytes as u32,
            )? as usize,
        };
    }
    config.connect_timeout_ms = positive(
        "connectTimeout",
        raw.connect_timeout,
        config.connect_timeout_ms,
    )?;
    config.max_frame_bytes = positive(
        "maxFrameBytes",
        raw.max_frame_bytes,
        config.max_frame_bytes as u32,
    )? as usize;
    config.close_policy = close_policy(raw.should_reconnect)?;
    config.delivery = match raw.delivery.as_deref() {
        None | Some("at-most-once") => Delivery::AtMostOnce,
        Some("at-least-once") => Delivery::AtLeastOnce,
        Some(other) => {
            return Err(invalid(format!(
                "delivery must be \"at-most-once\" or \"at-least-once\", not {other:?}"
            )))
        }
    };
    config.ack_timeout_ms = positive("ackTimeout", raw.ack_timeout, config.ack_timeout_ms)?;

    let endpoint = config
        .resolve_endpoint
        .then(|| endpoint_provider(raw.url, raw.token));
    Ok(ParsedOptions { config, endpoint })
}

fn reconnect_policy(raw: Option<Toggle<RawReconnect>>) -> Result<ReconnectPolicy, ClientError> {
    let defaults = ReconnectPolicy::default();
    let raw = match raw {
        None | Some(Toggle::Enabled(true)) => return Ok(defaults),
        Some(Toggle::Enabled(false)) => {
            return Ok(ReconnectPolicy {
                enabled: false,
                ..defaults
            })
        }
        Some(Toggle::Settings(raw)) => raw,
    };
    let factor = raw.factor.unwrap_or(defaults.factor);
    if !(factor >= 1.0 && factor.is_finite()) {
        return Err(invalid("reconnect.factor must be a finite number >= 1"));
    }
    let jitter = raw.jitter.unwrap_or(defaults.jitter);
    if !(0.0..=1.0).contains(&jitter) {
        return Err(invalid("reconnect.jitter must be between 0 and 1"));
    }
    let base_delay_ms = positive(
        "reconnect.baseDelayMs",
        raw.base_delay_ms,
        defaults.base_delay_ms,
    )?;
    let max_delay_ms = positive(
        "reconnect.maxDelayMs",
        raw.max_delay_ms,
        defaults.max_delay_ms,
    )?;
    if max_delay_ms < base_delay_ms {
        return Err(invalid("reconnect.maxDelayMs must be at least baseDelayMs"));
    }
    Ok(ReconnectPolicy {
        enabled: true,
        base_delay_ms,
        factor,
        max_delay_ms,
        jitter,
        stable_after_ms: raw.stable_after_ms.unwrap_or(defaults.stable_after_ms),
        max_retries: raw.max_retries,
    })
}

fn heartbeat(raw: Option<Toggle<RawHeartbeat>>) -> Result<Option<HeartbeatConfig>, ClientError> {
    let defaults = HeartbeatConfig::default();
    let raw = match raw {
        None | Some(Toggle::Enabled(false)) => return Ok(None),
        Some(Toggle::Enabled(true)) => return Ok(Some(defaults)),
        Some(Toggle::Settings(raw)) => raw,
    };
    Ok(Some(HeartbeatConfig {
        interval_ms: positive(
            "heartbeat.intervalMs",
            raw.interval_ms,
            defaults.interval_ms,
        )?,
        timeout_ms: positive("heartbeat.timeoutMs", raw.timeout_ms, defaults.timeout_ms)?,
    }))
}

fn close_policy(predicate: JsValue) -> Result<ClosePolicy, ClientError> {
    if predicate.is_undefined() || predicate.is_null() {
        return Ok(ClosePolicy::Standard);
    }
    let Ok(predicate) = predicate.dyn_into::<Function>() else {
        return Err(invalid("shouldReconnect must be a function"));
    };
    Ok(ClosePolicy::Custom(Rc::new(move |info| {
        // A predicate that throws or answers something other than a boolean
        // leaves the decision to the standard policy.
        predicate
            .call1(&JsValue::NULL, &close_info_to_js(info))
            .ok()
            .and_then(|answer| answer.as_bool())
            .unwrap_or_else(|| ClosePolicy::Standard.should_reconnect(info))
    })))
}

fn endpoint_provider(url: JsValue, token: JsValue) -> EndpointProvider {
    Box::new(move |attempt| {
        let url = url.clone();
        let token = token.clone();
        Box::pin(async move {
            let url = produce_string(&url, attempt)
                .await
                .map_err(|error| format!("url: {error}"))?;
            let token = if token.is_undefined() || token.is_null() {
                None
            } else {
                Some(
                    produce_string(&token, attempt)
                        .await
                        .map_err(|error| format!("token: {error}"))?,
                )
            };
            Ok((url, token))
        })
    })
}

/// A string value as it is; a function is called with the attempt number and
/// its result (a string or a promise of one) awaited.
async fn produce_string(value: &JsValue, attempt: u32) -> Result<String, String> {
    let produced = match value.dyn_ref::<Function>() {
        Some(function) => function
            .call1(&JsValue::NULL, &attempt.into())
            .map_err(|exception| describe_exception(&exception))?,
        None => value.clone(),
    };
    let settled = JsFuture::from(Promise::resolve(&produced))
        .await
        .map_err(|exception| describe_exception(&exception))?;
    settled
        .as_string()
        .ok_or_else(|| "the provider must produce a string".to_owned())
}
