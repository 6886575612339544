//! Client frame encoding.

use serde_json::Value;

use super::frames::ClientFrame;

/// Encodes a client frame as the JSON text of one WebSocket frame, `type`
/// first and the other fields in protocol order.
///
/// Infallible by construction: keys are fixed ASCII, strings are escaped by
/// `serde_json`'s `Display` of a JSON string, numbers are integers.
pub fn encode(frame: &ClientFrame) -> String {
    let mut out = JsonObject::new();
    match frame {
        ClientFrame::Init {
            user_id,
            token,
            last_seq,
        } => {
            out.string("type", "init");
            out.string("userId", user_id.as_str());
            if let Some(token) = token {
                out.string("token", token);
            }
            if let Some(last_seq) = last_seq {
                out.raw("lastSeq", &last_seq.to_string());
            }
        }
        ClientFrame::Chat {
            from_user_id,
            to_user_id,
            message,
            id,
        } => {
            out.string("type", "chat");
            out.string("fromUserId", from_user_id.as_str());
            if let Some(to_user_id) = to_user_id {
                out.string("toUserId", to_user_id.as_str());
            }
            out.string("message", message);
            if let Some(id) = id {
                out.string("id", id);
            }
        }
        ClientFrame::Ping => out.string("type", "ping"),
    }
    out.finish()
}

/// A JSON object written field by field, in order.
struct JsonObject(String);

impl JsonObject {
    fn new() -> Self {
        Self(String::from("{"))
    }

    /// Appends `"key":` followed by `value_json`, which must be valid JSON.
    fn raw(&mut self, key: &'static str, value_json: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(key);
        self.0.push_str("\":");
        self.0.push_str(value_json);
    }

    fn string(&mut self, key: &'static str, value: &str) {
        self.raw(key, &Value::String(value.to_owned()).to_string());
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::UserId;

    fn user(id: &str) -> UserId {
        UserId::new(id).unwrap()
    }

    #[test]
    fn encodes_init_with_and_without_optional_fields() {
        let bare = ClientFrame::Init {
            user_id: user("ada"),
            token: None,
            last_seq: None,
        };
        assert_eq!(encode(&bare), r#"{"type":"init","userId":"ada"}"#);
        let full = ClientFrame::Init {
            user_id: user("ada"),
            token: Some("s3cret".into()),
            last_seq: Some(42),
        };
        let value: Value = serde_json::from_str(&encode(&full)).unwrap();
        assert_eq!(value["token"], "s3cret");
        assert_eq!(value["lastSeq"], 42);
    }

    #[test]
    fn encodes_chat_escaping_the_text() {
        let chat = ClientFrame::Chat {
            from_user_id: user("ada"),
            to_user_id: Some(user("bob")),
            message: "say \"hi\"\n<b>".into(),
            id: Some("c-1".into()),
        };
        let value: Value = serde_json::from_str(&encode(&chat)).unwrap();
        assert_eq!(value["type"], "chat");
        assert_eq!(value["fromUserId"], "ada");
        assert_eq!(value["toUserId"], "bob");
        assert_eq!(value["message"], "say \"hi\"\n<b>");
        assert_eq!(value["id"], "c-1");
        let broadcast = ClientFrame::Chat {
            from_user_id: user("ada"),
            to_user_id: None,
            message: "all".into(),
            id: None,
        };
        assert!(!encode(&broadcast).contains("toUserId"));
        assert!(encode(&broadcast).starts_with(r#"{"type":"chat","fromUserId":"ada""#));
    }

    #[test]
    fn encodes_ping() {
        assert_eq!(encode(&ClientFrame::Ping), r#"{"type":"ping"}"#);
    }

    #[test]
    fn user_ids_are_validated() {
        assert_eq!(UserId::new(""), Err(crate::protocol::UserIdError::Empty));
        assert_eq!(
            UserId::new("é".repeat(65)),
            Err(crate::protocol::UserIdError::TooLong(65))
        );
        assert!(UserId::new("é".repeat(64)).is_ok());
    }
}
