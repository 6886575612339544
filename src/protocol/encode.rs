//! Client frame encoding.

use super::frames::{ClientFrame, UserId};
use crate::message::push_decimal;

/// Encodes a client frame as the JSON text of one WebSocket frame, `type`
/// first and the other fields in protocol order.
///
/// Infallible by construction: keys are fixed ASCII, strings are escaped by
/// `push_json_string`, numbers are integers.
pub fn encode(frame: &ClientFrame) -> String {
    match frame {
        ClientFrame::Init {
            user_id,
            token,
            last_seq,
            epoch,
        } => {
            let mut out = JsonObject::new();
            out.string("type", "init");
            out.string("userId", user_id.as_str());
            if let Some(token) = token {
                out.string("token", token);
            }
            if let Some(last_seq) = last_seq {
                let mut digits = String::new();
                push_decimal(&mut digits, *last_seq);
                out.raw("lastSeq", &digits);
            }
            if let Some(epoch) = epoch {
                out.string("epoch", epoch);
            }
            out.finish()
        }
        ClientFrame::Chat {
            from_user_id,
            to_user_id,
            message,
            id,
        } => encode_chat(from_user_id, to_user_id.as_ref(), message, id.as_deref()),
        ClientFrame::Ping => {
            let mut out = JsonObject::new();
            out.string("type", "ping");
            out.finish()
        }
    }
}

/// Encodes a chat frame from borrowed parts: what [`encode`] gives for the
/// matching [`ClientFrame::Chat`], without building one first (every
/// `sendChat` comes through here).
pub fn encode_chat(
    from_user_id: &UserId,
    to_user_id: Option<&UserId>,
    message: &str,
    id: Option<&str>,
) -> String {
    // The fixed part of the frame is under 64 bytes; strings that need no
    // escaping then fit without the buffer growing.
    let parts = from_user_id.as_str().len()
        + to_user_id.map_or(0, |to| to.as_str().len())
        + message.len()
        + id.map_or(0, str::len);
    let mut out = JsonObject::with_capacity(64 + parts);
    out.string("type", "chat");
    out.string("fromUserId", from_user_id.as_str());
    if let Some(to_user_id) = to_user_id {
        out.string("toUserId", to_user_id.as_str());
    }
    out.string("message", message);
    if let Some(id) = id {
        out.string("id", id);
    }
    out.finish()
}

/// A JSON object written field by field, in order.
struct JsonObject(String);

impl JsonObject {
    fn new() -> Self {
        Self::with_capacity(32)
    }

    fn with_capacity(bytes: usize) -> Self {
        let mut text = String::with_capacity(bytes);
        text.push('{');
        Self(text)
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
        self.raw(key, "");
        push_json_string(&mut self.0, value);
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `value` as a JSON string literal: quotes, backslashes and control
/// characters escaped (RFC 8259 §7), everything else as it is.
///
/// Works on bytes: every byte that needs escaping is ASCII, and no byte of a
/// multi-byte UTF-8 sequence is, so the runs in between are copied whole and
/// stay valid UTF-8.
fn push_json_string(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let bytes = value.as_bytes();
    let mut run_start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let short_escape = match byte {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        // `at` is an ASCII byte, hence a character boundary: `get` cannot
        // miss, and unlike indexing it brings no panic path.
        out.push_str(value.get(run_start..at).unwrap_or_default());
        run_start = at + 1;
        match short_escape {
            Some(escape) => out.push_str(escape),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[usize::from(byte >> 4)] as char);
                out.push(HEX[usize::from(byte & 0xf)] as char);
            }
        }
    }
    out.push_str(value.get(run_start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::UserId;
    use serde_json::Value;

    fn user(id: &str) -> UserId {
        UserId::new(id).unwrap()
    }

    #[test]
    fn encodes_init_with_and_without_optional_fields() {
        let bare = ClientFrame::Init {
            user_id: user("ada"),
            token: None,
            last_seq: None,
            epoch: None,
        };
        assert_eq!(encode(&bare), r#"{"type":"init","userId":"ada"}"#);
        let full = ClientFrame::Init {
            user_id: user("ada"),
            token: Some("s3cret".into()),
            last_seq: Some(42),
            epoch: Some("e1".into()),
        };
        let value: Value = serde_json::from_str(&encode(&full)).unwrap();
        assert_eq!(value["token"], "s3cret");
        assert_eq!(value["lastSeq"], 42);
        assert_eq!(value["epoch"], "e1");
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
    fn strings_are_escaped_exactly_as_json_requires() {
        let original = "a\"b\\c\n\r\t\u{1}\u{1f} \u{7f}é😀</script>";
        let mut out = String::new();
        push_json_string(&mut out, original);
        // Only quotes, backslashes and control characters below U+0020 change.
        let expected = "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f \u{7f}é😀</script>\"";
        assert_eq!(out, expected);
        let parsed: String = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, original);
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
