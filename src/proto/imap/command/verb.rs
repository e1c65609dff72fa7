//! The IMAP command names, typed: what the recorder reads a command line's verb as, and what
//! each command's [`super::Spec`] is filed under (RFC 3501 §6 and the extensions named there).

/// An IMAP command name (without the `UID` prefix, RFC 3501 §6.4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Capability,
    Noop,
    Logout,
    Login,
    Authenticate,
    StartTls,
    Select,
    Examine,
    Create,
    Delete,
    Rename,
    Subscribe,
    Unsubscribe,
    List,
    Lsub,
    Status,
    Append,
    Check,
    Close,
    Unselect,
    Expunge,
    Search,
    Sort,
    Thread,
    CancelUpdate,
    Fetch,
    Store,
    Copy,
    Move,
    Idle,
    Notify,
    Namespace,
    Id,
    Enable,
    GetQuota,
    GetQuotaRoot,
    SetQuota,
}

impl Verb {
    /// The name, upper case.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Capability => "CAPABILITY",
            Verb::Noop => "NOOP",
            Verb::Logout => "LOGOUT",
            Verb::Login => "LOGIN",
            Verb::Authenticate => "AUTHENTICATE",
            Verb::StartTls => "STARTTLS",
            Verb::Select => "SELECT",
            Verb::Examine => "EXAMINE",
            Verb::Create => "CREATE",
            Verb::Delete => "DELETE",
            Verb::Rename => "RENAME",
            Verb::Subscribe => "SUBSCRIBE",
            Verb::Unsubscribe => "UNSUBSCRIBE",
            Verb::List => "LIST",
            Verb::Lsub => "LSUB",
            Verb::Status => "STATUS",
            Verb::Append => "APPEND",
            Verb::Check => "CHECK",
            Verb::Close => "CLOSE",
            Verb::Unselect => "UNSELECT",
            Verb::Expunge => "EXPUNGE",
            Verb::Search => "SEARCH",
            Verb::Sort => "SORT",
            Verb::Thread => "THREAD",
            Verb::CancelUpdate => "CANCELUPDATE",
            Verb::Fetch => "FETCH",
            Verb::Store => "STORE",
            Verb::Copy => "COPY",
            Verb::Move => "MOVE",
            Verb::Idle => "IDLE",
            Verb::Notify => "NOTIFY",
            Verb::Namespace => "NAMESPACE",
            Verb::Id => "ID",
            Verb::Enable => "ENABLE",
            Verb::GetQuota => "GETQUOTA",
            Verb::GetQuotaRoot => "GETQUOTAROOT",
            Verb::SetQuota => "SETQUOTA",
        }
    }

    /// Looks a command name up, case-insensitively (RFC 3501 §9: names are case-insensitive),
    /// in the server's command table.
    pub fn parse(word: &str) -> Option<Verb> {
        super::COMMANDS
            .iter()
            .map(|s| s.verb)
            .find(|v| v.name().eq_ignore_ascii_case(word))
    }
}
