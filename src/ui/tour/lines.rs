//! Protocol lines with their meaning in place (a hover title and a side note with the RFC
//! section, see [`crate::learn::annotate`]).

pub use crate::learn::annotate::{explain_output, Line};
use leptos::prelude::*;

/// A terminal's lines, client and server styled apart, each explained on hover and focus.
#[component]
pub fn ExplainedLines(lines: Vec<Line>) -> impl IntoView {
    let items = lines
        .into_iter()
        .map(|l| {
            let class = match l.speaker {
                'C' => "line client",
                'S' => "line server",
                _ => "line net",
            };
            let tag = match l.speaker {
                'C' => "C: ",
                'S' => "S: ",
                _ => "-- ",
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
