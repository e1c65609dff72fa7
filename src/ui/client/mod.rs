//! The mail client, on the sender's PC and on the recipient's PC. It is honest: every action
//! is a client session over the virtual network (`sandbox::mail_client`), so it shows up in
//! the transcripts; it never reads the store. Compose and send (submission on 587 with AUTH
//! PLAIN), read with POP3 (leave a copy, or DELE) or IMAP (folders, flags, move, delete,
//! APPEND import), the message with its HTML part in a sandboxed frame, attachments, the raw
//! source and the MIME tree, and `.eml`/mbox export. What it composes, exports and shows comes
//! from the native, tested model in `sandbox::client_model`; these components lay it out.

mod compose;
mod folders;
mod list;
mod login;
mod reader;

use super::context::Ctx;
use super::dom;
use super::runtime;
use crate::message;
use crate::net::HostId;
use crate::sandbox::client_model::{mbox, MessageView, Summary};
use crate::sandbox::mail_client::{
    Account, Fetched, FolderEntry, ImapAction, Outcome, Security, SessionTls, Submission, Task,
    TaskStatus,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Opens a client session in the world.
type MakeTask = Box<dyn FnOnce(&mut crate::sandbox::World) -> Result<Task, String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Pop3,
    Imap,
}

/// An account's settings, taken when a session starts.
struct Creds {
    addr: String,
    pass: String,
    srv: String,
    security: Security,
}

impl Creds {
    fn account(&self) -> Account<'_> {
        Account {
            host: &self.srv,
            user: &self.addr,
            password: &self.pass,
            security: self.security,
        }
    }
}

/// One PC's mail client: its account, what it downloaded, what is open. Copy, so every
/// component can hold it.
#[derive(Clone, Copy)]
struct Client {
    ctx: Ctx,
    host: HostId,
    who: &'static str,
    addr: RwSignal<String>,
    pass: RwSignal<String>,
    srv: RwSignal<String>,
    logged_in: RwSignal<bool>,
    proto: RwSignal<Proto>,
    keep: RwSignal<bool>,
    /// How the account reaches its server (STARTTLS by default).
    security: RwSignal<Security>,
    /// The last session's name and its TLS (None: it went in clear).
    tls_seen: RwSignal<Option<(&'static str, Option<SessionTls>)>>,
    folders: RwSignal<Vec<FolderEntry>>,
    folder: RwSignal<String>,
    imap_msgs: RwSignal<Vec<Fetched>>,
    pop_msgs: RwSignal<Vec<Fetched>>,
    pop_next: StoredValue<u32>,
    selected: RwSignal<Option<u32>>,
    status: RwSignal<String>,
    busy: RwSignal<u32>,
}

impl Client {
    fn msgs(self) -> Vec<Fetched> {
        match self.proto.get() {
            Proto::Pop3 => self.pop_msgs.get(),
            Proto::Imap => self.imap_msgs.get(),
        }
    }

    fn is_imap(self) -> bool {
        self.proto.get_untracked() == Proto::Imap
    }

    /// Starts a client session and handles its end.
    fn run(self, what: &'static str, make: MakeTask, done: Box<dyn FnOnce(Outcome)>) {
        self.busy.update(|b| *b += 1);
        self.status.set(format!("{what}…"));
        let started = runtime::spawn(self.ctx, make, move |st, tls| {
            self.busy.update(|b| *b = b.saturating_sub(1));
            self.tls_seen.set(Some((what, tls)));
            match st {
                TaskStatus::Done(o) => done(o),
                TaskStatus::Failed(e) => self.status.set(format!("{what} failed: {e}")),
                TaskStatus::Running => {}
            }
        });
        if let Err(e) = started {
            self.busy.update(|b| *b = b.saturating_sub(1));
            self.status.set(format!("{what} failed: {e}"));
        }
    }

    /// The account as typed: address, password, server, and its security.
    fn creds(self) -> Creds {
        Creds {
            addr: self.addr.get_untracked(),
            pass: self.pass.get_untracked(),
            srv: self.srv.get_untracked(),
            security: self.security.get_untracked(),
        }
    }

    /// Downloads (POP3) or lists and opens the folder (IMAP).
    fn refresh(self) {
        let (c, host) = (self.creds(), self.host);
        match self.proto.get_untracked() {
            Proto::Pop3 => {
                let k = self.keep.get_untracked();
                self.run(
                    "POP3 download",
                    Box::new(move |w| Task::pop3_fetch_with(w, host, c.account(), k)),
                    Box::new(move |o| {
                        let Outcome::Mailbox { messages, .. } = o else {
                            return;
                        };
                        let n = messages.len();
                        let mut added = 0;
                        self.pop_msgs.update(|local| {
                            for mut m in messages {
                                let dup =
                                    m.uidl.is_some() && local.iter().any(|x| x.uidl == m.uidl);
                                if !dup {
                                    m.id = self.pop_next.get_value();
                                    self.pop_next.set_value(m.id + 1);
                                    local.push(m);
                                    added += 1;
                                }
                            }
                        });
                        self.logged_in.set(true);
                        self.status.set(format!(
                            "POP3: {n} on the server, {added} new{}",
                            if k {
                                " (copies left on the server)"
                            } else {
                                " (deleted from the server)"
                            }
                        ));
                    }),
                );
            }
            Proto::Imap => {
                let f = self.folder.get_untracked();
                self.run(
                    "IMAP refresh",
                    Box::new(move |w| {
                        Task::imap_with(w, host, c.account(), ImapAction::Open { folder: f })
                    }),
                    Box::new(move |o| {
                        let Outcome::Mailbox {
                            folders,
                            messages,
                            total,
                        } = o
                        else {
                            return;
                        };
                        let n = messages.len();
                        self.folders.set(folders);
                        // Bodies already read stay (a listing fetches none): only the flags
                        // are the listing's.
                        let messages = self.imap_msgs.with_untracked(|old| {
                            crate::sandbox::client_model::keep_bodies(old, messages)
                        });
                        self.imap_msgs.set(messages);
                        self.logged_in.set(true);
                        let folder = self.folder.get_untracked();
                        self.status.set(if total > n {
                            format!("IMAP: the newest {n} of {total} in {folder}")
                        } else {
                            format!("IMAP: {n} in {folder}")
                        });
                    }),
                );
            }
        }
    }

    /// One IMAP action, then (optionally) a refresh.
    fn imap_do(self, what: &'static str, action: ImapAction, then_refresh: bool) {
        let (c, host) = (self.creds(), self.host);
        self.run(
            what,
            Box::new(move |w| Task::imap_with(w, host, c.account(), action)),
            Box::new(move |_| {
                self.status.set(format!("{what}: done"));
                if then_refresh {
                    self.refresh();
                }
            }),
        );
    }

    /// Opens a message; with IMAP an unseen one is marked `\Seen` on the server, and one
    /// the listing fetched only the header fields of is fetched whole (`BODY[]`, which marks
    /// it `\Seen` too).
    fn open_msg(self, id: u32) {
        self.selected.set(Some(id));
        if !self.is_imap() {
            return;
        }
        let listed_only = self
            .imap_msgs
            .with_untracked(|l| l.iter().any(|m| m.id == id && !m.whole));
        if listed_only {
            let (c, host) = (self.creds(), self.host);
            let folder = self.folder.get_untracked();
            self.run(
                "IMAP read",
                Box::new(move |w| {
                    Task::imap_with(w, host, c.account(), ImapAction::Read { folder, uid: id })
                }),
                Box::new(move |o| {
                    let Outcome::Message(whole) = o else {
                        return;
                    };
                    self.imap_msgs.update(|l| {
                        if let Some(m) = l.iter_mut().find(|m| m.id == whole.id) {
                            *m = whole;
                        }
                    });
                    self.status.set(String::new());
                }),
            );
            return;
        }
        let seen = |m: &Fetched| m.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
        let unseen = self
            .imap_msgs
            .with_untracked(|l| l.iter().any(|m| m.id == id && !seen(m)));
        if unseen {
            self.imap_msgs.update(|l| {
                if let Some(m) = l.iter_mut().find(|m| m.id == id) {
                    m.flags.push("\\Seen".into());
                }
            });
            let folder = self.folder.get_untracked();
            self.imap_do(
                "Mark read",
                ImapAction::Flag {
                    folder,
                    uid: id,
                    flag: "\\Seen".into(),
                    on: true,
                },
                false,
            );
        }
    }

    /// Imports an `.eml`: IMAP APPEND, or (POP3 cannot upload) SMTP to the server's port 25.
    fn import(self, name: String, bytes: Vec<u8>) {
        if bytes.is_empty() {
            self.status.set(format!("{name} is empty"));
            return;
        }
        if self.is_imap() {
            let folder = self.folder.get_untracked();
            let action = ImapAction::Append { folder, raw: bytes };
            self.imap_do("Import (IMAP APPEND)", action, true);
            return;
        }
        let me = self.addr.get_untracked();
        let from = message::parse(&bytes)
            .from
            .first()
            .map(|a| a.address.clone())
            .filter(|a| a.contains('@'))
            .unwrap_or_else(|| me.clone());
        let sub = Submission {
            login: String::new(),
            password: String::new(),
            from,
            to: vec![me],
            raw: bytes,
        };
        let (s, host) = (self.srv.get_untracked(), self.host);
        self.run(
            "Import (SMTP to port 25)",
            Box::new(move |w| Task::smtp_deliver(w, host, &s, sub)),
            Box::new(move |o| {
                if let Outcome::Submitted(text) = o {
                    self.status.set(format!(
                        "Imported over SMTP: {text}; check mail to download it"
                    ));
                }
            }),
        );
    }
}

#[component]
pub fn MailClients() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let which = RwSignal::new(0u8);
    let tab = move |n: u8, label: &'static str, tid: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" class:on=move || which.get() == n
                aria-selected=move || (which.get() == n).to_string() data-testid=tid
                on:click=move |_| which.set(n)>{label}</button>
        }
    };
    view! {
        <div class="tabs" role="tablist" aria-label="Mail clients">
            {tab(0, "Sender's PC (smith)", "client-tab-sender")}
            {tab(1, "Recipient's PC (boss)", "client-tab-recipient")}
        </div>
        <div style:display=move || if which.get() == 0 { "block" } else { "none" }>
            <MailClient host=ctx.ids.sender_pc who="sender" address="smith@isp.example" password="smith" server="smtp.isp.example"
                to="boss@corp.example"/>
        </div>
        <div style:display=move || if which.get() == 1 { "block" } else { "none" }>
            <MailClient host=ctx.ids.recipient_pc who="recipient" address="boss@corp.example" password="boss" server="mx.corp.example"
                to="smith@isp.example"/>
        </div>
    }
}

#[component]
fn MailClient(
    host: HostId,
    who: &'static str,
    address: &'static str,
    password: &'static str,
    server: &'static str,
    to: &'static str,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Mail downloaded with POP3 lives on this PC: kept with the world across reloads.
    let pc_mail = move || -> Vec<Fetched> {
        ctx.pc_mail.with_value(|m| {
            m.get(who)
                .map(|mail| {
                    mail.iter()
                        .map(|m| Fetched {
                            id: m.id,
                            uidl: m.uidl.clone(),
                            flags: Vec::new(),
                            raw: m.raw.to_vec(),
                            whole: true,
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    let saved_local = pc_mail();
    let client = Client {
        ctx,
        host,
        who,
        addr: RwSignal::new(address.to_string()),
        pass: RwSignal::new(password.to_string()),
        srv: RwSignal::new(server.to_string()),
        logged_in: RwSignal::new(false),
        proto: RwSignal::new(Proto::Pop3),
        keep: RwSignal::new(true),
        security: RwSignal::new(Security::default()),
        tls_seen: RwSignal::new(None),
        folders: RwSignal::new(Vec::new()),
        folder: RwSignal::new("INBOX".to_string()),
        imap_msgs: RwSignal::new(Vec::new()),
        pop_next: StoredValue::new(saved_local.iter().map(|m| m.id + 1).max().unwrap_or(1)),
        pop_msgs: RwSignal::new(saved_local),
        selected: RwSignal::new(None),
        status: RwSignal::new(String::new()),
        busy: RwSignal::new(0),
    };
    Effect::new(move |prev: Option<()>| {
        let list = client.pop_msgs.get();
        if prev.is_some() {
            let rows: Vec<crate::sandbox::LocalMail> = list
                .iter()
                .map(|m| crate::sandbox::LocalMail {
                    id: m.id,
                    uidl: m.uidl.clone(),
                    raw: std::sync::Arc::from(m.raw.as_slice()),
                })
                .collect();
            ctx.pc_mail.update_value(|all| {
                if rows.is_empty() {
                    all.remove(who);
                } else {
                    all.insert(who.to_string(), rows);
                }
            });
            runtime::touch(ctx);
        }
    });
    // A reset or imported world comes with its PCs' mail.
    Effect::new(move |prev: Option<u32>| {
        let e = ctx.epoch.get();
        if prev.is_some_and(|p| p != e) {
            client.logged_in.set(false);
            let mail = pc_mail();
            client
                .pop_next
                .set_value(mail.iter().map(|m| m.id + 1).max().unwrap_or(1));
            client.pop_msgs.set(mail);
            client.imap_msgs.set(Vec::new());
            client.folders.set(Vec::new());
            client.selected.set(None);
            client.busy.set(0);
            client.status.set(String::new());
        }
        e
    });
    // Each message is parsed once when the list changes, not on every render.
    let summaries = Memo::new(move |_| {
        let imap = client.proto.get() == Proto::Imap;
        client
            .msgs()
            .iter()
            .map(|m| Summary::of(m, imap))
            .collect::<Vec<_>>()
    });
    // The open message, parsed once when it is opened (or changes).
    let open = Memo::new(move |_| {
        let id = client.selected.get()?;
        client
            .msgs()
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| MessageView::of(&m))
    });
    let import_ref = NodeRef::<leptos::html::Input>::new();
    let import = move |_| {
        let Some(input) = import_ref.get() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let picked = input.clone();
        dom::read_file(&input, move |name, bytes| client.import(name, bytes));
        // The same file can be picked again.
        picked.set_value("");
    };
    let export = move |_| {
        let list = client.msgs();
        let name = match client.proto.get_untracked() {
            Proto::Pop3 => format!("{}-pop3.mbox", client.addr.get_untracked()),
            Proto::Imap => format!(
                "{}-{}.mbox",
                client.addr.get_untracked(),
                client.folder.get_untracked()
            ),
        };
        dom::download(&name, "application/mbox", &mbox(&list));
    };

    let pfx = format!("client-{who}");
    view! {
        <div class="mail-client" data-testid=pfx>
            <login::Login client=client />
            <div class="client-grid">
                <div class="mailbox-col">
                    <folders::FolderList client=client />
                    <list::MessageList client=client summaries=summaries />
                    <div class="io">
                        <label class="file">
                            {move || if client.proto.get() == Proto::Imap { "Import .eml (IMAP APPEND) " } else { "Import .eml (SMTP to port 25) " }}
                            <input type="file" accept=".eml,message/rfc822" node_ref=import_ref data-testid="import-eml" on:change=import/>
                        </label>
                        <button type="button" data-testid="export-mbox" on:click=export>"Export as mbox"</button>
                    </div>
                </div>
                <div class="reader-col"><reader::Reader client=client open=open /></div>
            </div>
            <compose::Compose client=client to=to />
        </div>
    }
}
