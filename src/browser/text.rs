//! Text between the module and JavaScript: Rust text handed to JavaScript
//! as a string, cheaply when it is short ASCII, and JavaScript strings
//! copied into the module only when they are within a size limit.
//!
//! wasm-bindgen turns a `&str` into a JavaScript string with
//! `TextDecoder.decode`, which Chromium runs as a full binding call from the
//! generated glue, at a fixed cost however short the text. Every send
//! crosses twice (the frame to `WebSocket.send`, its id back to the caller),
//! so that call dominated the cost of `sendChat` (`bench/findings.md` has
//! the measurements). For ASCII, which frames
//! and ids nearly always are, a byte is a UTF-16 code unit, and
//! `String.fromCharCode` applied to a view of the bytes builds the same
//! string without a decoder.

use js_sys::Function;
use wasm_bindgen::prelude::*;

/// The longest text built with `fromCharCode`: the bytes become call
/// arguments, whose number engines bound (V8 at about 65,000); past a few
/// kilobytes the decoder's fixed cost no longer matters anyway.
const MAX_APPLIED_BYTES: usize = 4096;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_namespace = String, js_name = fromCharCode)]
    static FROM_CHAR_CODE: Function;

    /// `Reflect.apply(target, this, bytes)`: each byte of the view becomes
    /// one argument. The view is only read during the call.
    #[wasm_bindgen(js_namespace = Reflect, js_name = apply)]
    fn apply_to_bytes(target: &Function, this: &JsValue, bytes: &[u8]) -> JsValue;

    /// A JavaScript value read for its `length`.
    type Lengthy;

    /// `length`: a string's length in UTF-16 code units; `NaN` (read as a
    /// number) for a value without one, such as a binary frame.
    #[wasm_bindgen(method, getter)]
    fn length(this: &Lengthy) -> f64;
}

/// `value` copied into the module if it is a string (`None` if it is not),
/// unless it is surely longer than `max_bytes` in UTF-8: then its UTF-8
/// length. UTF-8 takes at least one byte per UTF-16 code unit, so a string
/// of more code units than `max_bytes` is over, whatever it holds; copying
/// it would grow the module's memory for good, or, failing, abort the module.
///
/// `value` is a string or a received frame (an `ArrayBuffer`, a `Blob`):
/// reading the `length` of any other object could run the application's code.
pub fn text_within(value: &JsValue, max_bytes: usize) -> Option<Result<String, usize>> {
    if value.unchecked_ref::<Lengthy>().length() > max_bytes as f64 && value.is_string() {
        // A `Blob` counts the bytes without the text entering the module.
        let len = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(value))
            .map_or(max_bytes + 1, |blob| blob.size() as usize);
        return Some(Err(len));
    }
    value.as_string().map(Ok)
}

/// `text` as a JavaScript string.
pub fn js_string(text: &str) -> JsValue {
    if text.len() <= MAX_APPLIED_BYTES && text.is_ascii() {
        FROM_CHAR_CODE.with(|from_char_code| {
            apply_to_bytes(from_char_code, &JsValue::UNDEFINED, text.as_bytes())
        })
    } else {
        JsValue::from_str(text)
    }
}
