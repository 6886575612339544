//! A test driver for the sans-IO engine: a clock and helpers to read commands.
#![allow(dead_code)]

use wsnotify::engine::{
    CloseInfo, Command, Config, Engine, Event, Input, State, TimerKind, Verdict,
};
use wsnotify::protocol::UserId;

pub const URL: &str = "ws://127.0.0.1:1/ws";

pub fn config() -> Config {
    Config::new(URL, UserId::new("ada").unwrap())
}

pub fn close_info(code: u16) -> CloseInfo {
    CloseInfo {
        code,
        reason: String::new(),
        clean: code != 1006,
    }
}

pub struct Harness {
    pub engine: Engine,
    pub now: u64,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self {
            engine: Engine::new(config, 7),
            now: 1_000_000,
        }
    }

    pub fn commands(&mut self) -> Vec<Command> {
        self.engine.drain_commands().collect()
    }

    pub fn input(&mut self, input: Input) -> Vec<Command> {
        self.engine.handle(self.now, input);
        self.commands()
    }

    /// Receives a text frame: what the application gets of it, and the commands.
    pub fn frame(&mut self, text: &str) -> (Verdict, Vec<Command>) {
        let verdict = self.engine.handle_frame(text);
        (verdict, self.commands())
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    pub fn connect(&mut self) -> Vec<Command> {
        self.engine.connect();
        self.commands()
    }

    /// Connects and completes the handshake; returns the commands of the open.
    pub fn open(&mut self) -> Vec<Command> {
        self.connect();
        self.input(Input::Opened)
    }

    pub fn drop_with(&mut self, code: u16) -> Vec<Command> {
        self.input(Input::Closed(close_info(code)))
    }

    pub fn fire(&mut self, kind: TimerKind) -> Vec<Command> {
        self.input(Input::TimerFired(kind))
    }
}

pub fn frames(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::SendFrame(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

pub fn events(commands: &[Command]) -> Vec<Event> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::Emit(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

pub fn states(commands: &[Command]) -> Vec<State> {
    events(commands)
        .into_iter()
        .filter_map(|event| match event {
            Event::StateChange(change) => Some(change.state),
            _ => None,
        })
        .collect()
}

pub fn timer_set(commands: &[Command], kind: TimerKind) -> Option<u32> {
    commands.iter().find_map(|command| match command {
        Command::SetTimer { kind: k, ms } if *k == kind => Some(*ms),
        _ => None,
    })
}

pub fn opens(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|command| matches!(command, Command::OpenSocket { .. }))
        .count()
}

/// The `type` field of a JSON frame.
pub fn frame_type(text: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    value["type"].as_str().unwrap().to_owned()
}
