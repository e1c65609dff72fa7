//! Page options from the URL: `?scenario=seed-journey&autoplay=1&compact=1&step=3&theme=dark`
//! (embed.html reads the same options; `compact` is implied there).
//! The fragment works too (`#scenario=...`), for hosts that strip query strings. One `<iframe>`
//! with such a URL gives a docs page a live demo, and a small `postMessage` API lets the host
//! page follow and steer it ([`post_to_host`], [`HostCommand`]).

use wasm_bindgen::JsValue;

/// The colour scheme asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    /// Follows the reader's `prefers-color-scheme`.
    Auto,
}

/// What the URL asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// A guided scenario to open.
    pub scenario: Option<String>,
    /// A challenge to open the sandbox with (`?challenge=<id>`).
    pub challenge: Option<String>,
    /// Challenges solved elsewhere, carried by a progress link (`progress=a,b`).
    pub progress: Vec<String>,
    /// Play it by itself.
    pub autoplay: bool,
    /// A small layout for embedding.
    pub compact: bool,
    /// Start after this many steps (a share link reproduces a step this way).
    pub step: usize,
    /// Which panes to show (empty: all).
    pub panes: Vec<String>,
    pub theme: Theme,
}

impl PageOptions {
    /// Parses `a=1&b=2` pairs from the query and the fragment (the fragment wins).
    pub fn parse(search: &str, hash: &str) -> PageOptions {
        let mut o = PageOptions::default();
        for part in [search.trim_start_matches('?'), hash.trim_start_matches('#')] {
            for pair in part.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, "1"));
                let v = v.replace('+', " ");
                match k {
                    "scenario" | "tour" => o.scenario = Some(v),
                    "challenge" => o.challenge = Some(v),
                    "progress" => {
                        o.progress = v
                            .split(',')
                            .filter(|p| !p.is_empty())
                            .take(100)
                            .map(String::from)
                            .collect()
                    }
                    "autoplay" => o.autoplay = v != "0",
                    "compact" => o.compact = v != "0",
                    "step" => o.step = v.parse().unwrap_or(0),
                    "theme" => {
                        o.theme = match v.as_str() {
                            "dark" => Theme::Dark,
                            "auto" => Theme::Auto,
                            _ => Theme::Light,
                        }
                    }
                    "panes" => {
                        o.panes = v
                            .split(',')
                            .map(|p| p.trim().to_string())
                            .filter(|p| !p.is_empty())
                            .collect()
                    }
                    _ => {}
                }
            }
        }
        o
    }

    /// From the page's location.
    pub fn from_location() -> PageOptions {
        let loc = web_sys::window().map(|w| w.location());
        let search = loc
            .as_ref()
            .and_then(|l| l.search().ok())
            .unwrap_or_default();
        let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
        PageOptions::parse(&search, &hash)
    }

    pub fn shows(&self, pane: &str) -> bool {
        self.panes.is_empty() || self.panes.iter().any(|p| p == pane)
    }
}

/// A link that reproduces scenario `id` at `step` (the world is deterministic, so the steps
/// replay to the same state), relative to the current page.
pub fn share_link(id: &str, step: usize) -> String {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split(['?', '#']).next().unwrap_or("").to_string())
        .unwrap_or_default();
    format!("{base}?scenario={id}&step={step}")
}

/// A command the host page sends (`{type: "mail-sandbox:command", command, step}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCommand {
    Next,
    Back,
    Play,
    Pause,
    Restart,
    /// Go to this step (0: before the first).
    Goto(usize),
}

impl HostCommand {
    /// Reads a message event's data; anything else is ignored (None).
    pub fn from_message(data: &JsValue) -> Option<HostCommand> {
        let get = |k: &str| js_sys::Reflect::get(data, &JsValue::from_str(k)).ok();
        if get("type")?.as_string()? != "mail-sandbox:command" {
            return None;
        }
        Some(match get("command")?.as_string()?.as_str() {
            "next" => HostCommand::Next,
            "back" => HostCommand::Back,
            "play" => HostCommand::Play,
            "pause" => HostCommand::Pause,
            "restart" => HostCommand::Restart,
            "goto" => HostCommand::Goto(get("step")?.as_f64()?.max(0.0) as usize),
            _ => return None,
        })
    }
}

/// True when the page runs inside a frame of another page.
pub fn is_embedded() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    match (w.parent(), w.self_()) {
        (Ok(Some(parent)), me) => !js_sys::Object::is(&parent, &me),
        _ => false,
    }
}

/// Posts `{type, ...fields}` to the host page (any origin: the messages carry nothing secret).
pub fn post_to_host(kind: &str, fields: &[(&str, JsValue)]) {
    if !is_embedded() {
        return;
    }
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return;
    };
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &JsValue::from_str(kind));
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&msg, &JsValue::from_str(k), v);
    }
    let _ = parent.post_message(&msg, "*");
}

/// The document's height, for `mail-sandbox:resize`.
pub fn document_height() -> f64 {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .map(|e| e.scroll_height() as f64)
        .unwrap_or(0.0)
}
