//! Frames of the application's own types, through `serde` (feature `serde`).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::dispatch::deliver;
use super::error::Error;
use super::events::Event;
use super::handle::{Client, Subscription};

impl Client {
    /// Sends `value` as one JSON frame; returns a local id. The value goes to
    /// JavaScript with `serde-wasm-bindgen` and out with `JSON.stringify`;
    /// anything but a JSON object (a number, a list, a string) is
    /// [`Error::NotSerializable`].
    ///
    /// ```no_run
    /// #[derive(serde::Serialize)]
    /// struct Typing<'a> { r#type: &'a str, user: &'a str }
    /// # fn run(client: wsnotify::client::Client) -> Result<(), wsnotify::client::Error> {
    /// client.send_json(&Typing { r#type: "typing", user: "ada" })?;
    /// # Ok(()) }
    /// ```
    pub fn send_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, Error> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let js = value
            .serialize(&serializer)
            .map_err(|error| Error::NotSerializable(error.to_string()))?;
        let text = js_sys::JSON::stringify(&js)
            .ok()
            .and_then(|text| text.as_string())
            .ok_or_else(|| Error::NotSerializable("not representable as JSON".into()))?;
        if !text.starts_with('{') {
            return Err(Error::NotSerializable(
                crate::protocol::NOT_AN_OBJECT.into(),
            ));
        }
        self.send_text(text)
    }

    /// `callback(frame)` for every JSON frame of kind `kind`, read as `T`
    /// from the value the browser parsed (no second parse). A frame that
    /// does not fit `T` is an [`Error::Mismatch`] event with the frame, never
    /// a panic, and the next frame is delivered as usual.
    ///
    /// ```no_run
    /// #[derive(serde::Deserialize)]
    /// struct Update { value: u32 }
    /// # fn run(client: wsnotify::client::Client) {
    /// let _updates = client.on::<Update>("update", |update| {
    ///     web_sys::console::log_1(&update.value.into());
    /// });
    /// # }
    /// ```
    pub fn on<T: DeserializeOwned + 'static>(
        &self,
        kind: &str,
        callback: impl Fn(T) + 'static,
    ) -> Subscription {
        let registry = std::rc::Rc::downgrade(self.registry());
        let kind = kind.to_owned();
        self.on_message(move |message| {
            if message.kind.as_deref() != Some(kind.as_str()) {
                return;
            }
            match serde_wasm_bindgen::from_value::<T>(message.value.clone()) {
                Ok(frame) => callback(frame),
                Err(error) => {
                    if let Some(registry) = registry.upgrade() {
                        let mismatch = Error::Mismatch {
                            kind: kind.clone(),
                            reason: error.to_string(),
                            frame: message.value.clone(),
                        };
                        deliver(&registry, Event::Error(mismatch));
                    }
                }
            }
        })
    }
}
