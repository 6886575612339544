//! What the engine tells the driver: commands to carry out, the state and
//! its changes, events for the application, and the verdict on a frame.

use super::errors::{ErrorEvent, SendError};
use super::inputs::{CloseInfo, TimerKind};
use crate::protocol::FrameType;

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a WebSocket to `url`. There is never a second one at the same time.
    OpenSocket {
        /// Where to connect.
        url: String,
    },
    /// Send a text frame on the open socket.
    SendFrame(String),
    /// Start the closing handshake; the socket's close is still reported.
    CloseSocket {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// Detach the socket's listeners and close it; nothing more is reported about it.
    AbandonSocket {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// (Re)start the timer `kind` to fire in `ms` milliseconds.
    SetTimer {
        /// Which timer.
        kind: TimerKind,
        /// Its delay.
        ms: u32,
    },
    /// Stop the timer `kind`.
    CancelTimer(TimerKind),
    /// Fetch a fresh URL and token, then report [`Input::EndpointResolved`](super::Input::EndpointResolved)
    /// or [`Input::EndpointFailed`](super::Input::EndpointFailed).
    ResolveEndpoint {
        /// The retry number of the attempt (0 for a first connect).
        attempt: u32,
    },
    /// Ask the application whether to reconnect after `close`
    /// ([`ClosePolicy::Custom`](super::ClosePolicy::Custom)), then report
    /// [`Input::ReconnectDecided`](super::Input::ReconnectDecided).
    DecideReconnect(CloseInfo),
    /// Tell the application.
    Emit(Event),
}

/// The connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created, never connected.
    Idle,
    /// An attempt is under way.
    Connecting,
    /// Connected; frames flow.
    Open,
    /// Waiting for the next attempt (or for the browser to come online).
    Reconnecting,
    /// The user closed; the closing handshake is under way.
    Closing,
    /// Terminal until `connect()` or `reconnect()`.
    Closed,
}

impl State {
    /// The matching `WebSocket.readyState`: 0 while connecting or waiting to
    /// reconnect (sends are queued), 1 open, 2 closing, 3 idle or closed.
    pub fn ready_state(self) -> u16 {
        match self {
            Self::Connecting | Self::Reconnecting => 0,
            Self::Open => 1,
            Self::Closing => 2,
            Self::Idle | Self::Closed => 3,
        }
    }

    /// The lower-case name used in events: `"idle"`, `"connecting"`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting => "connecting",
            Self::Open => "open",
            Self::Reconnecting => "reconnecting",
            Self::Closing => "closing",
            Self::Closed => "closed",
        }
    }
}

/// The delivery guarantee in force for chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Configured at-most-once.
    AtMostOnce,
    /// At-least-once: chats are held until acked.
    AtLeastOnce,
    /// At-least-once was asked for, but the server sends no acks.
    Unconfirmed,
}

impl DeliveryState {
    /// `"at-most-once"`, `"at-least-once"` or `"unconfirmed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtMostOnce => "at-most-once",
            Self::AtLeastOnce => "at-least-once",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

/// One transition, as reported to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The new state.
    pub state: State,
    /// The retry number: 0 on a first connect, n for the n-th retry since the
    /// last stable connection.
    pub attempt: u32,
    /// When `Reconnecting`: the delay before the next attempt (`None`: paused
    /// while offline or while the page is frozen).
    pub next_delay_ms: Option<u32>,
    /// How the last socket closed.
    pub last_close: Option<CloseInfo>,
}

/// What becomes of one received frame: the engine's answer to
/// [`Engine::handle_frame`](super::Engine::handle_frame). The driver holds
/// the frame as it came (a JavaScript value) and delivers it accordingly.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A valid frame of the wsnotify protocol: the application gets it, and
    /// a chat or a notification also reaches the typed callbacks.
    Typed(FrameType),
    /// The application gets it as it came (`onMessage`, `on(kind)`), and
    /// the error, when there is one, is reported with the raw frame: in
    /// wsnotify mode, why it is not a valid frame of the protocol.
    Untyped(Option<ErrorEvent>),
    /// The application does not get it; the error says why (a frame over
    /// the size limit, never parsed).
    Refused(ErrorEvent),
    /// Nothing to deliver and nothing to report: a chat the application
    /// already has, or a frame of a socket that is no longer current.
    Dropped,
}

/// Where one chat stands: reported once per transition, `Queued`, then
/// `Sent`, then `Acked` or `Failed` (a failed chat given to
/// [`Engine::retry`](super::Engine::retry) starts again at `Queued`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Accepted into the outbox (or written at once).
    Queued,
    /// Written to an open socket for the first time; resends after a
    /// reconnect are not reported again.
    Sent,
    /// The server acknowledged it (at-least-once delivery only).
    Acked,
    /// It will not be sent: refused by the server, or rejected by a close.
    Failed,
}

impl DeliveryStatus {
    /// `"queued"`, `"sent"`, `"acked"` or `"failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Acked => "acked",
            Self::Failed => "failed",
        }
    }
}

/// One transition of one chat's delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// The message id `send_chat` returned.
    pub id: String,
    /// The new status.
    pub status: DeliveryStatus,
    /// With `Failed`: the error code (`closed`, or the server's, e.g. `recipient_offline`).
    pub code: Option<String>,
}

/// What the application is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The state changed.
    StateChange(StateChange),
    /// A connection opened and `init` was sent.
    Open,
    /// A socket closed; every opened socket ends with exactly one of these.
    Close(CloseInfo),
    /// Something went wrong; the client goes on.
    Error(ErrorEvent),
    /// A queued frame will never be sent.
    SendFailed {
        /// The id `send` returned.
        id: String,
        /// Why.
        error: SendError,
    },
    /// A chat's delivery status changed.
    Delivery(DeliveryUpdate),
    /// Retries are exhausted; the client is closed.
    GiveUp {
        /// How many retries were made.
        retries: u32,
    },
}
