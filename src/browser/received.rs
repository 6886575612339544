//! A received frame, read once: JSON text as the value `JSON.parse` gives,
//! other text as the string, binary as it came, with the frame's kind.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a string that is already a JavaScript value.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &JsValue) -> Result<JsValue, JsValue>;

    /// `Array.isArray`, which throws for a revoked proxy (as the
    /// application's values may be).
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;
}

/// How a frame came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text that is JSON.
    Json,
    /// Text that is not JSON.
    Text,
    /// A binary frame (`ArrayBuffer` or `Blob`).
    Binary,
}

impl Format {
    /// `"json"`, `"text"` or `"binary"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Text => "text",
            Self::Binary => "binary",
        }
    }
}

/// A frame as the application gets it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The parsed value for JSON, else the frame as it came.
    pub value: JsValue,
    /// How it came.
    pub format: Format,
    /// For a JSON object, the string in its kind field, when one was named.
    pub kind: Option<String>,
}

/// Reads `data` (what the socket gave) once; `kind_field` names the field
/// that holds a JSON object's kind, or is `None` when no listener wants the
/// kind: reading it costs calls into JavaScript and a copy on every frame.
pub fn read_frame(data: &JsValue, kind_field: Option<&JsValue>) -> Received {
    let (value, format) = match data.is_string() {
        true => match parse_js_string(data) {
            Ok(value) => (value, Format::Json),
            Err(_) => (data.clone(), Format::Text),
        },
        false => (data.clone(), Format::Binary),
    };
    let kind = kind_field
        .filter(|_| format == Format::Json && value.is_object() && is_array(&value) == Ok(false))
        .and_then(|field| js_sys::Reflect::get(&value, field).ok())
        .and_then(|kind| kind.as_string());
    Received {
        value,
        format,
        kind,
    }
}
