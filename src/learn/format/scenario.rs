//! The scenario file format (`scenarios/*.json`): the types, shared with `build.rs`, which
//! reads every file at build time and writes the values into `learn-data.bin` (postcard: so the
//! page ships no JSON reader for them). This file uses only `serde` and `std`, so the build
//! script can include it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The tour's world has corp.example's backup MX (`mx2.corp.example` at preference 20,
    /// `sandbox::add_backup_mx`) besides the default world's hosts.
    #[serde(default)]
    pub backup_mx: bool,
    /// The tour's world does TLS (issue 26): the sandbox's TLS provider is installed, every
    /// mail host offers STARTTLS and implicit TLS, and its terminals follow their server into
    /// TLS like `openssl s_client -starttls`.
    #[serde(default)]
    pub tls: bool,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What the learner reads at this step.
    pub text: String,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub expect: Vec<Expect>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Open a terminal connection `term` from host `from` to `to:port`.
    Open {
        term: String,
        from: String,
        to: String,
        port: u16,
    },
    /// Type a line (CRLF added) into a terminal.
    Type {
        term: String,
        line: String,
    },
    /// Close a terminal's connection.
    Close {
        term: String,
    },
    /// Let virtual time pass.
    Wait {
        ms: u64,
    },
    HostDown {
        host: String,
    },
    HostUp {
        host: String,
    },
    CutLink {
        a: String,
        b: String,
    },
    RestoreLink {
        a: String,
        b: String,
    },
    /// Add a fault rule, in the rule syntax (`crate::fault`): `{"fault": "mx.corp.example:25
    /// RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full"}`.
    Fault(String),
    /// Remove fault rule number `rule` (1-based).
    RemoveFault {
        rule: usize,
    },
    /// Remove every fault rule: `{"clear_faults": {}}`.
    ClearFaults {},
    /// Switch a host's servers to strict (true) or lenient (false).
    Strict {
        host: String,
        strict: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The terminal received text containing this during the step.
    Output { term: String, contains: String },
    /// A folder holds this many messages.
    Mailbox {
        user: String,
        folder: String,
        count: usize,
    },
    /// The relay queues hold this many messages.
    Queue { count: usize },
    /// The server session on the terminal's connection is in this state.
    State { term: String, state: String },
    /// During the step, a reply on the terminal's connection was made by fault rule `rule`.
    FaultReply { term: String, rule: usize },
    /// The newest message of a folder, as stored, has a line that is exactly `line` (what the
    /// mailbox keeps, e.g. after the server took off a dot-stuffing dot).
    MessageLine {
        user: String,
        folder: String,
        line: String,
    },
    /// The terminal types through TLS: its handshake finished.
    Tls { term: String },
    /// The bytes of the terminal's connection, as they crossed the link (what an
    /// eavesdropper saw), hold this text in clear (`seen`) or do not.
    Wire {
        term: String,
        contains: String,
        seen: bool,
    },
}
