//! The mailbox store: the world's account directory, each user's folders and messages, UIDs,
//! flags, a change log that lets concurrent sessions learn what others did, and a serde
//! snapshot. No protocols and no network here.
//!
//! Model (RFC 3501 §2.3.1): every folder has a UIDVALIDITY and a UIDNEXT; UIDs only grow.
//! Every change bumps the folder's modification sequence (`modseq`, in the spirit of RFC 7162),
//! so a session that remembers the last modseq it saw can ask what changed since.

pub mod bodies;
mod flags;
pub(crate) mod folder;

pub use flags::{Flag, Flags};
pub use folder::{Changes, Folder, SpecialUse, StoredMessage};

use crate::ordered::{SortedMap, SortedSet};
use serde::{Deserialize, Serialize};

use std::fmt;

/// One account of the world's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Full address, lower-case, e.g. `boss@corp.example`.
    pub address: String,
    pub password: String,
    /// Display name used by clients (e.g. "The Boss").
    pub display_name: String,
}

impl Account {
    pub fn local_part(&self) -> &str {
        self.address.split('@').next().unwrap_or(&self.address)
    }

    pub fn domain(&self) -> &str {
        self.address.rsplit('@').next().unwrap_or("")
    }
}

/// Store limits; every breach is a clear error, never an unbounded buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest message, in octets.
    pub max_message_size: usize,
    /// Most messages in one folder.
    pub max_messages_per_folder: usize,
    /// Most folders per user.
    pub max_folders: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: 10 * 1024 * 1024,
            max_messages_per_folder: 200_000,
            max_folders: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    NoSuchUser,
    NoSuchFolder,
    FolderExists,
    TooLarge,
    FolderFull,
    TooManyFolders,
    /// The operation is not allowed on this folder (deleting INBOX, say).
    NotAllowed(&'static str),
    BadName,
    AccountExists,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NoSuchUser => write!(f, "no such user"),
            StoreError::NoSuchFolder => write!(f, "no such mailbox"),
            StoreError::FolderExists => write!(f, "mailbox already exists"),
            StoreError::TooLarge => write!(f, "message too large"),
            StoreError::FolderFull => write!(f, "mailbox full"),
            StoreError::TooManyFolders => write!(f, "too many mailboxes"),
            StoreError::NotAllowed(why) => write!(f, "{why}"),
            StoreError::BadName => write!(f, "invalid mailbox name"),
            StoreError::AccountExists => write!(f, "account already exists"),
        }
    }
}

/// One user's mailboxes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Mailbox {
    pub folders: SortedMap<String, Folder>,
    pub subscribed: SortedSet<String>,
}

/// The hierarchy separator of folder names (IMAP `LIST` delimiter).
pub const SEPARATOR: char = '/';

/// The store of the whole world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Store {
    accounts: SortedMap<String, Account>,
    /// Mail domain -> the virtual host name that holds its mailboxes.
    domains: SortedMap<String, String>,
    mailboxes: SortedMap<String, Mailbox>,
    next_uidvalidity: u32,
    pub limits: Limits,
    /// POP3 maildrop locks (RFC 1939 §8): not part of a snapshot.
    #[serde(skip)]
    maildrop_locks: SortedSet<String>,
    /// Catch-all (see [`Store::set_catch_all`]): the host that takes mail for any address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    catch_all: Option<String>,
    /// Mail domain -> a backup mail host: it takes the domain's mail when the main host cannot
    /// be reached and passes it on later (a lower-preference MX, RFC 5321 §5.1).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    backup_hosts: SortedMap<String, String>,
}

/// Most accounts a catch-all creates (past it, unknown addresses are refused again).
pub const MAX_CAUGHT_ACCOUNTS: usize = 10_000;

impl Store {
    pub fn new() -> Self {
        Store {
            next_uidvalidity: 1,
            ..Default::default()
        }
    }

    // ---- domains and accounts ----

    /// Declares `domain` as local to mail host `host`.
    pub fn add_domain(&mut self, domain: &str, host: &str) {
        self.domains
            .insert(domain.to_ascii_lowercase(), host.to_ascii_lowercase());
    }

    /// The host holding `domain`'s mailboxes, if the domain is hosted here at all (with a
    /// catch-all, every domain not held elsewhere is the catch-all host's).
    pub fn domain_host(&self, domain: &str) -> Option<&str> {
        self.domains
            .get(&domain.to_ascii_lowercase())
            .map(String::as_str)
            .or(self.catch_all.as_deref())
    }

    /// Makes `host` take mail for any address (the bridge's `--catch-all`), as test mail
    /// servers do: every domain not held by another host becomes its, and an unknown address
    /// there gets an account on its first delivery, whose login and password are the whole
    /// address (lower-case), with INBOX and the usual folders. `None` puts back the refusals
    /// (`550 5.1.1` for an unknown user, no MX for an unknown domain).
    pub fn set_catch_all(&mut self, host: Option<&str>) {
        self.catch_all = host.map(str::to_ascii_lowercase);
    }

    /// The catch-all host, if any (see [`Store::set_catch_all`]).
    pub fn catch_all(&self) -> Option<&str> {
        self.catch_all.as_deref()
    }

    /// Whether mail for `address` is taken: an account, or an address the catch-all takes.
    pub fn accepts_mail_for(&self, address: &str) -> bool {
        self.is_user(address) || self.is_caught(address)
    }

    /// An address without an account that the catch-all would create one for.
    fn is_caught(&self, address: &str) -> bool {
        let Some(host) = self.catch_all.as_deref() else {
            return false;
        };
        let domain = match address.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => domain,
            _ => return false,
        };
        self.domain_host(domain) == Some(host) && self.accounts.len() < MAX_CAUGHT_ACCOUNTS
    }

    /// Creates the account of an address the catch-all takes (its domain too, if new); Ok
    /// when the account is there already.
    pub fn catch(&mut self, address: &str) -> Result<(), StoreError> {
        if self.is_user(address) {
            return Ok(());
        }
        if !self.is_caught(address) {
            return Err(StoreError::NoSuchUser);
        }
        let address = address.to_ascii_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(StoreError::NoSuchUser);
        };
        if !self.domains.contains_key(domain) {
            let host = self.catch_all.clone().unwrap_or_default();
            self.add_domain(domain, &host);
        }
        self.add_account(&address, &address, local)
    }

    /// Domains hosted on `host`.
    /// Makes `host` a backup mail host for `domain`: its SMTP server accepts the domain's
    /// recipients from anyone (to relay them on, as for a local domain it would store them).
    pub fn add_backup_host(&mut self, domain: &str, host: &str) {
        self.backup_hosts
            .insert(domain.to_ascii_lowercase(), host.to_ascii_lowercase());
    }

    /// True when `host` is a backup mail host for `domain`.
    pub fn is_backup_host(&self, domain: &str, host: &str) -> bool {
        self.backup_hosts
            .get(&domain.to_ascii_lowercase())
            .is_some_and(|h| h.eq_ignore_ascii_case(host))
    }

    pub fn domains_of_host<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.domains
            .iter()
            .filter(move |(_, h)| h.eq_ignore_ascii_case(host))
            .map(|(d, _)| d.as_str())
    }

    pub fn domains(&self) -> impl Iterator<Item = (&str, &str)> {
        self.domains.iter().map(|(d, h)| (d.as_str(), h.as_str()))
    }

    /// Adds an account and its mailbox with INBOX and the special-use folders (RFC 6154).
    /// The address's domain must have been added with [`Store::add_domain`].
    pub fn add_account(
        &mut self,
        address: &str,
        password: &str,
        display_name: &str,
    ) -> Result<(), StoreError> {
        let address = address.to_ascii_lowercase();
        let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        if !self.domains.contains_key(domain) {
            return Err(StoreError::NoSuchUser);
        }
        if self.accounts.contains_key(&address) {
            return Err(StoreError::AccountExists);
        }
        self.accounts.insert(
            address.clone(),
            Account {
                address: address.clone(),
                password: password.to_string(),
                display_name: display_name.to_string(),
            },
        );
        let mut mailbox = Mailbox::default();
        for (name, use_) in [
            ("INBOX", None),
            ("Sent", Some(SpecialUse::Sent)),
            ("Drafts", Some(SpecialUse::Drafts)),
            ("Trash", Some(SpecialUse::Trash)),
            ("Junk", Some(SpecialUse::Junk)),
        ] {
            let uv = self.take_uidvalidity();
            mailbox
                .folders
                .insert(name.to_string(), Folder::new(uv, use_));
            mailbox.subscribed.insert(name.to_string());
        }
        self.mailboxes.insert(address, mailbox);
        Ok(())
    }

    pub fn set_password(&mut self, address: &str, password: &str) -> Result<(), StoreError> {
        let acc = self
            .accounts
            .get_mut(&address.to_ascii_lowercase())
            .ok_or(StoreError::NoSuchUser)?;
        acc.password = password.to_string();
        Ok(())
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn account(&self, address: &str) -> Option<&Account> {
        self.accounts.get(&address.to_ascii_lowercase())
    }

    /// True when `address` names an account of this world.
    pub fn is_user(&self, address: &str) -> bool {
        self.accounts.contains_key(&address.to_ascii_lowercase())
    }

    /// Accounts whose mailboxes live on `host`.
    pub fn accounts_on_host<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Account> + 'a {
        self.accounts
            .values()
            .filter(move |a| self.domain_host(a.domain()) == Some(host))
    }

    /// Finds the account a login name means on `host`: the full address, or the local part when
    /// exactly one account on that host has it.
    pub fn resolve_login<'a>(&'a self, login: &str, host: &'a str) -> Option<&'a Account> {
        let login = login.to_ascii_lowercase();
        if login.contains('@') {
            return self
                .accounts
                .get(&login)
                .filter(|a| self.domain_host(a.domain()) == Some(host));
        }
        let mut matches = self
            .accounts_on_host(host)
            .filter(|a| a.local_part() == login);
        let first = matches.next()?;
        if matches.next().is_some() {
            return None;
        }
        Some(first)
    }

    /// Checks a login and password for a service on `host`; returns the account's address.
    pub fn authenticate(&self, login: &str, password: &str, host: &str) -> Option<String> {
        let acc = self.resolve_login(login, host)?;
        (acc.password == password).then(|| acc.address.clone())
    }

    // ---- POP3 maildrop locks ----

    /// Takes the exclusive POP3 lock on `user`'s maildrop; false when already held.
    pub fn lock_maildrop(&mut self, user: &str) -> bool {
        self.maildrop_locks.insert(user.to_ascii_lowercase())
    }

    pub fn unlock_maildrop(&mut self, user: &str) {
        self.maildrop_locks.remove(&user.to_ascii_lowercase());
    }

    pub fn is_maildrop_locked(&self, user: &str) -> bool {
        self.maildrop_locks.contains(&user.to_ascii_lowercase())
    }

    // ---- folders ----

    fn take_uidvalidity(&mut self) -> u32 {
        let v = self.next_uidvalidity.max(1);
        self.next_uidvalidity = v.wrapping_add(1).max(1);
        v
    }

    pub fn mailbox(&self, user: &str) -> Option<&Mailbox> {
        self.mailboxes.get(&user.to_ascii_lowercase())
    }

    /// Canonical folder name: `INBOX` is case-insensitive (RFC 3501 §5.1).
    pub fn canonical_name(name: &str) -> String {
        if name.eq_ignore_ascii_case("INBOX") {
            "INBOX".to_string()
        } else {
            name.to_string()
        }
    }

    pub fn folder(&self, user: &str, name: &str) -> Option<&Folder> {
        self.mailbox(user)?.folders.get(&Self::canonical_name(name))
    }

    pub fn folder_mut(&mut self, user: &str, name: &str) -> Option<&mut Folder> {
        self.mailboxes
            .get_mut(&user.to_ascii_lowercase())?
            .folders
            .get_mut(&Self::canonical_name(name))
    }

    pub fn folder_names(&self, user: &str) -> Vec<String> {
        self.mailbox(user)
            .map(|m| m.folders.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn valid_name(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 200
            && !name.starts_with(SEPARATOR)
            && !name.ends_with(SEPARATOR)
            && !name.contains("//")
            && !name.chars().any(|c| c.is_control() || c == '*' || c == '%')
    }

    /// Creates a folder and, as RFC 3501 §6.3.3 allows, any missing parents.
    pub fn create_folder(&mut self, user: &str, name: &str) -> Result<(), StoreError> {
        let name = Self::canonical_name(name);
        if !Self::valid_name(&name) {
            return Err(StoreError::BadName);
        }
        let max = self.limits.max_folders;
        let mut parents = Vec::new();
        let mut acc = String::new();
        for part in name.split(SEPARATOR) {
            if !acc.is_empty() {
                acc.push(SEPARATOR);
            }
            acc.push_str(part);
            parents.push(Self::canonical_name(&acc));
        }
        let mb = self
            .mailboxes
            .get(&user.to_ascii_lowercase())
            .ok_or(StoreError::NoSuchUser)?;
        if mb.folders.contains_key(&name) {
            return Err(StoreError::FolderExists);
        }
        let missing: Vec<String> = parents
            .into_iter()
            .filter(|p| !mb.folders.contains_key(p))
            .collect();
        if mb.folders.len() + missing.len() > max {
            return Err(StoreError::TooManyFolders);
        }
        for p in missing {
            let uv = self.take_uidvalidity();
            if let Some(mb) = self.mailboxes.get_mut(&user.to_ascii_lowercase()) {
                mb.folders.insert(p, Folder::new(uv, None));
            }
        }
        Ok(())
    }

    /// Deletes a folder (not INBOX). Children and the subscription stay (RFC 3501 §6.3.4).
    pub fn delete_folder(&mut self, user: &str, name: &str) -> Result<(), StoreError> {
        let name = Self::canonical_name(name);
        if name == "INBOX" {
            return Err(StoreError::NotAllowed("INBOX cannot be deleted"));
        }
        let mb = self
            .mailboxes
            .get_mut(&user.to_ascii_lowercase())
            .ok_or(StoreError::NoSuchUser)?;
        mb.folders.remove(&name).ok_or(StoreError::NoSuchFolder)?;
        // The subscription stays: RFC 3501 §6.3.9, a server "MUST NOT unilaterally remove an
        // existing mailbox name from the subscription list even if a mailbox by that name no
        // longer exists" (LIST-EXTENDED then shows it `\NonExistent`, RFC 5258 §3.1).
        Ok(())
    }

    /// Renames a folder and its children. Renaming INBOX moves its messages to a new folder and
    /// leaves INBOX empty (RFC 3501 §6.3.5).
    pub fn rename_folder(&mut self, user: &str, from: &str, to: &str) -> Result<(), StoreError> {
        let from = Self::canonical_name(from);
        let to = Self::canonical_name(to);
        if !Self::valid_name(&to) || to == "INBOX" {
            return Err(StoreError::BadName);
        }
        let key = user.to_ascii_lowercase();
        {
            let mb = self.mailboxes.get(&key).ok_or(StoreError::NoSuchUser)?;
            if !mb.folders.contains_key(&from) {
                return Err(StoreError::NoSuchFolder);
            }
            if mb.folders.contains_key(&to) {
                return Err(StoreError::FolderExists);
            }
        }
        if from == "INBOX" {
            self.create_folder(user, &to)?;
            let uv_inbox = self.take_uidvalidity();
            let mb = self.mailboxes.get_mut(&key).ok_or(StoreError::NoSuchUser)?;
            let inbox = mb.folders.remove("INBOX").ok_or(StoreError::NoSuchFolder)?;
            let target = mb.folders.get_mut(&to).ok_or(StoreError::NoSuchFolder)?;
            let mut inbox = inbox;
            for msg in inbox.take_all() {
                target.append_saved(msg.raw, msg.flags, msg.internal_date, msg.saved_at);
            }
            mb.folders
                .insert("INBOX".to_string(), Folder::new(uv_inbox, None));
            return Ok(());
        }
        let prefix = format!("{from}{SEPARATOR}");
        // Make sure the new parents exist first.
        if let Some((parent, _)) = to.rsplit_once(SEPARATOR) {
            match self.create_folder(user, parent) {
                Ok(()) | Err(StoreError::FolderExists) => {}
                Err(e) => return Err(e),
            }
        }
        let mb = self.mailboxes.get_mut(&key).ok_or(StoreError::NoSuchUser)?;
        let names: Vec<String> = mb
            .folders
            .keys()
            .filter(|n| **n == from || n.starts_with(&prefix))
            .cloned()
            .collect();
        for old in names {
            let new = format!("{to}{}", &old[from.len()..]);
            if let Some(f) = mb.folders.remove(&old) {
                mb.folders.insert(new.clone(), f);
            }
            if mb.subscribed.remove(&old) {
                mb.subscribed.insert(new);
            }
        }
        Ok(())
    }

    pub fn subscribe(&mut self, user: &str, name: &str, on: bool) -> Result<(), StoreError> {
        let mb = self
            .mailboxes
            .get_mut(&user.to_ascii_lowercase())
            .ok_or(StoreError::NoSuchUser)?;
        let name = Self::canonical_name(name);
        if on {
            mb.subscribed.insert(name);
        } else {
            mb.subscribed.remove(&name);
        }
        Ok(())
    }

    // ---- messages ----

    /// Appends a message to a folder, atomically: either it is there whole with a new UID, or
    /// nothing changed. Returns the folder's UIDVALIDITY and the new UID.
    pub fn deliver(
        &mut self,
        user: &str,
        folder: &str,
        raw: Vec<u8>,
        flags: Flags,
        internal_date: i64,
    ) -> Result<(u32, u32), StoreError> {
        if raw.len() > self.limits.max_message_size {
            return Err(StoreError::TooLarge);
        }
        let max = self.limits.max_messages_per_folder;
        let f = self.delivery_folder(user, folder)?;
        if f.len() >= max {
            return Err(StoreError::FolderFull);
        }
        let uid = f.append(raw, flags, internal_date);
        Ok((f.uidvalidity, uid))
    }

    /// The folder a delivery goes to: the user's (an account made on the spot for a caught
    /// address, see `catch`), by canonical name.
    fn delivery_folder(&mut self, user: &str, folder: &str) -> Result<&mut Folder, StoreError> {
        let key = user.to_ascii_lowercase();
        if !self.mailboxes.contains_key(&key) {
            self.catch(&key)?;
        }
        let mb = self.mailboxes.get_mut(&key).ok_or(StoreError::NoSuchUser)?;
        mb.folders
            .get_mut(&Self::canonical_name(folder))
            .ok_or(StoreError::NoSuchFolder)
    }

    /// Appends several messages to a folder, all or none (IMAP MULTIAPPEND, RFC 3502
    /// §6.3.11): every message is checked against the limits before any is added. Returns
    /// the folder's UIDVALIDITY and the new UIDs, in order. Each is saved at `saved_at`.
    pub fn deliver_all(
        &mut self,
        user: &str,
        folder: &str,
        messages: Vec<(Vec<u8>, Flags, i64)>,
        saved_at: i64,
    ) -> Result<(u32, Vec<u32>), StoreError> {
        if messages
            .iter()
            .any(|(raw, ..)| raw.len() > self.limits.max_message_size)
        {
            return Err(StoreError::TooLarge);
        }
        let max = self.limits.max_messages_per_folder;
        let f = self.delivery_folder(user, folder)?;
        if f.len().saturating_add(messages.len()) > max {
            return Err(StoreError::FolderFull);
        }
        let uids = messages
            .into_iter()
            .map(|(raw, flags, date)| f.append_saved(raw, flags, date, Some(saved_at)))
            .collect();
        Ok((f.uidvalidity, uids))
    }

    // ---- snapshot ----

    /// Serializes the whole store (accounts, domains, folders, messages) to JSON.
    pub fn snapshot(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a snapshot and checks it (see [`Store::check`]).
    pub fn restore(json: &str) -> Result<Store, String> {
        let store: Store = serde_json::from_str(json).map_err(|e| e.to_string())?;
        store.check()?;
        Ok(store)
    }

    /// Checks the invariants the store's operations rely on, for a store that comes from
    /// outside (a snapshot in a share link or localStorage): every folder consistent (see
    /// [`Folder::check`]), every account with its mailbox and INBOX.
    pub fn check(&self) -> Result<(), String> {
        for (user, mailbox) in &self.mailboxes {
            for (name, folder) in &mailbox.folders {
                folder.check().map_err(|e| format!("{user} {name}: {e}"))?;
            }
        }
        for address in self.accounts.keys() {
            let inbox = self
                .mailboxes
                .get(address)
                .is_some_and(|m| m.folders.contains_key("INBOX"));
            if !inbox {
                return Err(format!("account {address} has no INBOX"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
