//! The hop on the picture now: a label on the link it crosses (with an arrow for its
//! direction), or at the host it happens on (queued, the DNS question and its answer,
//! delivered, deferred, bounced). Labels are written in the lane under the hosts, so nothing
//! covers the boxes; with reduced motion they simply appear (the envelope does not move).

use super::geo::Geo;
use crate::learn::hops::{describe, HopPlace};
use crate::ui::context::Ctx;
use crate::ui::model::num::num;
use leptos::prelude::*;

/// Roughly how wide `text` is at `font` size (for the label's background).
fn text_width(text: &str, font: f64) -> f64 {
    text.chars().count() as f64 * font * 0.6 + font
}

#[component]
pub fn HopOverlay(geo: Geo, places: Vec<(String, usize)>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let index = move |name: &str| places.iter().find(|(n, _)| n == name).map(|(_, i)| *i);
    move || {
        let shown = ctx.picture.shown.get()?;
        let (text, place) = describe(&shown.hop, |id| ctx.host_name(id));
        if text.label.is_empty() {
            return None;
        }
        let font = geo.lane_font();
        let y = geo.lane_y();
        let (x, arrow_left, at_host) = match &place {
            HopPlace::Link { from, to } => {
                let (a, b) = (index(from)?, index(to)?);
                (geo.link_mid(a, b).0, b < a, None)
            }
            HopPlace::Host(h) => {
                let i = index(h)?;
                (geo.center(i).0, false, Some(i))
            }
        };
        let label = match (&place, arrow_left) {
            (HopPlace::Link { .. }, true) => format!("◀ {}", text.label),
            (HopPlace::Link { .. }, false) => format!("{} ▶", text.label),
            _ => text.label.clone(),
        };
        let lines = 1.0 + text.label2.is_some() as u8 as f64;
        let w = text_width(&label, font)
            .max(text.label2.as_deref().map_or(0.0, |l| text_width(l, font)));
        // Keep the label inside the picture (a label wider than it is centred).
        let (lo, hi) = (w / 2.0 + 4.0, super::geo::VIEW_W - w / 2.0 - 4.0);
        let x = if lo < hi {
            x.max(lo).min(hi)
        } else {
            super::geo::VIEW_W / 2.0
        };
        let h = font * 1.35 * lines + font * 0.4;
        let top = y - font * 0.95;
        let kind = match (&place, text.is_trouble, text.is_encrypted) {
            (_, true, _) => "hop trouble",
            (HopPlace::Host(_), false, _) => "hop at-host",
            (HopPlace::Link { .. }, false, true) => "hop on-link locked",
            (HopPlace::Link { .. }, false, false) => "hop on-link",
        };
        // A stem from the label up to the host it is about.
        let stem = at_host.map(|_| {
            let box_bottom = geo.box_top() + geo.box_h();
            view! { <line class="hop-stem" x1=num(x) y1=num(box_bottom) x2=num(x) y2=num(top)></line> }
        });
        Some(view! {
            <g class=kind data-testid="hop" data-serial=shown.serial.to_string() aria-hidden="true">
                {stem}
                <rect x=num(x - w / 2.0) y=num(top) width=num(w) height=num(h) rx="6"></rect>
                <text x=num(x) y=num(y + font * 0.1) text-anchor="middle" font-size=num(font) data-testid="hop-label">{label}</text>
                {text.label2.clone().map(|l| view! {
                    <text class="answer" x=num(x) y=num(y + font * 1.45) text-anchor="middle" font-size=num(font) data-testid="hop-answer">{l}</text>
                })}
            </g>
        })
    }
}
