//! Server frame decoding with errors that say what was wrong.

use serde_json::{Map, Value};

use super::frames::{
    Ack, ChatMessage, Notification, Resumed, ServerError, ServerFrame, MAX_USER_ID_CHARS,
};

/// The largest count (`seq`, `online`) accepted: JavaScript's largest safe integer.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// The default limit on an incoming frame, in bytes of UTF-8: 64 KiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024;

/// Why a text frame is not a valid server frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame is larger than the limit; it was not parsed.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The frame's size in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The frame is not JSON (or nests deeper than the parser allows).
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The frame is JSON but not an object.
    #[error("a frame must be a JSON object")]
    NotAnObject,
    /// The object has no `type` field, or it is not a string.
    #[error("a frame needs a string field \"type\"")]
    MissingType,
    /// A required field is absent.
    #[error("{frame_type} frame is missing the field \"{field}\"")]
    MissingField {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The absent field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field \"{field}\" of {frame_type} frame must be {expected}")]
    WrongType {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The field.
        field: &'static str,
        /// What it must be, e.g. "a string".
        expected: &'static str,
    },
    /// A field has the right type but a value outside its range.
    #[error("field \"{field}\" of {frame_type} frame is out of range: {reason}")]
    OutOfRange {
        /// The frame's `type`.
        frame_type: &'static str,
        /// The field.
        field: &'static str,
        /// What the range is.
        reason: &'static str,
    },
}

impl DecodeError {
    /// A stable machine-readable code: `frame_too_large`, `invalid_json` or
    /// `invalid_frame` (valid JSON of the wrong shape).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "frame_too_large",
            Self::InvalidJson(_) => "invalid_json",
            _ => "invalid_frame",
        }
    }
}

/// Decodes a server frame, refusing frames over [`DEFAULT_MAX_FRAME_BYTES`].
pub fn decode(text: &str) -> Result<ServerFrame, DecodeError> {
    decode_with_limit(text, DEFAULT_MAX_FRAME_BYTES)
}

/// Decodes a server frame, refusing frames over `max_bytes` before parsing them.
pub fn decode_with_limit(text: &str, max_bytes: usize) -> Result<ServerFrame, DecodeError> {
    if text.len() > max_bytes {
        return Err(DecodeError::TooLarge {
            len: text.len(),
            max: max_bytes,
        });
    }
    let value: Value =
        serde_json::from_str(text).map_err(|error| DecodeError::InvalidJson(error.to_string()))?;
    let Value::Object(object) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let frame_type = match object.get("type") {
        Some(Value::String(frame_type)) => frame_type.as_str(),
        _ => return Err(DecodeError::MissingType),
    };
    match frame_type {
        "chat" => chat(&Fields::new("chat", &object)).map(ServerFrame::Chat),
        "notification" => {
            let fields = Fields::new("notification", &object);
            Ok(ServerFrame::Notification(Notification {
                message: fields.string("message")?,
                online: fields.optional_count("online")?,
            }))
        }
        "ack" => Ok(ServerFrame::Ack(Ack {
            id: Fields::new("ack", &object).string("id")?,
        })),
        "pong" => Ok(ServerFrame::Pong),
        "error" => {
            let fields = Fields::new("error", &object);
            Ok(ServerFrame::Error(ServerError {
                code: fields.string("code")?,
                message: fields.string("message")?,
                id: fields.optional_string("id")?,
            }))
        }
        "resumed" => Ok(ServerFrame::Resumed(Resumed {
            recovered: Fields::new("resumed", &object).boolean("recovered")?,
        })),
        _ => Ok(ServerFrame::Other(object)),
    }
}

fn chat(fields: &Fields<'_>) -> Result<ChatMessage, DecodeError> {
    Ok(ChatMessage {
        from_user_id: fields.user_id("fromUserId")?,
        to_user_id: match fields.optional_string("toUserId")? {
            Some(_) => Some(fields.user_id("toUserId")?),
            None => None,
        },
        message: fields.string("message")?,
        timestamp: fields.string("timestamp")?,
        id: fields.optional_string("id")?,
        seq: fields.optional_count("seq")?,
    })
}

/// Typed access to the fields of one frame object.
struct Fields<'a> {
    frame_type: &'static str,
    object: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(frame_type: &'static str, object: &'a Map<String, Value>) -> Self {
        Self { frame_type, object }
    }

    fn wrong_type(&self, field: &'static str, expected: &'static str) -> DecodeError {
        DecodeError::WrongType {
            frame_type: self.frame_type,
            field,
            expected,
        }
    }

    /// The field's value; `null` counts as absent.
    fn get(&self, field: &'static str) -> Option<&'a Value> {
        self.object.get(field).filter(|value| !value.is_null())
    }

    fn required(&self, field: &'static str) -> Result<&'a Value, DecodeError> {
        self.get(field).ok_or(DecodeError::MissingField {
            frame_type: self.frame_type,
            field,
        })
    }

    fn string(&self, field: &'static str) -> Result<String, DecodeError> {
        match self.required(field)? {
            Value::String(text) => Ok(text.clone()),
            _ => Err(self.wrong_type(field, "a string")),
        }
    }

    fn optional_string(&self, field: &'static str) -> Result<Option<String>, DecodeError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.wrong_type(field, "a string")),
        }
    }

    fn user_id(&self, field: &'static str) -> Result<String, DecodeError> {
        let id = self.string(field)?;
        let chars = id.chars().count();
        if chars == 0 || chars > MAX_USER_ID_CHARS {
            return Err(DecodeError::OutOfRange {
                frame_type: self.frame_type,
                field,
                reason: "a user id has 1 to 64 characters",
            });
        }
        Ok(id)
    }

    fn boolean(&self, field: &'static str) -> Result<bool, DecodeError> {
        self.required(field)?
            .as_bool()
            .ok_or_else(|| self.wrong_type(field, "a boolean"))
    }

    fn optional_count(&self, field: &'static str) -> Result<Option<u64>, DecodeError> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let count = value
            .as_u64()
            .ok_or_else(|| self.wrong_type(field, "a non-negative integer"))?;
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
            })
        );
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
            ServerFrame::Resumed(Resumed { recovered: false })
        );
    }

    #[test]
    fn an_unknown_type_is_a_generic_frame_not_an_error() {
        let frame = decode(r#"{"type":"typing","userId":"ada"}"#).unwrap();
        assert_eq!(frame.type_name(), "typing");
        let ServerFrame::Other(object) = frame else {
            panic!("expected Other");
        };
        assert_eq!(object["userId"], "ada");
    }

    #[test]
    fn invalid_json_says_where() {
        let error = decode(r#"{"type":"chat","#).unwrap_err();
        assert!(matches!(&error, DecodeError::InvalidJson(detail) if detail.contains("column")));
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
            Err(DecodeError::InvalidJson(_))
        ));
    }
}
