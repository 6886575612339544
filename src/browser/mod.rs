//! The browser side: web-sys handles owned as RAII values.
//!
//! Every listener registered here is a [`gloo_events::EventListener`] kept
//! inside the value that needs it, so dropping that value detaches it: no
//! closure outlives its owner, and none is leaked with `forget`.

mod driver;
mod received;
mod socket;
mod text;
mod timers;
mod window;

pub use driver::{
    describe_exception, Application, Driver, DriverOptions, Endpoint, EndpointAnswer,
    EndpointProvider,
};
pub use received::{is_array, read_frame, Format, Received};
pub use socket::{ReadyState, Socket, SocketEvent};
pub use text::{js_string, text_within};
pub use timers::Timers;
pub use window::WindowSignals;
