//! Threading for THREAD (RFC 5256 §4): ORDEREDSUBJECT (one thread per base subject) and
//! REFERENCES (parent links from `Message-ID`, `References` and `In-Reply-To`, dummy
//! containers for messages that are referred to but not present, pruning, subject grouping
//! of the roots, siblings sorted by sent date), and REFS (the same links, no subject grouping,
//! threads ordered by their newest message).
//!
//! The forest is an arena walked without recursion: a mailbox may hold a reply chain
//! hundreds of thousands of messages deep.

use std::collections::HashMap;

/// What threading needs of one matching message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadMessage {
    /// What the answer shows: the sequence number, or the UID for UID THREAD.
    pub number: u32,
    /// The sequence number (ties in dates fall back to it, RFC 5256 §4).
    pub seq: u32,
    /// The sent date (RFC 5256 §2.2: `Date:`, else the internal date).
    pub sent: i64,
    /// The first msg-id of `Message-ID:`.
    pub message_id: Option<String>,
    /// The msg-ids of `References:`, or else the first of `In-Reply-To:` (RFC 5256 §4 step 1).
    pub references: Vec<String>,
    /// The base subject (RFC 5256 §2.1).
    pub subject: String,
    /// The subject had a reply or forward marker (`Re:`, `Fwd:`, ...).
    pub is_reply: bool,
}

/// The msg-ids (`<...>`) in a header value, without their angle brackets.
pub fn msg_ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let id = after[..close].trim();
        if !id.is_empty() && !id.contains(char::is_whitespace) {
            out.push(id.to_string());
        }
        rest = &after[close + 1..];
    }
    out
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// The message (an index into the input), or `None` for a dummy.
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// Threads as an arena and its roots, in answer order once sorted.
struct Forest<'m> {
    msgs: &'m [ThreadMessage],
    nodes: Vec<Node>,
    roots: Vec<usize>,
}

impl<'m> Forest<'m> {
    fn new(msgs: &'m [ThreadMessage]) -> Self {
        Forest {
            msgs,
            nodes: Vec::new(),
            roots: Vec::new(),
        }
    }

    fn add(&mut self, msg: Option<usize>) -> usize {
        self.nodes.push(Node {
            msg,
            ..Node::default()
        });
        self.nodes.len() - 1
    }

    fn is_dummy(&self, n: usize) -> bool {
        self.nodes.get(n).is_some_and(|n| n.msg.is_none())
    }

    /// True when `ancestor` is `n` or above it.
    fn is_ancestor(&self, ancestor: usize, mut n: usize) -> bool {
        if self
            .nodes
            .get(ancestor)
            .is_some_and(|a| a.children.is_empty())
        {
            return n == ancestor;
        }
        // Links never make a loop, so the walk ends; the bound is a second guard.
        for _ in 0..=self.nodes.len() {
            if n == ancestor {
                return true;
            }
            match self.nodes.get(n).and_then(|x| x.parent) {
                Some(p) => n = p,
                None => return false,
            }
        }
        true
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes.get_mut(child).and_then(|c| c.parent.take()) {
            if let Some(p) = self.nodes.get_mut(p) {
                p.children.retain(|&c| c != child);
            }
        }
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.unlink(child);
        if let Some(c) = self.nodes.get_mut(child) {
            c.parent = Some(parent);
        }
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.push(child);
        }
    }

    /// Nodes below the roots, every child before its parent.
    fn post_order(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<(usize, bool)> = self.roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                out.push(n);
                continue;
            }
            stack.push((n, true));
            if let Some(node) = self.nodes.get(n) {
                stack.extend(node.children.iter().rev().map(|&c| (c, false)));
            }
        }
        out
    }

    /// The message a node stands for: its own, or (a dummy) its first child's.
    fn first_message(&self, mut n: usize) -> Option<&'m ThreadMessage> {
        for _ in 0..=self.nodes.len() {
            let node = self.nodes.get(n)?;
            if let Some(m) = node.msg {
                return self.msgs.get(m);
            }
            n = *node.children.first()?;
        }
        None
    }

    /// The latest sent date of the messages in the thread under `root` (THREAD=REFS).
    fn latest_sent(&self, root: usize) -> Option<i64> {
        let mut latest = None;
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let Some(node) = self.nodes.get(n) else {
                continue;
            };
            if let Some(m) = node.msg.and_then(|m| self.msgs.get(m)) {
                latest = latest.max(Some(m.sent));
            }
            stack.extend(node.children.iter().copied());
        }
        latest
    }

    /// RFC 5256 §4 step 7 (and step 5 for the roots): siblings by sent date, then sequence
    /// number; a dummy sorts by its first child after its children are sorted.
    fn sort(&mut self) {
        let key = |f: &Forest<'_>, n: usize| f.first_message(n).map(|m| (m.sent, m.seq));
        for n in self.post_order() {
            let mut children = std::mem::take(&mut self.nodes[n].children);
            crate::sorting::sort_by_key(&mut children, |&c| key(self, c));
            self.nodes[n].children = children;
        }
        let mut roots = std::mem::take(&mut self.roots);
        crate::sorting::sort_by_key(&mut roots, |&r| key(self, r));
        self.roots = roots;
    }

    /// `(3 6 (4 23)(44 7 96))` per thread (RFC 5256 §4): a message with one child is followed
    /// by that child; several children each get parentheses; a dummy shows no number.
    fn render(&self) -> String {
        enum Step {
            Node(usize),
            Text(&'static str),
        }
        let mut out = String::new();
        let mut stack: Vec<Step> = Vec::new();
        for &r in self.roots.iter().rev() {
            stack.extend([Step::Text(")"), Step::Node(r), Step::Text("(")]);
        }
        while let Some(step) = stack.pop() {
            let n = match step {
                Step::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Step::Node(n) => n,
            };
            let Some(node) = self.nodes.get(n) else {
                continue;
            };
            let shown = node.msg.and_then(|m| self.msgs.get(m));
            if let Some(m) = shown {
                out.push_str(&m.number.to_string());
            }
            match node.children.as_slice() {
                [] => {}
                [only] => {
                    if shown.is_some() {
                        out.push(' ');
                    }
                    stack.push(Step::Node(*only));
                }
                many => {
                    for &c in many.iter().rev() {
                        stack.extend([Step::Text(")"), Step::Node(c), Step::Text("(")]);
                    }
                    if shown.is_some() {
                        stack.push(Step::Text(" "));
                    }
                }
            }
        }
        out
    }
}

/// THREAD=ORDEREDSUBJECT (RFC 5256 §4): messages of one base subject form a thread, the
/// earliest the parent of the others; threads in the order of their first message.
pub fn ordered_subject(msgs: &[ThreadMessage]) -> String {
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    crate::sorting::sort_by(&mut order, |&a, &b| {
        let (a, b) = (&msgs[a], &msgs[b]);
        (&a.subject, a.sent, a.seq).cmp(&(&b.subject, b.sent, b.seq))
    });
    let mut f = Forest::new(msgs);
    let mut first: Option<(usize, &str)> = None;
    for i in order {
        let n = f.add(Some(i));
        match first {
            Some((head, subject)) if subject == msgs[i].subject => f.link(head, n),
            _ => {
                f.roots.push(n);
                first = Some((n, &msgs[i].subject));
            }
        }
    }
    f.sort();
    f.render()
}

/// REFERENCES' steps 1 to 4 (RFC 5256 §4), which REFS shares: the messages linked by their
/// references, the parentless containers as roots, empty ones pruned, siblings in order.
fn linked_forest(msgs: &[ThreadMessage]) -> Forest<'_> {
    let mut f = Forest::new(msgs);
    link_references(&mut f);
    f.roots = (0..f.nodes.len())
        .filter(|&n| f.nodes[n].parent.is_none())
        .collect();
    prune(&mut f);
    f.sort();
    f
}

/// THREAD=REFERENCES (RFC 5256 §4).
pub fn references(msgs: &[ThreadMessage]) -> String {
    let mut f = linked_forest(msgs);
    group_by_subject(&mut f);
    f.sort();
    f.render()
}

/// THREAD=REFS (draft-ietf-morg-inthread, as Dovecot implements it): REFERENCES without
/// gathering the roots by base subject (its step 5), and the threads ordered by the latest sent
/// date of any message in them, so that the thread with the newest reply comes last (ties by the
/// root's sequence number); within a thread, siblings by sent date as in REFERENCES.
pub fn refs(msgs: &[ThreadMessage]) -> String {
    let mut f = linked_forest(msgs);
    let mut roots = std::mem::take(&mut f.roots);
    crate::sorting::sort_by_key(&mut roots, |&r| {
        (f.latest_sent(r), f.first_message(r).map(|m| m.seq))
    });
    f.roots = roots;
    f.render()
}

/// Step 1: a container per msg-id, the References chain linked parent to child where that
/// makes no loop and the child has no parent yet, and the message under its last reference.
fn link_references(f: &mut Forest<'_>) {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, m) in f.msgs.iter().enumerate() {
        // A message without a Message-ID, or with one already taken, stands alone (step 1A).
        let me = match m.message_id.as_deref() {
            Some(id) => match by_id.get(id).copied() {
                Some(c) if f.is_dummy(c) => {
                    f.nodes[c].msg = Some(i);
                    c
                }
                Some(_) => f.add(Some(i)),
                None => {
                    let c = f.add(Some(i));
                    by_id.insert(id, c);
                    c
                }
            },
            None => f.add(Some(i)),
        };
        let mut prev: Option<usize> = None;
        for id in &m.references {
            let c = match by_id.get(id.as_str()) {
                Some(&c) => c,
                None => {
                    let c = f.add(None);
                    by_id.insert(id, c);
                    c
                }
            };
            if let Some(p) = prev {
                // Step 1B: existing links win; no loops.
                if p != c && f.nodes[c].parent.is_none() && !f.is_ancestor(c, p) {
                    f.link(p, c);
                }
            }
            prev = Some(c);
        }
        // Step 1C: the last reference is the parent; a message without one is a root.
        f.unlink(me);
        if let Some(p) = prev {
            if !f.is_ancestor(me, p) {
                f.link(p, me);
            }
        }
    }
}

/// Step 4: dummies without children go; a dummy's children take its place, except that
/// several children of a dummy at the top stay under it.
fn prune(f: &mut Forest<'_>) {
    let order = f.post_order();
    let mut stands_for: Vec<Vec<usize>> = vec![Vec::new(); f.nodes.len()];
    for n in order {
        let children: Vec<usize> = std::mem::take(&mut f.nodes[n].children)
            .into_iter()
            .flat_map(|c| std::mem::take(&mut stands_for[c]))
            .collect();
        for &c in &children {
            f.nodes[c].parent = Some(n);
        }
        let is_root = f.nodes[n].parent.is_none();
        stands_for[n] = if !f.is_dummy(n) || (is_root && children.len() > 1) {
            f.nodes[n].children = children;
            vec![n]
        } else {
            children
        };
    }
    let roots = std::mem::take(&mut f.roots);
    f.roots = roots
        .into_iter()
        .flat_map(|r| std::mem::take(&mut stands_for[r]))
        .collect();
    for &r in &f.roots {
        f.nodes[r].parent = None;
    }
}

/// Step 6: roots with the same base subject are gathered: under a dummy that has it, under
/// the one that is not a reply, or side by side under a new dummy.
fn group_by_subject(f: &mut Forest<'_>) {
    let subject = |f: &Forest<'_>, n: usize| {
        f.first_message(n)
            .filter(|m| !m.subject.is_empty())
            .map(|m| (m.subject.clone(), m.is_reply))
    };
    let mut table: HashMap<String, usize> = HashMap::new();
    for &r in &f.roots {
        let Some((s, reply)) = subject(f, r) else {
            continue;
        };
        let replace = match table.get(&s) {
            None => true,
            Some(&o) => {
                let o_reply = subject(f, o).is_some_and(|x| x.1);
                (f.is_dummy(r) && !f.is_dummy(o))
                    || (!f.is_dummy(o) && !f.is_dummy(r) && o_reply && !reply)
            }
        };
        if replace {
            table.insert(s, r);
        }
    }
    // The roots by position; a root that joins another leaves an empty slot.
    let mut slots: Vec<Option<usize>> = f.roots.iter().map(|&r| Some(r)).collect();
    let mut slot_of: HashMap<usize, usize> =
        f.roots.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    for i in 0..slots.len() {
        let Some(r) = slots[i] else { continue };
        let Some((s, reply)) = subject(f, r) else {
            continue;
        };
        let Some(&o) = table.get(&s) else { continue };
        let Some(&o_slot) = slot_of.get(&o) else {
            continue;
        };
        if o == r {
            continue;
        }
        let o_reply = subject(f, o).is_some_and(|x| x.1);
        slots[i] = None;
        match (f.is_dummy(o), f.is_dummy(r)) {
            (true, true) => {
                for c in std::mem::take(&mut f.nodes[r].children) {
                    f.nodes[c].parent = None;
                    f.link(o, c);
                }
            }
            (true, false) => f.link(o, r),
            (false, _) if !o_reply && reply => f.link(o, r),
            (false, false) if o_reply && !reply => {
                // The original comes after its reply: it takes the reply's place.
                slots[o_slot] = None;
                slots[i] = Some(r);
                slot_of.insert(r, i);
                f.link(r, o);
                table.insert(s, r);
            }
            _ => {
                let d = f.add(None);
                slots[o_slot] = Some(d);
                slot_of.insert(d, o_slot);
                f.link(d, o);
                f.link(d, r);
                table.insert(s, d);
            }
        }
    }
    f.roots = slots.into_iter().flatten().collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(n: u32, sent: i64, id: &str, refs: &[&str], subject: &str) -> ThreadMessage {
        ThreadMessage {
            number: n,
            seq: n,
            sent,
            message_id: (!id.is_empty()).then(|| id.to_string()),
            references: refs.iter().map(|r| r.to_string()).collect(),
            subject: subject.trim_start_matches("RE: ").to_string(),
            is_reply: subject.starts_with("RE: "),
        }
    }

    #[test]
    fn msg_ids_are_read_from_angle_brackets() {
        assert_eq!(
            msg_ids(" <a@x> (comment) <b@y>\r\n <c@z> <bad id>"),
            vec!["a@x", "b@y", "c@z"]
        );
    }

    #[test]
    fn replies_hang_under_their_parents_and_missing_parents_are_pruned() {
        let m = [
            msg(1, 10, "a", &[], "LUNCH"),
            msg(2, 20, "b", &["a"], "RE: LUNCH"),
            msg(3, 30, "c", &["a", "b"], "RE: LUNCH"),
            msg(4, 25, "d", &["a"], "RE: LUNCH"),
            // A reply to a message not in the mailbox: the dummy goes, it becomes a root.
            msg(5, 5, "e", &["gone"], "RE: OTHER"),
            // Two replies to one missing message stay together under a dummy.
            msg(6, 40, "f", &["missing"], "RE: PARTY"),
            msg(7, 35, "g", &["missing"], "RE: PARTY"),
        ];
        assert_eq!(references(&m), "(5)(1 (2 3)(4))((7)(6))");
    }

    #[test]
    fn refs_orders_threads_by_their_newest_message_and_keeps_subjects_apart() {
        let m = [
            msg(1, 10, "a", &[], "LUNCH"),
            msg(2, 20, "b", &[], "PLAN"),
            msg(3, 50, "c", &["a"], "RE: LUNCH"),
            msg(4, 30, "d", &[], "RE: PLAN"),
        ];
        // REFERENCES puts 4 under 2 by subject; thread 1 starts first.
        assert_eq!(references(&m), "(1 3)(2 4)");
        // REFS: 4 stands alone; thread 1-3 has the newest message (50), so it comes last.
        assert_eq!(refs(&m), "(2)(4)(1 3)");
    }

    #[test]
    fn roots_with_one_subject_are_grouped() {
        let m = [
            msg(1, 10, "a", &[], "NEWS"),
            msg(2, 20, "b", &[], "RE: NEWS"),
            msg(3, 30, "c", &[], "PLAN"),
            msg(4, 40, "d", &[], "PLAN"),
        ];
        // A reply goes under the original; two originals become siblings under a dummy.
        assert_eq!(references(&m), "(1 2)((3)(4))");
    }

    #[test]
    fn loops_and_duplicate_ids_do_not_break_threading() {
        let m = [
            msg(1, 10, "a", &["b"], "X"),
            msg(2, 20, "b", &["a"], "X"),
            msg(3, 30, "a", &[], "Y"),
        ];
        // 2 would be below 1 and 1 below 2: the first link made stands.
        assert_eq!(references(&m), "(2 1)(3)");
    }

    #[test]
    fn a_deep_chain_needs_no_deep_stack() {
        let ids: Vec<String> = (0..100_000).map(|i| format!("m{i}")).collect();
        let m: Vec<ThreadMessage> = (0..100_000usize)
            .map(|i| ThreadMessage {
                number: i as u32 + 1,
                seq: i as u32 + 1,
                sent: i as i64,
                message_id: Some(ids[i].clone()),
                references: i
                    .checked_sub(1)
                    .map(|p| ids[p].clone())
                    .into_iter()
                    .collect(),
                subject: "S".into(),
                is_reply: i > 0,
            })
            .collect();
        let out = references(&m);
        assert!(out.starts_with("(1 2 3 ") && out.ends_with(" 100000)"));
    }

    #[test]
    fn ordered_subject_puts_later_messages_under_the_first() {
        let m = [
            msg(1, 30, "", &[], "A"),
            msg(2, 10, "", &[], "B"),
            msg(3, 20, "", &[], "A"),
            msg(4, 40, "", &[], "A"),
        ];
        assert_eq!(ordered_subject(&m), "(2)(3 (1)(4))");
    }
}
