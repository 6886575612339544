//! The hand-written frame decoder against a reference built on `serde_json`:
//! for every input, both must accept the same frames with the same fields and
//! refuse the rest with the same error (for invalid JSON, the same variant;
//! the positions are worded differently). Each property runs 10,000 cases.
#![cfg(not(target_arch = "wasm32"))]

use std::borrow::Cow;

use proptest::prelude::*;
use serde_json::{Map, Value};
use wsnotify::protocol::{
    decode, decode_with_limit, Ack, ChatMessage, DecodeError, Notification, Reconnect, Resumed,
    ServerError, ServerFrame, DEFAULT_MAX_FRAME_BYTES, MAX_COUNT, MAX_USER_ID_CHARS,
};

const CASES: u32 = 10_000;

/// The decoding rules of protocol v1, written over a `serde_json::Value`.
fn reference(text: &str) -> Result<ServerFrame<'static>, DecodeError> {
    if text.len() > DEFAULT_MAX_FRAME_BYTES {
        return Err(DecodeError::TooLarge {
            len: text.len(),
            max: DEFAULT_MAX_FRAME_BYTES,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|error| DecodeError::InvalidJson {
        what: if error.to_string().starts_with(OUT_OF_F64_RANGE) {
            OUT_OF_F64_RANGE
        } else {
            ""
        },
        at: 0,
    })?;
    let Value::Object(object) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let Some(Value::String(frame_type)) = object.get("type") else {
        return Err(DecodeError::MissingType);
    };
    let f = |frame_type| Fields {
        frame_type,
        object: &object,
    };
    Ok(match frame_type.as_str() {
        "chat" => {
            let f = f("chat");
            ServerFrame::Chat(ChatMessage {
                from_user_id: f.user_id("fromUserId")?,
                to_user_id: match f.get("toUserId") {
                    Some(_) => Some(f.user_id("toUserId")?),
                    None => None,
                },
                message: f.string("message")?,
                timestamp: f.string("timestamp")?,
                id: f.optional_string("id")?,
                seq: f.count("seq")?,
                epoch: f.optional_string("epoch")?,
            })
        }
        "notification" => {
            let f = f("notification");
            ServerFrame::Notification(Notification {
                message: f.string("message")?,
                online: f.count("online")?,
            })
        }
        "ack" => ServerFrame::Ack(Ack {
            id: f("ack").string("id")?,
        }),
        "pong" => ServerFrame::Pong,
        "error" => {
            let f = f("error");
            ServerFrame::Error(ServerError {
                code: f.string("code")?,
                message: f.string("message")?,
                id: f.optional_string("id")?,
            })
        }
        "resumed" => {
            let f = f("resumed");
            match f.required("recovered")? {
                Value::Bool(recovered) => ServerFrame::Resumed(Resumed {
                    recovered: *recovered,
                    epoch: f.optional_string("epoch")?,
                }),
                _ => return Err(f.wrong("recovered", "a boolean")),
            }
        }
        "reconnect" => ServerFrame::Reconnect(Reconnect {
            after_ms: f("reconnect").count("afterMs")?.unwrap_or(0),
        }),
        other => ServerFrame::Other(Cow::Owned(other.to_owned())),
    })
}

struct Fields<'a> {
    frame_type: &'static str,
    object: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        self.object.get(field).filter(|value| !value.is_null())
    }
    fn wrong(&self, field: &'static str, expected: &'static str) -> DecodeError {
        DecodeError::WrongType {
            frame_type: self.frame_type,
            field,
            expected,
        }
    }
    fn required(&self, field: &'static str) -> Result<&Value, DecodeError> {
        self.get(field).ok_or(DecodeError::MissingField {
            frame_type: self.frame_type,
            field,
        })
    }
    fn string(&self, field: &'static str) -> Result<Cow<'static, str>, DecodeError> {
        match self.required(field)? {
            Value::String(text) => Ok(Cow::Owned(text.clone())),
            _ => Err(self.wrong(field, "a string")),
        }
    }
    fn optional_string(
        &self,
        field: &'static str,
    ) -> Result<Option<Cow<'static, str>>, DecodeError> {
        self.get(field).map(|_| self.string(field)).transpose()
    }
    fn user_id(&self, field: &'static str) -> Result<Cow<'static, str>, DecodeError> {
        let id = self.string(field)?;
        if (1..=MAX_USER_ID_CHARS).contains(&id.chars().count()) {
            Ok(id)
        } else {
            Err(DecodeError::OutOfRange {
                frame_type: self.frame_type,
                field,
                reason: "a user id has 1 to 64 characters",
            })
        }
    }
    fn count(&self, field: &'static str) -> Result<Option<u64>, DecodeError> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let count = value
            .as_u64()
            .ok_or_else(|| self.wrong(field, "a non-negative integer"))?;
        if count > MAX_COUNT {
            return Err(DecodeError::OutOfRange {
                frame_type: self.frame_type,
                field,
                reason: "at most 2^53 - 1, the largest integer JavaScript represents exactly",
            });
        }
        Ok(Some(count))
    }
}

/// serde_json refuses a number beyond `f64` (`1e400`); `JSON.parse`, and so
/// our decoder, reads it as `Infinity`: the one place the two differ.
const OUT_OF_F64_RANGE: &str = "number out of range";

/// Both decoders agree on `text`.
fn agree(text: &str) -> Result<(), TestCaseError> {
    let ours = decode(text);
    let theirs = reference(text);
    match (&ours, &theirs) {
        // serde_json stops at the overflow, before any later syntax error,
        // so it says nothing about the rest: `agrees_on_the_edges` pins
        // down what such numbers decode to.
        (
            _,
            Err(DecodeError::InvalidJson {
                what: OUT_OF_F64_RANGE,
                ..
            }),
        ) => {}
        (Err(DecodeError::InvalidJson { .. }), Err(DecodeError::InvalidJson { .. })) => {}
        _ => prop_assert_eq!(ours, theirs, "on {:?}", text),
    }
    Ok(())
}

fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        r#""[^"\\]{0,70}""#,
        r#""([a-z]|\\["\\/bfnrt]|\\u00[0-9a-f]{2}|\\ud83d\\ude00|\\ud83d|\\ude00|\\x){0,6}""#,
        "-?(0|[1-9][0-9]{0,19})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
        "(true|false|null|\\[\\]|\\{\\}|\\[1,\"a\",\\{\"b\":null\\}\\])",
        "(01|1\\.|-|\\.5|tru|nul|\\[1,\\]|\\{\"a\"\\})",
    ]
}

/// Objects whose keys are the protocol's, in any order and repeated, with
/// whitespace and with values both valid and not.
fn frame_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("type".to_owned()),
        Just("\\u0074ype".to_owned()),
        "(fromUserId|toUserId|message|timestamp|id|seq|online|code|recovered|other)",
    ];
    let frame_type = r#""(chat|notification|ack|error|resumed|pong|x|)""#;
    let member = (key, prop_oneof![frame_type.prop_map(|t| t), field_value()]);
    (
        frame_type,
        prop::collection::vec(member, 0..10),
        "[ \t\n]{0,2}",
    )
        .prop_map(|(frame_type, members, space)| {
            let mut text = format!("{{{space}\"type\"{space}:{frame_type}");
            for (key, value) in members {
                text.push_str(&format!(",{space}\"{key}\":{space}{value}"));
            }
            text.push('}');
            text
        })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "chat",
            "notification",
            "ack",
            "error",
            "resumed",
            "pong"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "fromUserId",
                    "toUserId",
                    "message",
                    "timestamp",
                    "id",
                    "seq",
                    "online",
                    "code",
                    "recovered",
                    "epoch",
                    "afterMs",
                    "other",
                ])
                .prop_map(str::to_owned),
                inner,
                0..8,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn agrees_on_arbitrary_text(text in any::<String>()) {
        agree(&text)?;
        let _ = decode_with_limit(&text, 16);
    }

    #[test]
    fn agrees_on_frame_like_objects(text in frame_like()) {
        agree(&text)?;
    }

    #[test]
    fn agrees_on_arbitrary_json_values(value in json_value()) {
        agree(&value.to_string())?;
        agree(&serde_json::to_string_pretty(&value).unwrap())?;
    }

    /// One byte deleted or one character inserted anywhere in a valid frame:
    /// every way of breaking JSON, reported as invalid JSON and nothing worse.
    #[test]
    fn agrees_on_damaged_frames(
        frame in frame_like(),
        at in any::<prop::sample::Index>(),
        insert in prop::option::of(prop::sample::select(vec!['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', '.', '\u{1}', 'é'])),
    ) {
        let mut chars: Vec<char> = frame.chars().collect();
        let at = at.index(chars.len());
        match insert {
            Some(ch) => chars.insert(at, ch),
            None => {
                chars.remove(at);
            }
        }
        let text: String = chars.into_iter().collect();
        agree(&text)?;
    }
}

#[test]
fn agrees_on_the_edges() {
    let cases = [
        format!("{}{}", "[".repeat(127), "]".repeat(127)),
        format!("{}{}", "[".repeat(128), "]".repeat(128)),
        format!(
            r#"{{"type":"x","n":{}{}}}"#,
            "[".repeat(126),
            "]".repeat(126)
        ),
        format!(
            r#"{{"type":"x","n":{}{}}}"#,
            "[".repeat(127),
            "]".repeat(127)
        ),
        format!(r#"{{"type":"notification","message":"m","online":{MAX_COUNT}}}"#),
        format!(
            r#"{{"type":"notification","message":"m","online":{}}}"#,
            MAX_COUNT + 1
        ),
        r#"{"type":"notification","message":"m","online":18446744073709551615}"#.to_owned(),
        r#"{"type":"notification","message":"m","online":18446744073709551616}"#.to_owned(),
        r#"{"type":"notification","message":"m","online":7.0}"#.to_owned(),
        r#"{"type":"notification","message":"m","online":-0}"#.to_owned(),
        r#"{"\u0074ype":"chat","fromUserId":"\u00e9","message":"\ud83d\ude00","timestamp":"t"}"#
            .to_owned(),
        r#"{"type":"chat","type":"pong"}"#.to_owned(),
        r#"{"type":"ack","id":"a","id":null}"#.to_owned(),
        r#"{"type":"chat","fromUserId":"ada","message":"m","timestamp":"t","toUserId":null}"#
            .to_owned(),
        format!(
            r#"{{"type":"chat","fromUserId":"{}","message":"m","timestamp":"t"}}"#,
            "é".repeat(64)
        ),
        format!(
            r#"{{"type":"chat","fromUserId":"{}","message":"m","timestamp":"t"}}"#,
            "é".repeat(65)
        ),
        "\u{feff}{}".to_owned(),
        " {\"type\":\"pong\"} \n".to_owned(),
    ];
    for text in &cases {
        agree(text).unwrap();
    }
    // Numbers beyond f64 are JSON, as `JSON.parse` reads them (as ±Infinity).
    assert_eq!(
        decode(r#"{"type":"chat","type":1e400}"#),
        Err(DecodeError::MissingType)
    );
    assert_eq!(
        decode(r#"{"type":"pong","n":-1e400}"#),
        Ok(ServerFrame::Pong)
    );
}
