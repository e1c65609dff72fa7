//! Tagged completions (RFC 3501 §7.1): a status, `OK`, `NO` or `BAD`, and its text, as a value
//! the commands return and the session writes once, after the untagged data.

use super::mutf7::NameEncoding;
use crate::store::StoreError;

/// The status of a tagged completion (RFC 3501 §7.1.1-§7.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
}

impl Status {
    /// The word on the wire.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
        }
    }
}

/// A tagged completion: its status and its text (response code included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub status: Status,
    pub text: String,
}

pub fn ok(text: impl Into<String>) -> Done {
    Done {
        status: Status::Ok,
        text: text.into(),
    }
}

pub fn no(text: impl Into<String>) -> Done {
    Done {
        status: Status::No,
        text: text.into(),
    }
}

pub fn bad(text: impl Into<String>) -> Done {
    Done {
        status: Status::Bad,
        text: text.into(),
    }
}

/// What a command that needs a selected mailbox answers without one. The state check before
/// [`super::ImapSession::execute`] runs such commands only in the Selected state, whose
/// [`super::session::Conn::Selected`] carries the mailbox, so this is never sent.
pub fn unselected() -> Done {
    bad("No mailbox selected")
}

/// The completion for a store error about mailbox `name`, shown as the client writes names.
pub fn store_no(e: StoreError, name: &str, names: NameEncoding) -> Done {
    let shown = names.encode(name);
    match e {
        StoreError::NoSuchFolder => no(format!("[NONEXISTENT] Mailbox doesn't exist: {shown}")),
        StoreError::FolderExists => no(format!("[ALREADYEXISTS] Mailbox already exists: {shown}")),
        StoreError::TooLarge => no("[TOOBIG] Message too large"),
        StoreError::FolderFull | StoreError::TooManyFolders => no(format!("[LIMIT] {e}")),
        StoreError::BadName => no(format!("[CANNOT] Invalid mailbox name: {shown}")),
        other => no(format!("[CANNOT] {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_no_with_their_response_codes() {
        let d = store_no(
            StoreError::NoSuchFolder,
            "Caf\u{e9}",
            NameEncoding::ModifiedUtf7,
        );
        assert_eq!(d.status, Status::No);
        assert_eq!(d.text, "[NONEXISTENT] Mailbox doesn't exist: Caf&AOk-");
        assert_eq!(bad("x").status.word(), "BAD");
    }
}
