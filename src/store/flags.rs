//! Message flags: the system flags of RFC 3501 §2.3.2 and keywords.

use serde::{Deserialize, Serialize};

/// A system flag (`\Recent` is per session, so it is not stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Flag::Seen,
        Flag::Answered,
        Flag::Flagged,
        Flag::Deleted,
        Flag::Draft,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The IMAP spelling, e.g. `\Seen`.
    pub fn imap_name(self) -> &'static str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
        }
    }

    /// Parses `\Seen` and friends, case-insensitively.
    pub fn from_imap(name: &str) -> Option<Flag> {
        Flag::ALL
            .into_iter()
            .find(|f| f.imap_name().eq_ignore_ascii_case(name))
    }
}

/// The flags of one message: system flags as bits plus keywords (sorted, unique).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    system: u8,
    keywords: Vec<String>,
}

impl Flags {
    pub fn new() -> Self {
        Flags::default()
    }

    pub fn with(mut self, flag: Flag) -> Self {
        self.insert(flag);
        self
    }

    pub fn contains(&self, flag: Flag) -> bool {
        self.system & flag.bit() != 0
    }

    pub fn insert(&mut self, flag: Flag) {
        self.system |= flag.bit();
    }

    pub fn remove(&mut self, flag: Flag) {
        self.system &= !flag.bit();
    }

    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    pub fn has_keyword(&self, k: &str) -> bool {
        self.keywords.iter().any(|x| x.eq_ignore_ascii_case(k))
    }

    pub fn insert_keyword(&mut self, k: &str) {
        if !self.has_keyword(k) {
            // Keywords are kept in order; equal ones are equal strings, so the unstable sort
            // (the one the relay's queue uses too: one copy in the wasm) does the job.
            self.keywords.push(k.to_string());
            crate::sorting::sort(&mut self.keywords);
        }
    }

    pub fn remove_keyword(&mut self, k: &str) {
        self.keywords.retain(|x| !x.eq_ignore_ascii_case(k));
    }

    pub fn system(&self) -> impl Iterator<Item = Flag> + '_ {
        Flag::ALL.into_iter().filter(|f| self.contains(*f))
    }

    /// Adds every flag of `other`.
    pub fn union(&mut self, other: &Flags) {
        self.system |= other.system;
        for k in &other.keywords {
            self.insert_keyword(k);
        }
    }

    /// Removes every flag of `other`.
    pub fn subtract(&mut self, other: &Flags) {
        self.system &= !other.system;
        for k in &other.keywords {
            self.remove_keyword(k);
        }
    }

    /// IMAP list body without parentheses, e.g. `\Seen \Flagged $Work`.
    pub fn to_imap(&self) -> String {
        let mut parts: Vec<&str> = self.system().map(Flag::imap_name).collect();
        parts.extend(self.keywords.iter().map(String::as_str));
        parts.join(" ")
    }
}
