//! LIST and LSUB (RFC 3501 §6.3.8, §6.3.9) with LIST-EXTENDED options (RFC 5258, RFC 6154 §5);
//! the answers are drawn by [`crate::proto::imap::list`].

use super::prelude::*;
use super::StatusItem;
use crate::proto::imap::list;

/// LIST-EXTENDED selection and return options (RFC 5258 §3, RFC 6154 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListOptions {
    /// The extended syntax was used: report `\NonExistent` rather than `\Noselect`.
    pub extended: bool,
    /// `(SUBSCRIBED)`: only subscribed names.
    pub select_subscribed: bool,
    /// `(SPECIAL-USE)`: only mailboxes with a special use.
    pub select_special_use: bool,
    /// `RETURN (SUBSCRIBED)`: mark subscribed names `\Subscribed`.
    pub return_subscribed: bool,
    /// `(SUBSCRIBED RECURSIVEMATCH)`: also parents of subscribed names, with CHILDINFO.
    pub recursive_match: bool,
}

pub(super) const LIST: Spec = Spec::new(
    Verb::List,
    Valid::Authenticated,
    "List mailboxes: reference and pattern (* any depth, % one level).",
    "RFC 3501 §6.3.8",
    parse_list,
);
pub(super) const LSUB: Spec = Spec::new(
    Verb::Lsub,
    Valid::Authenticated,
    "List subscribed mailboxes.",
    "RFC 3501 §6.3.9",
    parse_list,
);

fn parse_list(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    let what = format!("reference name after {name} (often \"\")");
    p.sp(&what)?;
    let mut options = ListOptions::default();
    let mut status = Vec::new();
    if name == "LIST" && p.peek() == Some(b'(') {
        options.extended = true;
        let mut recursive = false;
        for opt in option_list(p, "selection option")? {
            match opt.as_str() {
                "SUBSCRIBED" => {
                    options.select_subscribed = true;
                    options.return_subscribed = true;
                }
                "SPECIAL-USE" => options.select_special_use = true,
                "REMOTE" => {}
                "RECURSIVEMATCH" => recursive = true,
                other => return Err(format!("Unknown LIST selection option {other} (use SUBSCRIBED, SPECIAL-USE, REMOTE or RECURSIVEMATCH)").into()),
            }
        }
        if recursive && !options.select_subscribed {
            return Err(
                "RECURSIVEMATCH needs another selection option, e.g. (SUBSCRIBED RECURSIVEMATCH)"
                    .into(),
            );
        }
        options.recursive_match = recursive;
        p.sp(&what)?;
    }
    let reference = p.mailbox(&what)?;
    let pat = "mailbox pattern (e.g. \"*\")";
    p.sp(pat)?;
    let mut patterns = Vec::new();
    if name == "LIST" && p.eat(b'(') {
        options.extended = true;
        loop {
            patterns.extend(p.list_mailbox(pat)?);
            if p.eat(b')') {
                break;
            }
            if !p.eat(b' ') {
                return Err("Expected a space or ) in the pattern list".into());
            }
        }
    } else {
        patterns.extend(p.list_mailbox(pat)?);
    }
    if name == "LIST" && !p.at_end() {
        p.sp("RETURN options")?;
        if !p.eat_word("RETURN") {
            return Err("Expected RETURN (...) after the LIST pattern".into());
        }
        options.extended = true;
        p.sp("return options, e.g. (SUBSCRIBED CHILDREN)")?;
        if !p.eat(b'(') {
            return Err("Expected a return option list in parentheses".into());
        }
        while !p.eat(b')') {
            let opt = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
            match opt.as_str() {
                "SUBSCRIBED" => options.return_subscribed = true,
                "CHILDREN" | "SPECIAL-USE" => {}
                // RFC 5819 LIST-STATUS.
                "STATUS" => {
                    p.sp("status items, e.g. (MESSAGES UNSEEN)")?;
                    status = super::status::status_items(p)?;
                }
                "" => return Err("Expected a return option or )".into()),
                other => return Err(format!("Unknown LIST return option {other} (use SUBSCRIBED, CHILDREN, SPECIAL-USE or STATUS (...))").into()),
            }
            if !p.eat(b' ') && p.peek() != Some(b')') {
                return Err("Expected a space or ) in the return option list".into());
            }
        }
    }
    Ok(Command::List {
        reference,
        patterns,
        lsub: name == "LSUB",
        options,
        status,
    })
}

/// `(OPT OPT ...)` of atoms, upper-cased (RFC 5258 option lists).
pub(super) fn option_list(p: &mut Parser<'_>, what: &str) -> R<Vec<String>> {
    if !p.eat(b'(') {
        return Err(format!("Expected a {what} list in parentheses").into());
    }
    let mut out = Vec::new();
    if p.eat(b')') {
        return Ok(out);
    }
    loop {
        let a = p.atom();
        if a.is_empty() {
            return Err(format!("Expected a {what}").into());
        }
        out.push(String::from_utf8_lossy(a).to_ascii_uppercase());
        if p.eat(b')') {
            return Ok(out);
        }
        if !p.eat(b' ') {
            return Err(format!("Expected a space or ) in the {what} list").into());
        }
    }
}

impl ImapSession {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_list(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        reference: &str,
        patterns: &[String],
        lsub: bool,
        options: ListOptions,
        status: &[StatusItem],
    ) -> Done {
        if let Some(mb) = ctx.store.mailbox(user) {
            let mut out = Vec::new();
            for (line, name) in list::respond(mb, reference, patterns, lsub, options, self.names) {
                out.extend(line);
                // RFC 5819 §2: STATUS follows the LIST of each selectable mailbox.
                if let (false, Some(f)) = (status.is_empty(), mb.folders.get(&name)) {
                    out.extend(super::status::status_line(f, &name, status, self.names));
                }
            }
            self.out.transmit(out);
        }
        ok(if lsub {
            "LSUB completed"
        } else {
            "LIST completed"
        })
    }
}
