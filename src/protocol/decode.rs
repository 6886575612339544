//! Server frame decoding with errors that say what was wrong.

use std::borrow::Cow;

use crate::message::{display_message, Message};

use super::frames::{
    Ack, ChatMessage, Notification, Reconnect, Resumed, ServerError, ServerFrame, UserId,
};
use super::json::{scan_object, unescape, Kind, Raw, Scanned};

/// The largest count (`seq`, `online`) accepted: JavaScript's largest safe integer.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// Why a frame is refused that is not a JSON object: every frame of the
/// protocol is one, and so is every frame sent as JSON.
pub const NOT_AN_OBJECT: &str = "a frame must be a JSON object";

/// The default limit on an incoming frame, in bytes of UTF-8: 64 KiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024;

/// Why a text frame is not a valid server frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame is larger than the limit; it was not parsed.
    TooLarge {
        /// The frame's size in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The frame is not JSON, or nests deeper than 127 levels, or escapes
    /// an unpaired UTF-16 surrogate.
    InvalidJson {
        /// What was wrong, e.g. "expected `:`".
        what: &'static str,
        /// The byte offset where it was noticed.
        at: usize,
    },
    /// The frame is JSON but not an object.
    NotAnObject,
    /// The object has no `type` field, or it is not a string.
    MissingType,
    /// A required field is absent.
    MissingField {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The absent field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    WrongType {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The field.
        field: &'static str,
        /// What it must be, e.g. "a string".
        expected: &'static str,
    },
    /// A field has the right type but a value outside its range.
    OutOfRange {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The field.
        field: &'static str,
        /// What the range is.
        reason: &'static str,
    },
}

display_message!(DecodeError);

impl DecodeError {
    /// What was wrong, in words.
    pub fn message(&self) -> String {
        match self {
            Self::TooLarge { len, max } => Message::new("frame of ")
                .number(*len as u64)
                .text(" bytes exceeds the limit of ")
                .number(*max as u64)
                .text(" bytes")
                .done(),
            Self::InvalidJson { what, at } => Message::new("invalid JSON: ")
                .text(what)
                .text(" at byte ")
                .number(*at as u64)
                .done(),
            Self::NotAnObject => NOT_AN_OBJECT.into(),
            Self::MissingType => "a frame needs a string field \"type\"".into(),
            Self::MissingField { frame_type, field } => Message::new(frame_type)
                .text(" frame is missing the field \"")
                .text(field)
                .text("\"")
                .done(),
            Self::WrongType {
                frame_type,
                field,
                expected,
            } => Message::new("field \"")
                .text(field)
                .text("\" of ")
                .text(frame_type)
                .text(" frame must be ")
                .text(expected)
                .done(),
            Self::OutOfRange {
                frame_type,
                field,
                reason,
            } => Message::new("field \"")
                .text(field)
                .text("\" of ")
                .text(frame_type)
                .text(" frame is out of range: ")
                .text(reason)
                .done(),
        }
    }

    /// A stable machine-readable code: `frame_too_large`, `invalid_json` or
    /// `invalid_frame` (valid JSON of the wrong shape).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "frame_too_large",
            Self::InvalidJson { .. } => "invalid_json",
            _ => "invalid_frame",
        }
    }
}

/// Refuses a frame of `len` bytes when it is over `max_bytes`; text or
/// binary, a frame over the limit is never parsed.
pub fn check_size(len: usize, max_bytes: usize) -> Result<(), DecodeError> {
    if len > max_bytes {
        return Err(DecodeError::TooLarge {
            len,
            max: max_bytes,
        });
    }
    Ok(())
}

/// Decodes a server frame, refusing frames over [`DEFAULT_MAX_FRAME_BYTES`].
pub fn decode(text: &str) -> Result<ServerFrame<'_>, DecodeError> {
    decode_with_limit(text, DEFAULT_MAX_FRAME_BYTES)
}

/// Decodes a server frame, refusing frames over `max_bytes` before parsing them.
pub fn decode_with_limit(text: &str, max_bytes: usize) -> Result<ServerFrame<'_>, DecodeError> {
    check_size(text.len(), max_bytes)?;
    let mut found = Found::default();
    let scanned = scan_object(text, |key, value| found.keep(key, value)).map_err(|error| {
        DecodeError::InvalidJson {
            what: error.what,
            at: error.at,
        }
    })?;
    if let Scanned::NotAnObject = scanned {
        return Err(DecodeError::NotAnObject);
    }
    let frame_type = match found.frame_type {
        Some(Raw {
            kind: Kind::String,
            text,
        }) => str_of(text)?,
        _ => return Err(DecodeError::MissingType),
    };
    let fields = |frame_type| Fields {
        frame_type,
        found: &found,
    };
    match &*frame_type {
        "chat" => chat(&fields("chat")).map(ServerFrame::Chat),
        "notification" => {
            let fields = fields("notification");
            Ok(ServerFrame::Notification(Notification {
                message: fields.string(Field::Message)?,
                online: fields.optional_count(Field::Online)?,
            }))
        }
        "ack" => Ok(ServerFrame::Ack(Ack {
            id: fields("ack").string(Field::Id)?,
        })),
        "pong" => Ok(ServerFrame::Pong),
        "error" => {
            let fields = fields("error");
            Ok(ServerFrame::Error(ServerError {
                code: fields.string(Field::Code)?,
                message: fields.string(Field::Message)?,
                id: fields.optional_string(Field::Id)?,
            }))
        }
        "resumed" => {
            let fields = fields("resumed");
            Ok(ServerFrame::Resumed(Resumed {
                recovered: fields.boolean(Field::Recovered)?,
                epoch: fields.optional_string(Field::Epoch)?,
            }))
        }
        "reconnect" => Ok(ServerFrame::Reconnect(Reconnect {
            after_ms: fields("reconnect")
                .optional_count(Field::AfterMs)?
                .unwrap_or(0),
        })),
        _ => Ok(ServerFrame::Other(frame_type)),
    }
}

fn chat<'a>(fields: &Fields<'_, 'a>) -> Result<ChatMessage<'a>, DecodeError> {
    Ok(ChatMessage {
        from_user_id: fields.user_id(Field::FromUserId)?,
        to_user_id: match fields.get(Field::ToUserId) {
            Some(_) => Some(fields.user_id(Field::ToUserId)?),
            None => None,
        },
        message: fields.string(Field::Message)?,
        timestamp: fields.string(Field::Timestamp)?,
        id: fields.optional_string(Field::Id)?,
        seq: fields.optional_count(Field::Seq)?,
        epoch: fields.optional_string(Field::Epoch)?,
    })
}

/// The string value of the top-level field `field` when `text` is a JSON
/// object that has one; `None` when it is not JSON, not an object, or the
/// field is absent or not a string. It reads a frame's kind in a dialect the
/// crate does not know (the heartbeat's reply matcher uses it).
pub fn string_field<'a>(text: &'a str, field: &str) -> Option<Cow<'a, str>> {
    let mut value = None;
    scan_object(text, |key, raw| {
        if key == field {
            value = Some(raw);
        }
    })
    .ok()?;
    match value? {
        Raw {
            kind: Kind::String,
            text,
        } => str_of(text).ok(),
        _ => None,
    }
}

/// Declares [`Field`] from one list of variants and their JSON keys.
macro_rules! fields {
    ($($field:ident => $key:literal,)*) => {
        /// The fields some frame type reads; every other key is validated and skipped.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Field {
            $($field,)*
        }

        impl Field {
            const ALL: [Field; [$($key),*].len()] = [$(Self::$field),*];

            fn name(self) -> &'static str {
                match self {
                    $(Self::$field => $key,)*
                }
            }

            fn of_key(key: &str) -> Option<Self> {
                match key {
                    $($key => Some(Self::$field),)*
                    _ => None,
                }
            }
        }
    };
}

fields! {
    FromUserId => "fromUserId",
    ToUserId => "toUserId",
    Message => "message",
    Timestamp => "timestamp",
    Id => "id",
    Seq => "seq",
    Online => "online",
    Code => "code",
    Recovered => "recovered",
    Epoch => "epoch",
    AfterMs => "afterMs",
}

/// The last value of each interesting key, as `JSON.parse` keeps the last
/// of duplicate keys.
#[derive(Default)]
struct Found<'a> {
    frame_type: Option<Raw<'a>>,
    fields: [Option<Raw<'a>>; Field::ALL.len()],
}

impl<'a> Found<'a> {
    fn keep(&mut self, key: &str, value: Raw<'a>) {
        if key == "type" {
            self.frame_type = Some(value);
        } else if let Some(field) = Field::of_key(key) {
            self.fields[field as usize] = Some(value);
        }
    }
}

/// A validated string token's content, copied only when it has escapes.
fn str_of(token: &str) -> Result<Cow<'_, str>, DecodeError> {
    match token
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(plain) if !plain.contains('\\') => Ok(Cow::Borrowed(plain)),
        // The scanner has accepted the token, so this cannot fail; if it
        // ever did, the frame is refused rather than misread.
        _ => unescape(token)
            .map(Cow::Owned)
            .ok_or(DecodeError::InvalidJson {
                what: "invalid string",
                at: 0,
            }),
    }
}

/// Typed access to the fields of one frame object.
struct Fields<'f, 'a> {
    frame_type: &'static str,
    found: &'f Found<'a>,
}

impl<'a> Fields<'_, 'a> {
    fn wrong_type(&self, field: Field, expected: &'static str) -> DecodeError {
        DecodeError::WrongType {
            frame_type: self.frame_type,
            field: field.name(),
            expected,
        }
    }

    /// The field's value; `null` counts as absent.
    fn get(&self, field: Field) -> Option<Raw<'a>> {
        self.found.fields[field as usize].filter(|value| value.kind != Kind::Null)
    }

    fn required(&self, field: Field) -> Result<Raw<'a>, DecodeError> {
        self.get(field).ok_or(DecodeError::MissingField {
            frame_type: self.frame_type,
            field: field.name(),
        })
    }

    fn string(&self, field: Field) -> Result<Cow<'a, str>, DecodeError> {
        match self.required(field)? {
            Raw {
                kind: Kind::String,
                text,
            } => str_of(text),
            _ => Err(self.wrong_type(field, "a string")),
        }
    }

    fn optional_string(&self, field: Field) -> Result<Option<Cow<'a, str>>, DecodeError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.string(field).map(Some),
        }
    }

    fn user_id(&self, field: Field) -> Result<Cow<'a, str>, DecodeError> {
        let id = self.string(field)?;
        if UserId::check(&id).is_err() {
            return Err(DecodeError::OutOfRange {
                frame_type: self.frame_type,
                field: field.name(),
                reason: "a user id has 1 to 64 characters",
            });
        }
        Ok(id)
    }

    fn boolean(&self, field: Field) -> Result<bool, DecodeError> {
        match self.required(field)?.kind {
            Kind::Bool(value) => Ok(value),
            _ => Err(self.wrong_type(field, "a boolean")),
        }
    }

    /// A non-negative integer literal. Like `JSON.parse`, `7.0` and `7e0`
    /// are numbers, but not written as integers; they are refused here so
    /// that a count is never rounded.
    fn optional_count(&self, field: Field) -> Result<Option<u64>, DecodeError> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let not_a_count = || self.wrong_type(field, "a non-negative integer");
        if value.kind != Kind::Number || !value.text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(not_a_count());
        }
        let count = value
            .text
            .bytes()
            .try_fold(0u64, |count, digit| {
                count.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
            })
            .ok_or_else(not_a_count)?;
        if count > MAX_COUNT {
            return Err(DecodeError::OutOfRange {
                frame_type: self.frame_type,
                field: field.name(),
                reason: "at most 2^53 - 1, the largest integer JavaScript represents exactly",
            });
        }
        Ok(Some(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_chat_with_every_field() {
        let frame = decode(
            r#"{"type":"chat","fromUserId":"ada","toUserId":"bob","message":"hi","timestamp":"2026-01-01T00:00:00Z","id":"m1","seq":7,"extra":true}"#,
        )
        .unwrap();
        assert_eq!(
            frame,
            ServerFrame::Chat(ChatMessage {
                from_user_id: "ada".into(),
                to_user_id: Some("bob".into()),
                message: "hi".into(),
                timestamp: "2026-01-01T00:00:00Z".into(),
                id: Some("m1".into()),
                seq: Some(7),
                epoch: None,
            })
        );
    }

    #[test]
    fn every_field_is_found_under_its_own_name() {
        for (slot, field) in Field::ALL.iter().enumerate() {
            let mut found = Found::default();
            found.keep(
                field.name(),
                Raw {
                    kind: Kind::Null,
                    text: "null",
                },
            );
            let filled: Vec<usize> = (0..Field::ALL.len())
                .filter(|&index| found.fields[index].is_some())
                .collect();
            assert_eq!(filled, [slot], "{field:?}");
        }
    }

    #[test]
    fn decodes_the_bare_protocol_frames() {
        let chat = decode(r#"{"type":"chat","fromUserId":"ada","message":"hi","timestamp":"t"}"#);
        assert!(
            matches!(chat, Ok(ServerFrame::Chat(c)) if c.to_user_id.is_none() && c.seq.is_none())
        );
        let note = decode(r#"{"type":"notification","message":"ada joined"}"#).unwrap();
        assert_eq!(
            note,
            ServerFrame::Notification(Notification {
                message: "ada joined".into(),
                online: None
            })
        );
    }

    #[test]
    fn decodes_ack_pong_error_resumed() {
        assert_eq!(
            decode(r#"{"type":"ack","id":"m1"}"#).unwrap(),
            ServerFrame::Ack(Ack { id: "m1".into() })
        );
        assert_eq!(decode(r#"{"type":"pong"}"#).unwrap(), ServerFrame::Pong);
        assert_eq!(
            decode(r#"{"type":"error","code":"rate_limited","message":"slow down"}"#).unwrap(),
            ServerFrame::Error(ServerError {
                code: "rate_limited".into(),
                message: "slow down".into(),
                id: None
            })
        );
        assert_eq!(
            decode(r#"{"type":"resumed","recovered":false}"#).unwrap(),
            ServerFrame::Resumed(Resumed {
                recovered: false,
                epoch: None
            })
        );
        assert_eq!(
            decode(r#"{"type":"resumed","recovered":true,"epoch":"e2"}"#).unwrap(),
            ServerFrame::Resumed(Resumed {
                recovered: true,
                epoch: Some("e2".into())
            })
        );
    }

    #[test]
    fn a_string_field_is_read_from_any_json_object() {
        assert_eq!(
            string_field(r#"{"event":"update","value":42}"#, "event").as_deref(),
            Some("update")
        );
        assert_eq!(
            string_field(r#"{"event":"a\u0062"}"#, "event").as_deref(),
            Some("ab")
        );
        assert_eq!(string_field(r#"{"event":42}"#, "event"), None);
        assert_eq!(string_field(r#"{"type":"pong"}"#, "event"), None);
        assert_eq!(string_field("pong", "type"), None);
        assert_eq!(string_field(r#"["pong"]"#, "type"), None);
    }

    #[test]
    fn an_unknown_type_is_a_generic_frame_not_an_error() {
        let frame = decode(r#"{"type":"typing","userId":"ada"}"#).unwrap();
        assert_eq!(frame.frame_type().as_str(), "typing");
        assert_eq!(frame, ServerFrame::Other("typing".into()));
    }

    #[test]
    fn invalid_json_says_where() {
        let error = decode(r#"{"type":"chat","#).unwrap_err();
        assert_eq!(
            error,
            DecodeError::InvalidJson {
                what: "expected a string key",
                at: 15
            }
        );
        assert_eq!(
            error.to_string(),
            "invalid JSON: expected a string key at byte 15"
        );
        assert_eq!(error.code(), "invalid_json");
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(decode("[1,2]").unwrap_err(), DecodeError::NotAnObject);
        assert_eq!(
            decode(r#"{"message":"x"}"#).unwrap_err(),
            DecodeError::MissingType
        );
        assert_eq!(
            decode(r#"{"type":5}"#).unwrap_err(),
            DecodeError::MissingType
        );
        assert_eq!(
            decode(r#"{"type":"chat","fromUserId":"ada","timestamp":"t"}"#).unwrap_err(),
            DecodeError::MissingField {
                frame_type: "chat",
                field: "message"
            }
        );
        let wrong = decode(r#"{"type":"chat","fromUserId":"ada","message":5,"timestamp":"t"}"#)
            .unwrap_err();
        assert_eq!(
            wrong,
            DecodeError::WrongType {
                frame_type: "chat",
                field: "message",
                expected: "a string"
            }
        );
        assert_eq!(wrong.code(), "invalid_frame");
        assert!(matches!(
            decode(r#"{"type":"notification","message":"m","online":-1}"#),
            Err(DecodeError::WrongType {
                field: "online",
                ..
            })
        ));
        assert!(matches!(
            decode(r#"{"type":"resumed","recovered":"yes"}"#),
            Err(DecodeError::WrongType {
                field: "recovered",
                ..
            })
        ));
    }

    #[test]
    fn user_ids_out_of_range_are_rejected() {
        let long = "x".repeat(65);
        let frame =
            format!(r#"{{"type":"chat","fromUserId":"{long}","message":"m","timestamp":"t"}}"#);
        assert!(matches!(
            decode(&frame),
            Err(DecodeError::OutOfRange {
                field: "fromUserId",
                ..
            })
        ));
        assert!(matches!(
            decode(r#"{"type":"chat","fromUserId":"","message":"m","timestamp":"t"}"#),
            Err(DecodeError::OutOfRange { .. })
        ));
    }

    #[test]
    fn counts_beyond_javascript_integers_are_out_of_range() {
        let max = format!(r#"{{"type":"notification","message":"m","online":{MAX_COUNT}}}"#);
        assert!(decode(&max).is_ok());
        let over = format!(
            r#"{{"type":"notification","message":"m","online":{}}}"#,
            MAX_COUNT + 1
        );
        assert!(matches!(
            decode(&over),
            Err(DecodeError::OutOfRange {
                field: "online",
                ..
            })
        ));
    }

    #[test]
    fn oversized_frames_are_refused_before_parsing() {
        // Not even JSON: the size check comes first.
        let big = "x".repeat(DEFAULT_MAX_FRAME_BYTES + 1);
        assert_eq!(
            decode(&big).unwrap_err(),
            DecodeError::TooLarge {
                len: DEFAULT_MAX_FRAME_BYTES + 1,
                max: DEFAULT_MAX_FRAME_BYTES
            }
        );
        assert_eq!(decode(&big).unwrap_err().code(), "frame_too_large");
        assert!(decode_with_limit(r#"{"type":"pong"}"#, 8).is_err());
        assert!(decode_with_limit(r#"{"type":"pong"}"#, 15).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            decode_with_limit(&deep, usize::MAX),
            Err(DecodeError::InvalidJson { .. })
        ));
    }
}
