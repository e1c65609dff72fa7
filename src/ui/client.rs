//! The mail client, on the sender's PC and on the recipient's PC. It is honest: every action
//! is a client session over the virtual network (`sandbox::mail_client`), so it shows up in
//! the transcripts; it never reads the store. Compose and send (submission on 587 with AUTH
//! PLAIN), read with POP3 (leave a copy, or DELE) or IMAP (folders, flags, move, delete,
//! APPEND import), the message with its HTML part in a sandboxed frame, attachments, the raw
//! source and the MIME tree, and `.eml`/mbox export.

use super::context::Ctx;
use super::dom;
use crate::message::{self, Part};
use crate::net::HostId;
use crate::sandbox::mail_client::{
    Fetched, FolderEntry, ImapAction, Outcome, Submission, Task, TaskStatus,
};
use crate::wire::sasl::b64_encode;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Opens a client session in the world.
type MakeTask = Box<dyn FnOnce(&mut crate::sandbox::World) -> Result<Task, String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Pop3,
    Imap,
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

/// RFC 2047 encoded word for a non-ASCII header value.
fn encode_header(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", b64_encode(s.as_bytes()))
    }
}

fn recipients(s: &str) -> Vec<String> {
    s.split([',', ';', ' '])
        .map(|a| {
            a.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|a| a.contains('@'))
        .collect()
}

fn has_flag(m: &Fetched, f: &str) -> bool {
    m.flags.iter().any(|x| x.eq_ignore_ascii_case(f))
}

fn first_html(p: &Part) -> bool {
    if p.media_type == "text" && p.subtype == "html" && p.filename.is_none() {
        return true;
    }
    p.children.iter().any(first_html)
}

/// The decoded HTML body, when the message has a text/html part.
fn html_body(raw: &[u8]) -> Option<String> {
    if !first_html(&message::parse(raw).root) {
        return None;
    }
    let m = mail_parser::MessageParser::default().parse(raw)?;
    m.body_html(0).map(|s| format!("{HTML_POLICY}{s}"))
}

/// Put in front of every HTML part shown. The iframe's empty `sandbox` already stops scripts,
/// event handlers, `javascript:` links, forms and access to the page; this policy also stops
/// remote images, styles and fonts (tracking pixels): only inline styles and `data:` images.
const HTML_POLICY: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">";

/// Attachments: (file name, media type, decoded bytes).
fn attachments(raw: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    use mail_parser::MimeHeaders;
    let Some(m) = mail_parser::MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    m.attachments()
        .map(|a| {
            let name = a.attachment_name().unwrap_or("attachment").to_string();
            let mime = a
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")))
                .unwrap_or_else(|| "application/octet-stream".into());
            (name, mime, a.contents().to_vec())
        })
        .collect()
}

fn mime_tree(p: &Part, depth: usize) -> AnyView {
    let label = format!(
        "{}/{}{}{} · {} bytes",
        p.media_type,
        p.subtype,
        p.param("charset")
            .map(|c| format!("; charset={c}"))
            .unwrap_or_default(),
        p.filename
            .as_ref()
            .map(|f| format!(" · {f}"))
            .unwrap_or_default(),
        p.end.saturating_sub(p.body_start)
    );
    let kids = if depth < 16 {
        p.children
            .iter()
            .map(|c| mime_tree(c, depth + 1))
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    view! {
        <li><code>{label}</code>{(!kids.is_empty()).then(|| view! { <ul>{kids}</ul> })}</li>
    }
    .into_any()
}

/// An mbox file (mboxrd quoting) of messages.
fn mbox(msgs: &[Fetched]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        let info = message::parse(&m.raw);
        let from = info
            .from
            .first()
            .map(|a| a.address.clone())
            .unwrap_or_else(|| "MAILER-DAEMON".into());
        out.extend_from_slice(format!("From {from} Thu Jan  1 00:00:00 1970\n").as_bytes());
        let text = String::from_utf8_lossy(&m.raw).replace("\r\n", "\n");
        for line in text.lines() {
            if line.trim_start_matches('>').starts_with("From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
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
    let addr = RwSignal::new(address.to_string());
    let pass = RwSignal::new(password.to_string());
    let srv = RwSignal::new(server.to_string());
    let logged_in = RwSignal::new(false);
    let proto = RwSignal::new(Proto::Pop3);
    let keep = RwSignal::new(true);
    let folders: RwSignal<Vec<FolderEntry>> = RwSignal::new(Vec::new());
    let folder = RwSignal::new("INBOX".to_string());
    let imap_msgs: RwSignal<Vec<Fetched>> = RwSignal::new(Vec::new());
    // Mail downloaded with POP3 lives on this PC: kept in localStorage across reloads.
    let saved_local: Vec<Fetched> = super::persist::load_local(who)
        .into_iter()
        .map(|(id, uidl, raw)| Fetched {
            id,
            uidl,
            flags: Vec::new(),
            raw,
        })
        .collect();
    let pop_next = StoredValue::new(saved_local.iter().map(|m| m.id + 1).max().unwrap_or(1));
    let pop_msgs: RwSignal<Vec<Fetched>> = RwSignal::new(saved_local);
    Effect::new(move |prev: Option<()>| {
        let list = pop_msgs.get();
        if prev.is_some() {
            let rows: Vec<_> = list
                .iter()
                .map(|m| (m.id, m.uidl.clone(), m.raw.as_slice()))
                .collect();
            super::persist::save_local(who, &rows);
        }
    });
    let selected: RwSignal<Option<u32>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(0u32);
    let c_to = RwSignal::new(to.to_string());
    let c_subject = RwSignal::new(String::new());
    let c_body = RwSignal::new(String::new());
    let show_raw = RwSignal::new(false);
    let move_to = RwSignal::new(String::new());
    let import_ref = NodeRef::<leptos::html::Input>::new();

    // A reset world starts with fresh PCs too.
    Effect::new(move |prev: Option<u32>| {
        let e = ctx.epoch.get();
        if prev.is_some_and(|p| p != e) {
            logged_in.set(false);
            pop_msgs.set(Vec::new());
            imap_msgs.set(Vec::new());
            folders.set(Vec::new());
            selected.set(None);
            busy.set(0);
            status.set(String::new());
        }
        e
    });
    let msgs = move || match proto.get() {
        Proto::Pop3 => pop_msgs.get(),
        Proto::Imap => imap_msgs.get(),
    };
    let fail = move |what: &str, s: &TaskStatus| {
        if let TaskStatus::Failed(e) = s {
            status.set(format!("{what} failed: {e}"));
        }
    };
    // Starts a client session and handles its end.
    let run = move |what: &'static str, make: MakeTask, done: Box<dyn FnOnce(Outcome)>| {
        let mut made = None;
        ctx.world.update_value(|w| made = Some(make(w)));
        match made {
            Some(Ok(task)) => {
                busy.update(|b| *b += 1);
                status.set(format!("{what}…"));
                ctx.spawn(task, move |st| {
                    busy.update(|b| *b = b.saturating_sub(1));
                    match st {
                        TaskStatus::Done(o) => done(o),
                        other => fail(what, &other),
                    }
                });
            }
            Some(Err(e)) => status.set(format!("{what} failed: {e}")),
            None => {}
        }
    };

    let refresh = move || {
        let (a, p, s) = (
            addr.get_untracked(),
            pass.get_untracked(),
            srv.get_untracked(),
        );
        match proto.get_untracked() {
            Proto::Pop3 => {
                let k = keep.get_untracked();
                run(
                    "POP3 download",
                    Box::new(move |w| Task::pop3_fetch(w, host, &s, &a, &p, k)),
                    Box::new(move |o| {
                        let Outcome::Mailbox { messages, .. } = o else {
                            return;
                        };
                        let n = messages.len();
                        let mut added = 0;
                        pop_msgs.update(|local| {
                            for mut m in messages {
                                let dup =
                                    m.uidl.is_some() && local.iter().any(|x| x.uidl == m.uidl);
                                if !dup {
                                    m.id = pop_next.get_value();
                                    pop_next.set_value(m.id + 1);
                                    local.push(m);
                                    added += 1;
                                }
                            }
                        });
                        logged_in.set(true);
                        status.set(format!(
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
                let f = folder.get_untracked();
                run(
                    "IMAP refresh",
                    Box::new(move |w| {
                        Task::imap(w, host, &s, &a, &p, ImapAction::Open { folder: f })
                    }),
                    Box::new(move |o| {
                        let Outcome::Mailbox {
                            folders: fs,
                            messages,
                        } = o
                        else {
                            return;
                        };
                        let n = messages.len();
                        folders.set(fs);
                        imap_msgs.set(messages);
                        logged_in.set(true);
                        status.set(format!("IMAP: {n} in {}", folder.get_untracked()));
                    }),
                );
            }
        }
    };
    let imap_do = move |what: &'static str, action: ImapAction, then_refresh: bool| {
        let (a, p, s) = (
            addr.get_untracked(),
            pass.get_untracked(),
            srv.get_untracked(),
        );
        run(
            what,
            Box::new(move |w| Task::imap(w, host, &s, &a, &p, action)),
            Box::new(move |_| {
                status.set(format!("{what}: done"));
                if then_refresh {
                    refresh();
                }
            }),
        );
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let rcpts = recipients(&c_to.get_untracked());
        if rcpts.is_empty() {
            status.set("Send: give at least one recipient address".into());
            return;
        }
        let from = addr.get_untracked();
        let domain = from.split('@').nth(1).unwrap_or("localhost").to_string();
        let (date, stamp) = ctx.with(|w| (w.clock.rfc5322(w.now()), w.now().as_millis()));
        let body = c_body
            .get_untracked()
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        let raw = format!(
            "From: {from}\r\nTo: {}\r\nSubject: {}\r\nDate: {date}\r\nMessage-ID: <{stamp}.{who}@{domain}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
            rcpts.join(", "),
            encode_header(&c_subject.get_untracked()),
        );
        let sent_copy = raw.clone().into_bytes();
        let sub = Submission {
            login: from.clone(),
            password: pass.get_untracked(),
            from,
            to: rcpts,
            raw: raw.into_bytes(),
        };
        let s = srv.get_untracked();
        run(
            "Send",
            Box::new(move |w| Task::submit(w, host, &s, sub)),
            Box::new(move |o| {
                if let Outcome::Submitted(text) = o {
                    status.set(format!("Sent: {text}"));
                }
                c_subject.set(String::new());
                c_body.set(String::new());
                // Like a real IMAP client: keep a copy in Sent (IMAP APPEND).
                if proto.get_untracked() == Proto::Imap && logged_in.get_untracked() {
                    imap_do(
                        "Copy to Sent",
                        ImapAction::Append {
                            folder: "Sent".into(),
                            raw: sent_copy,
                        },
                        false,
                    );
                }
            }),
        );
    };
    let login = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        refresh();
    };
    let logout = move |_| {
        logged_in.set(false);
        imap_msgs.set(Vec::new());
        folders.set(Vec::new());
        selected.set(None);
        status.set("Logged out (downloaded POP3 messages stay on this PC).".into());
    };
    let set_proto = move |p: Proto| {
        proto.set(p);
        selected.set(None);
        if logged_in.get_untracked() {
            refresh();
        }
    };
    let current = move || {
        let id = selected.get()?;
        msgs().into_iter().find(|m| m.id == id)
    };
    let open_msg = move |id: u32| {
        selected.set(Some(id));
        show_raw.set(false);
        if proto.get_untracked() == Proto::Imap {
            let unseen = imap_msgs
                .with_untracked(|l| l.iter().any(|m| m.id == id && !has_flag(m, "\\Seen")));
            if unseen {
                imap_msgs.update(|l| {
                    if let Some(m) = l.iter_mut().find(|m| m.id == id) {
                        m.flags.push("\\Seen".into());
                    }
                });
                let f = folder.get_untracked();
                imap_do(
                    "Mark read",
                    ImapAction::Flag {
                        folder: f,
                        uid: id,
                        flag: "\\Seen".into(),
                        on: true,
                    },
                    false,
                );
            }
        }
    };
    let import = move |_| {
        let Some(input) = import_ref.get() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let picked = input.clone();
        dom::read_file(&input, move |name, bytes| {
            if bytes.is_empty() {
                status.set(format!("{name} is empty"));
                return;
            }
            if proto.get_untracked() == Proto::Imap {
                let f = folder.get_untracked();
                imap_do(
                    "Import (IMAP APPEND)",
                    ImapAction::Append {
                        folder: f,
                        raw: bytes,
                    },
                    true,
                );
                return;
            }
            // POP3 cannot upload: hand the message to the mail server's SMTP (port 25).
            let me = addr.get_untracked();
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
            let s = srv.get_untracked();
            run(
                "Import (SMTP to port 25)",
                Box::new(move |w| Task::smtp_deliver(w, host, &s, sub)),
                Box::new(move |o| {
                    if let Outcome::Submitted(text) = o {
                        status.set(format!(
                            "Imported over SMTP: {text}; check mail to download it"
                        ));
                    }
                }),
            );
        });
        // The same file can be picked again.
        picked.set_value("");
    };
    let export = move |_| {
        let list = msgs();
        let name = match proto.get_untracked() {
            Proto::Pop3 => format!("{}-pop3.mbox", addr.get_untracked()),
            Proto::Imap => format!("{}-{}.mbox", addr.get_untracked(), folder.get_untracked()),
        };
        dom::download(&name, "application/mbox", &mbox(&list));
    };

    let list_view = move || {
        let list = msgs();
        if list.is_empty() {
            return view! { <p class="muted" data-testid="no-messages">"No messages."</p> }
                .into_any();
        }
        let sel = selected.get();
        view! {
            <ul class="msg-list" aria-label="Messages">
                {list.into_iter().rev().map(|m| {
                    let info = message::parse(&m.raw);
                    let subject = info.subject.clone().unwrap_or_else(|| "(no subject)".into());
                    let from = info.from.first().map(|a| a.name.clone().unwrap_or_else(|| a.address.clone())).unwrap_or_default();
                    let unseen = proto.get_untracked() == Proto::Imap && !has_flag(&m, "\\Seen");
                    let flagged = has_flag(&m, "\\Flagged");
                    let id = m.id;
                    view! {
                        <li>
                            <button type="button" class="msg-row" class:unseen=unseen class:on=sel == Some(id)
                                data-testid="msg-row" data-subject=subject.clone() on:click=move |_| open_msg(id)>
                                <span class="star" aria-label=if flagged { "flagged" } else { "" }>{if flagged { "★" } else { "" }}</span>
                                <span class="from">{from}</span>
                                <span class="subj">{subject.clone()}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };

    let reader = move || {
        let Some(m) = current() else {
            return view! { <p class="muted">"Select a message to read it."</p> }.into_any();
        };
        let info = message::parse(&m.raw);
        let raw_text = String::from_utf8_lossy(&m.raw).to_string();
        let text = message::text_body(&m.raw).unwrap_or_default();
        let html = html_body(&m.raw);
        let atts = attachments(&m.raw);
        let id = m.id;
        let flagged = has_flag(&m, "\\Flagged");
        let subject = info
            .subject
            .clone()
            .unwrap_or_else(|| "(no subject)".into());
        let fmt_addrs = |v: &Vec<message::Addr>| {
            v.iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{n} <{}>", a.address),
                    None => a.address.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let from = fmt_addrs(&info.from);
        let to = fmt_addrs(&info.to);
        let date = info
            .date
            .map(crate::time::format_rfc5322)
            .unwrap_or_default();
        let eml_name = format!(
            "{}.eml",
            subject
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .collect::<String>()
                .trim()
                .replace(' ', "_")
        );
        let raw_bytes = m.raw.clone();
        let imap = proto.get_untracked() == Proto::Imap;
        let folder_names: Vec<String> = folders
            .get_untracked()
            .into_iter()
            .map(|f| f.name)
            .filter(|n| *n != folder.get_untracked())
            .collect();
        view! {
            <article class="reader" data-testid="reader" aria-label="Message">
                <h4 data-testid="reader-subject">{subject}</h4>
                <dl class="hdrs">
                    <dt>"From"</dt><dd data-testid="reader-from">{from}</dd>
                    <dt>"To"</dt><dd>{to}</dd>
                    <dt>"Date"</dt><dd>{date}</dd>
                </dl>
                <div class="actions">
                    {imap.then(|| view! {
                        <button type="button" data-testid="flag-msg" on:click=move |_| {
                            let f = folder.get_untracked();
                            imap_do(if flagged { "Unflag" } else { "Flag" }, ImapAction::Flag { folder: f, uid: id, flag: "\\Flagged".into(), on: !flagged }, true);
                        }>{if flagged { "☆ Unflag" } else { "★ Flag" }}</button>
                        <label>"Move to "
                            <select data-testid="move-to" on:change=move |ev| move_to.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {folder_names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="button" data-testid="move-msg" on:click=move |_| {
                            let to = move_to.get_untracked();
                            if !to.is_empty() {
                                let f = folder.get_untracked();
                                selected.set(None);
                                imap_do("Move", ImapAction::Move { folder: f, uid: id, to }, true);
                            }
                        }>"Move"</button>
                    })}
                    <button type="button" class="danger" data-testid="delete-msg" on:click=move |_| {
                        selected.set(None);
                        if imap {
                            let f = folder.get_untracked();
                            imap_do("Delete", ImapAction::Delete { folder: f, uid: id }, true);
                        } else {
                            pop_msgs.update(|l| l.retain(|x| x.id != id));
                            status.set("Deleted from this PC.".into());
                        }
                    }>"Delete"</button>
                    <button type="button" on:click=move |_| show_raw.update(|r| *r = !*r) data-testid="toggle-raw"
                        aria-pressed=move || show_raw.get().to_string()>"Raw source & MIME tree"</button>
                    <button type="button" on:click=move |_| dom::download(&eml_name, "message/rfc822", &raw_bytes)>"Save .eml"</button>
                </div>
                {move || if show_raw.get() {
                    view! {
                        <h5>"MIME tree"</h5>
                        <ul class="mime" data-testid="mime-tree">{mime_tree(&info.root, 0)}</ul>
                        <h5>"Raw source"</h5>
                        <pre class="raw" data-testid="raw-source">{raw_text.clone()}</pre>
                    }.into_any()
                } else {
                    ().into_any()
                }}
                <pre class="body" data-testid="reader-body">{text}</pre>
                {html.map(|h| view! {
                    <h5>"HTML part (sandboxed, scripts off)"</h5>
                    <iframe class="html" sandbox="" srcdoc=h title="HTML part of the message" data-testid="html-frame"></iframe>
                })}
                {(!atts.is_empty()).then(|| view! {
                    <h5>"Attachments"</h5>
                    <ul class="atts">
                        {atts.into_iter().map(|(name, mime, bytes)| {
                            let size = bytes.len();
                            let url = dom::blob_url(&mime, &bytes).unwrap_or_default();
                            view! { <li><a href=url download=name.clone() data-testid="attachment">{name.clone()}</a>" ("{mime}", "{size}" bytes)"</li> }
                        }).collect_view()}
                    </ul>
                })}
            </article>
        }
        .into_any()
    };

    let folder_view = move || {
        if proto.get() != Proto::Imap {
            return ().into_any();
        }
        let cur = folder.get();
        view! {
            <nav class="folders" aria-label="Folders (IMAP LIST)">
                {folders.get().into_iter().map(|f| {
                    let name = f.name.clone();
                    let on = name == cur;
                    view! {
                        <button type="button" class="folder" class:on=on data-testid="folder" data-folder=name.clone()
                            title=f.attributes.join(" ")
                            on:click=move |_| { folder.set(name.clone()); selected.set(None); refresh(); }>
                            {f.name.clone()}
                        </button>
                    }
                }).collect_view()}
            </nav>
        }
        .into_any()
    };

    let pfx = format!("client-{who}");
    view! {
        <div class="mail-client" data-testid=pfx.clone()>
            <form class="login" on:submit=login aria-label="Account">
                <label>"Address "<input type="email" data-testid="login-address" prop:value=move || addr.get() on:input=move |ev| addr.set(event_target_value(&ev))/></label>
                <label>"Password "<input type="password" data-testid="login-password" prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev))/></label>
                <label>"Mail server "<input type="text" data-testid="login-server" prop:value=move || srv.get() on:input=move |ev| srv.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="login">{move || if logged_in.get() { "Check mail" } else { "Log in" }}</button>
                {move || logged_in.get().then(|| view! { <button type="button" on:click=logout>"Log out"</button> })}
            </form>
            <div class="proto" role="radiogroup" aria-label="Read mail with">
                <label><input type="radio" name=format!("proto-{who}") data-testid="proto-pop3" prop:checked=move || proto.get() == Proto::Pop3 on:change=move |_| set_proto(Proto::Pop3)/>" POP3 :110"</label>
                <label><input type="radio" name=format!("proto-{who}") data-testid="proto-imap" prop:checked=move || proto.get() == Proto::Imap on:change=move |_| set_proto(Proto::Imap)/>" IMAP :143"</label>
                {move || (proto.get() == Proto::Pop3).then(|| view! {
                    <label><input type="checkbox" data-testid="pop3-keep" prop:checked=move || keep.get() on:change=move |ev| keep.set(event_target_checked(&ev))/>" leave a copy on the server"</label>
                })}
            </div>
            <p class="status" role="status" aria-live="polite" data-testid="client-status">
                {move || if busy.get() > 0 { "… " } else { "" }}{move || status.get()}
            </p>
            <div class="client-grid">
                <div class="mailbox-col">
                    {folder_view}
                    {list_view}
                    <div class="io">
                        <label class="file">
                            {move || if proto.get() == Proto::Imap { "Import .eml (IMAP APPEND) " } else { "Import .eml (SMTP to port 25) " }}
                            <input type="file" accept=".eml,message/rfc822" node_ref=import_ref data-testid="import-eml" on:change=import/>
                        </label>
                        <button type="button" data-testid="export-mbox" on:click=export>"Export as mbox"</button>
                    </div>
                </div>
                <div class="reader-col">{reader}</div>
            </div>
            <details class="compose" open=who == "sender">
                <summary>"Compose (sends via submission :587 with AUTH PLAIN)"</summary>
                <form on:submit=send aria-label="Compose">
                    <label>"To "<input type="text" data-testid="compose-to" prop:value=move || c_to.get() on:input=move |ev| c_to.set(event_target_value(&ev))/></label>
                    <label>"Subject "<input type="text" data-testid="compose-subject" prop:value=move || c_subject.get() on:input=move |ev| c_subject.set(event_target_value(&ev))/></label>
                    <label>"Message "<textarea rows="4" data-testid="compose-body" prop:value=move || c_body.get() on:input=move |ev| c_body.set(event_target_value(&ev))></textarea></label>
                    <button type="submit" data-testid="compose-send">"Send"</button>
                </form>
            </details>
        </div>
    }
}
