//! A validating JSON scanner that reads a frame in one pass without building
//! a tree: it checks the whole text against RFC 8259 and hands back the
//! top-level fields as slices of the input. Only the few fields a frame type
//! needs are then converted, so a chat costs a scan and four small strings,
//! and the crate carries no general-purpose JSON library.
//!
//! It accepts what `JSON.parse` accepts, with two refusals that keep the
//! engine's copy of a frame exact: escapes of unpaired UTF-16 surrogates
//! (a Rust string cannot hold them) and nesting deeper than [`MAX_DEPTH`].

/// How deeply arrays and objects may nest, the frame's own object included.
pub(crate) const MAX_DEPTH: u32 = 127;

/// What a JSON value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Number,
    Bool(bool),
    Null,
    Array,
    Object,
}

/// A top-level value: its kind and its exact text (strings with their quotes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

/// Where the text stops being JSON, and what was expected there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// What was wrong, e.g. "expected `:`".
    pub what: &'static str,
    /// The byte offset where it was noticed.
    pub at: usize,
}

/// The result of [`scan_object`] on valid JSON.
#[derive(Debug)]
pub(crate) enum Scanned {
    /// The text is an object; `visit` has seen each of its fields.
    Object,
    /// The text is valid JSON, but not an object.
    NotAnObject,
}

/// Checks that `text` is one JSON value and, if it is an object, calls
/// `visit(key, value)` for each top-level field in order. A key with escapes
/// is passed unescaped; its value is a slice of `text`.
pub(crate) fn scan_object<'a>(
    text: &'a str,
    mut visit: impl FnMut(&str, Raw<'a>),
) -> Result<Scanned, SyntaxError> {
    let mut scanner = Scanner { text, pos: 0 };
    scanner.whitespace();
    if scanner.peek() != Some(b'{') {
        scanner.value()?;
        scanner.end()?;
        return Ok(Scanned::NotAnObject);
    }
    scanner.pos += 1;
    scanner.whitespace();
    if scanner.peek() == Some(b'}') {
        scanner.pos += 1;
        scanner.end()?;
        return Ok(Scanned::Object);
    }
    loop {
        scanner.whitespace();
        let key = scanner.key()?;
        scanner.whitespace();
        scanner.expect(b':', "expected `:`")?;
        scanner.whitespace();
        let start = scanner.pos;
        let kind = scanner.value_within(1)?;
        let value = Raw {
            kind,
            text: &text[start..scanner.pos],
        };
        match unescape_key(key) {
            Some(plain) => visit(&plain, value),
            None => visit(&key[1..key.len() - 1], value),
        }
        scanner.whitespace();
        match scanner.peek() {
            Some(b',') => scanner.pos += 1,
            Some(b'}') => {
                scanner.pos += 1;
                scanner.end()?;
                return Ok(Scanned::Object);
            }
            _ => return Err(scanner.error("expected `,` or `}`")),
        }
    }
}

/// The content of a string token (quotes included) with its escapes
/// resolved; `None` if the token is not a valid JSON string.
pub(crate) fn unescape(token: &str) -> Option<String> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(backslash) = rest.find('\\') {
        out.push_str(&rest[..backslash]);
        let (ch, used) = escape_at(rest.as_bytes(), backslash).ok()?;
        out.push(ch);
        rest = &rest[backslash + used..];
    }
    out.push_str(rest);
    Some(out)
}

/// The escape sequence whose backslash is at `at`: the character it stands
/// for and its length in bytes, or what is wrong with it. The one home of
/// JSON's escape grammar, for the scanner and for [`unescape`].
fn escape_at(bytes: &[u8], at: usize) -> Result<(char, usize), &'static str> {
    let simple = match bytes.get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode_escape(bytes, at),
        _ => return Err("invalid escape"),
    };
    Ok((simple, 2))
}

/// A `\uXXXX` escape at `at`; a high surrogate must be followed by the
/// escape of a low one (a Rust string cannot hold either alone).
fn unicode_escape(bytes: &[u8], at: usize) -> Result<(char, usize), &'static str> {
    const INVALID: &str = "invalid \\u escape";
    const UNPAIRED: &str = "unpaired surrogate escape";
    let unit = bytes.get(at + 2..at + 6).and_then(hex4).ok_or(INVALID)?;
    let (code, used) = match unit {
        0xDC00..=0xDFFF => return Err(UNPAIRED),
        0xD800..=0xDBFF => {
            if bytes.get(at + 6..at + 8) != Some(b"\\u") {
                return Err(UNPAIRED);
            }
            let low = bytes.get(at + 8..at + 12).and_then(hex4).ok_or(INVALID)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Err(UNPAIRED);
            }
            (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
        }
        _ => (unit, 6),
    };
    char::from_u32(code).map(|ch| (ch, used)).ok_or(INVALID)
}

/// A key token without escapes needs no copy; one with escapes gets one.
fn unescape_key(token: &str) -> Option<String> {
    if token.contains('\\') {
        unescape(token)
    } else {
        None
    }
}

fn hex4(digits: &[u8]) -> Option<u32> {
    if digits.len() != 4 {
        return None;
    }
    digits.iter().try_fold(0, |value, digit| {
        Some(value * 16 + (*digit as char).to_digit(16)?)
    })
}

/// The bytes that end a run of plain string content: `"`, `\` and the
/// control characters JSON forbids unescaped. A table lookup per byte is the
/// cheapest test the size-optimised build keeps.
const ENDS_PLAIN_RUN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { what, at: self.pos }
    }

    fn whitespace(&mut self) {
        let rest = &self.text.as_bytes()[self.pos..];
        self.pos += rest
            .iter()
            .position(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// Only whitespace may follow the value.
    fn end(&mut self) -> Result<(), SyntaxError> {
        self.whitespace();
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    fn key(&mut self) -> Result<&'a str, SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        let start = self.pos;
        self.string()?;
        Ok(&self.text[start..self.pos])
    }

    fn value(&mut self) -> Result<Kind, SyntaxError> {
        self.value_within(0)
    }

    /// One value inside `depth` enclosing containers. Nested containers are
    /// walked with a bit stack (1 = object) rather than recursion, so no
    /// input can exhaust the call stack.
    fn value_within(&mut self, depth: u32) -> Result<Kind, SyntaxError> {
        let mut open: u128 = 0;
        let mut nested: u32 = 0;
        let mut first = None;
        loop {
            // A value is expected here.
            self.whitespace();
            let kind = match self.peek() {
                Some(b'"') => self.string().map(|_| Kind::String)?,
                Some(b'-' | b'0'..=b'9') => self.number().map(|()| Kind::Number)?,
                Some(b't') => self.literal("true", Kind::Bool(true))?,
                Some(b'f') => self.literal("false", Kind::Bool(false))?,
                Some(b'n') => self.literal("null", Kind::Null)?,
                Some(bracket @ (b'[' | b'{')) => {
                    if depth + nested + 1 > MAX_DEPTH {
                        return Err(self.error("nested too deeply"));
                    }
                    self.pos += 1;
                    let is_object = bracket == b'{';
                    open = (open << 1) | u128::from(is_object);
                    nested += 1;
                    first.get_or_insert(if is_object { Kind::Object } else { Kind::Array });
                    self.whitespace();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        open >>= 1;
                        nested -= 1;
                    } else {
                        if is_object {
                            self.member_key()?;
                        }
                        continue;
                    }
                    if is_object {
                        Kind::Object
                    } else {
                        Kind::Array
                    }
                }
                _ => return Err(self.error("expected a value")),
            };
            let first = *first.get_or_insert(kind);
            // After a value: close containers until one continues.
            loop {
                if nested == 0 {
                    return Ok(first);
                }
                self.whitespace();
                let in_object = open & 1 == 1;
                match (self.peek(), in_object) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        if in_object {
                            self.whitespace();
                            self.member_key()?;
                        }
                        break;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        open >>= 1;
                        nested -= 1;
                    }
                    (_, true) => return Err(self.error("expected `,` or `}`")),
                    (_, false) => return Err(self.error("expected `,` or `]`")),
                }
            }
        }
    }

    /// `"key":` inside a nested object.
    fn member_key(&mut self) -> Result<(), SyntaxError> {
        self.key()?;
        self.whitespace();
        self.expect(b':', "expected `:`")
    }

    fn literal(&mut self, word: &'static str, kind: Kind) -> Result<Kind, SyntaxError> {
        if self.text.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let rest = &self.text.as_bytes()[self.pos..];
        let count = rest
            .iter()
            .position(|byte| !byte.is_ascii_digit())
            .unwrap_or(rest.len());
        self.pos += count;
        count
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(())
    }

    /// A string token, escapes and surrogate pairs checked. Plain runs are
    /// skipped with one tight search each: most strings have no escape.
    fn string(&mut self) -> Result<(), SyntaxError> {
        self.pos += 1;
        loop {
            let rest = &self.text.as_bytes()[self.pos..];
            let Some(special) = rest
                .iter()
                .position(|&byte| ENDS_PLAIN_RUN[usize::from(byte)])
            else {
                self.pos += rest.len();
                return Err(self.error("unterminated string"));
            };
            self.pos += special;
            match rest[special] {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => self.escape()?,
                _ => return Err(self.error("control character in a string")),
            }
        }
    }

    fn escape(&mut self) -> Result<(), SyntaxError> {
        let (_, used) =
            escape_at(self.text.as_bytes(), self.pos).map_err(|what| self.error(what))?;
        self.pos += used;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Result<Vec<(String, Kind, String)>, SyntaxError> {
        let mut seen = Vec::new();
        scan_object(text, |key, value| {
            seen.push((key.to_owned(), value.kind, value.text.to_owned()))
        })?;
        Ok(seen)
    }

    #[test]
    fn hands_back_top_level_fields_as_slices() {
        let seen = fields(r#" { "a" : "x\"y" , "b":[1,{"c":null}], "\u0064":-1.5e3, "e":true } "#)
            .unwrap();
        assert_eq!(
            seen,
            [
                ("a".into(), Kind::String, r#""x\"y""#.into()),
                ("b".into(), Kind::Array, r#"[1,{"c":null}]"#.into()),
                ("d".into(), Kind::Number, "-1.5e3".into()),
                ("e".into(), Kind::Bool(true), "true".into()),
            ]
        );
    }

    #[test]
    fn tells_valid_non_objects_from_invalid_text() {
        for text in ["[1,2]", "\"s\"", " 0 ", "null", "[[],{}]", "{}"] {
            assert!(scan_object(text, |_, _| {}).is_ok(), "{text}");
        }
        for text in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            "-",
            "1e",
            ".5",
            "tru",
            "\"\\x\"",
            "\"a",
            "{} x",
            "{'a':1}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
            "\"\u{1}\"",
        ] {
            assert!(scan_object(text, |_, _| {}).is_err(), "{text:?}");
        }
    }

    #[test]
    fn surrogate_escapes_must_pair() {
        assert!(scan_object(r#""\ud83d\ude00""#, |_, _| {}).is_ok());
        for text in [
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\n""#,
            r#""\ud83d\u0041""#,
        ] {
            assert!(scan_object(text, |_, _| {}).is_err(), "{text}");
        }
        assert_eq!(unescape(r#""\ud83d\ude00 \u00e9\t""#).unwrap(), "😀 é\t");
    }

    #[test]
    fn nesting_is_limited_without_recursion() {
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(scan_object(&ok, |_, _| {}).is_ok());
        let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(
            scan_object(&deep, |_, _| {}).unwrap_err().what,
            "nested too deeply"
        );
        let inside = format!(r#"{{"a":{}{}}}"#, "[".repeat(126), "]".repeat(126));
        assert!(scan_object(&inside, |_, _| {}).is_ok());
        let too_deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(127), "]".repeat(127));
        assert!(scan_object(&too_deep, |_, _| {}).is_err());
    }
}
