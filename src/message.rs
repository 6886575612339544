//! Error messages (and the few other texts the client builds, such as
//! message ids) put together without `core::fmt`.
//!
//! The npm module links no formatting machinery: its panics abort without a
//! message, and its error messages are put together here from text and
//! whole numbers. Each error type says its message once, in a `message()`
//! method; [`display_message!`] makes that its `Display` for Rust callers.

/// A message under construction: text and whole numbers, appended in turn.
///
/// ```ignore
/// let text = Message::new("a frame of ").number(70_000).text(" bytes").done();
/// ```
#[must_use]
pub(crate) struct Message(String);

impl Message {
    /// A message that starts with `text`.
    pub fn new(text: &str) -> Self {
        Self(String::from(text))
    }

    /// Appends `text`.
    pub fn text(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    /// Appends `number` in decimal.
    pub fn number(mut self, number: u64) -> Self {
        push_decimal(&mut self.0, number);
        self
    }

    /// The message.
    pub fn done(self) -> String {
        self.0
    }
}

/// Appends `value` in decimal.
pub(crate) fn push_decimal(out: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

/// `value` as 8 lowercase hex digits.
pub(crate) fn hex8(value: u32) -> String {
    (0..8)
        .rev()
        .map(|nibble| char::from(b"0123456789abcdef"[(value >> (nibble * 4)) as usize & 0xf]))
        .collect()
}

/// `Display` and `std::error::Error` for error types whose text is their
/// `message()`.
macro_rules! display_message {
    ($($error:ty),+ $(,)?) => {$(
        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.message())
            }
        }
        impl ::std::error::Error for $error {}
    )+};
}
pub(crate) use display_message;

#[cfg(test)]
mod tests {
    use super::{hex8, Message};

    #[test]
    fn numbers_are_written_like_display() {
        for number in [0, 7, 10, 99, 1_000_001, 4_294_967_295, u64::MAX] {
            assert_eq!(
                Message::new("n=").number(number).done(),
                format!("n={number}")
            );
        }
        for value in [0, 9, 0xdead_beef, u32::MAX] {
            assert_eq!(hex8(value), format!("{value:08x}"));
        }
    }
}
