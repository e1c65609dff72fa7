//! The learning data, fetched once the page runs instead of carried in its wasm (issue 29): the
//! explanations (`explanations.txt`, [`crate::learn::texts`]) and the tours and challenges
//! (`learn-data.bin`, [`crate::learn::library`]), each asked for with its build's version tag
//! (`?v=`), so a cached copy of another build is never read. Nothing waits for them but a view that cannot be drawn
//! without them (a tour's or a challenge's own page): a command typed before they arrive is
//! answered at once, and its explanation appears when they do, because every view that explains
//! a line or lists the tours reads [`track`].

use crate::learn::library::Library;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Bumped when a file arrived. Made by [`start`] before anything is mounted, so no view
    /// owns (and disposes of) it.
    static ARRIVED: RwSignal<u32> = RwSignal::new(0);
    /// The tours and challenges, once here.
    static LIBRARY: RefCell<Option<Rc<Library>>> = const { RefCell::new(None) };
}

// EXPLANATIONS_URL: next to the page (Trunk copies `texts/explanations.txt`);
// LEARN_DATA_URL: next to the page (`scripts/learn-data.sh` copies what build.rs wrote).
include!(concat!(env!("OUT_DIR"), "/learn_files.rs"));

/// Subscribes the view or memo being run to the data's arrival.
pub fn track() {
    ARRIVED.with(|a| a.track());
}

fn arrived() {
    ARRIVED.with(|a| a.update(|n| *n += 1));
}

/// Starts fetching the explanations (call before mounting anything).
pub fn start() {
    ARRIVED.with(|_| ());
    wasm_bindgen_futures::spawn_local(async {
        match fetch_text(EXPLANATIONS_URL).await {
            Ok(text) => match crate::learn::texts::install(&text) {
                Ok(()) => arrived(),
                Err(bad) => log(&format!("{EXPLANATIONS_URL} line {} is malformed", bad.0)),
            },
            Err(e) => log(&format!("{EXPLANATIONS_URL}: {e}")),
        }
    });
}

/// The tours and challenges, if they are here.
pub fn library() -> Option<Rc<Library>> {
    LIBRARY.with(|l| l.borrow().clone())
}

/// Fetches the tours and challenges and reads them with `read` ([`Library::decode`], or
/// [`Library::decode_tours`] for the embed, which then carries no reader for challenges: a
/// generic, so each binary links only its own), keeps them and tells the views. An empty
/// library if they cannot be had: the page works on without them.
pub async fn load_library(read: impl FnOnce(&[u8]) -> Result<Library, String>) -> Rc<Library> {
    let library = match fetch(LEARN_DATA_URL)
        .await
        .and_then(|r| r.array_buffer().map_err(|_| "no body".to_string()))
    {
        Ok(promise) => match JsFuture::from(promise).await {
            Ok(buffer) => read(&js_sys::Uint8Array::new(&buffer).to_vec()),
            Err(_) => Err("the body did not come".to_string()),
        },
        Err(e) => Err(e),
    };
    let library = Rc::new(library.unwrap_or_else(|e| {
        log(&format!("{LEARN_DATA_URL}: {e}"));
        Library::default()
    }));
    LIBRARY.with(|l| *l.borrow_mut() = Some(library.clone()));
    arrived();
    library
}

fn log(text: &str) {
    leptos::logging::warn!("{text}");
}

async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| "not reachable".to_string())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "not an HTTP response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    Ok(response)
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let response = fetch(url).await?;
    JsFuture::from(response.text().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| "the body did not come".to_string())?
        .as_string()
        .ok_or_else(|| "not text".to_string())
}
