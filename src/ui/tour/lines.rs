//! Protocol lines with their meaning in place (a hover title and a side note with the RFC
//! section, see [`crate::learn::annotate`]).

pub use crate::learn::annotate::{explain_lines, Line};
use crate::sandbox::Speaker;
use leptos::prelude::*;

/// A terminal's lines, client and server styled apart, each explained on hover and focus.
#[component]
pub fn ExplainedLines(lines: Vec<Line>) -> impl IntoView {
    let items = lines
        .into_iter()
        .map(|l| {
            let class = match l.speaker {
                Speaker::Client => "line client",
                Speaker::Server => "line server",
                Speaker::Net => "line net",
            };
            let tag = match l.speaker {
                Speaker::Client => "C: ",
                Speaker::Server => "S: ",
                Speaker::Net => "-- ",
            };
            let title = l.note.clone().unwrap_or_default();
            let has_note = l.note.is_some();
            view! {
                <li class=class title=title tabindex=has_note.then_some("0")>
                    <span class="who" aria-hidden="true">{tag}</span>
                    <code>{l.text}</code>
                    {l.note.map(|n| view! { <small class="note" data-testid="explain">{n}</small> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="lines">{items}</ol> }
}
