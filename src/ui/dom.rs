//! Browser helpers: downloads through Blob URLs, the clipboard, reading a picked file.

use wasm_bindgen::JsCast;

/// Takes the page's loading note (`#loading` in index.html and embed.html) away, right before the
/// app mounts in its place.
pub fn remove_loading_note() {
    if let Some(note) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        note.remove();
    }
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) {
    let Some(url) = blob_url(mime, bytes) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A Blob URL holding `bytes` (for links the user clicks, e.g. attachments).
pub fn blob_url(mime: &str, bytes: &[u8]) -> Option<String> {
    let arr = js_sys::Array::new();
    arr.push(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&arr, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Copies text to the clipboard (best effort).
pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let promise = w.navigator().clipboard().write_text(text);
        // Awaited so a refusal (page not focused, no permission) is not an uncaught error.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// Reads the first file picked in an `<input type=file>` and hands its bytes to `done`.
pub fn read_file(input: &web_sys::HtmlInputElement, done: impl FnOnce(String, Vec<u8>) + 'static) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let name = file.name();
    let promise = file.array_buffer();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(buf) = wasm_bindgen_futures::JsFuture::from(promise).await {
            done(name, js_sys::Uint8Array::new(&buf).to_vec());
        }
    });
}

/// Real time in milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Enter pressed in a one-line field of a form. The page's forms act on this and on their
/// button's click rather than on `submit`: in an iframe sandboxed without `allow-forms` (how
/// documentation sites embed the page) a form is never submitted and `submit` never fires.
fn is_enter_in_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.key() == "Enter"
        && !ev.is_composing()
        && ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| {
                !matches!(i.type_().as_str(), "checkbox" | "radio" | "file" | "button")
            })
}

/// A form's keydown handler that runs `act` on Enter in a one-line field (see
/// [`is_enter_in_field`]); with `on:submit=dom::no_submit` and the button's click, a form
/// that works with and without `allow-forms`.
pub fn act_on_enter(act: impl Fn() + 'static) -> impl Fn(web_sys::KeyboardEvent) + 'static {
    move |ev| {
        if is_enter_in_field(&ev) {
            ev.prevent_default();
            act();
        }
    }
}

/// Keeps a form from being submitted (Enter in a form with one field would reload the page).
pub fn no_submit(ev: web_sys::SubmitEvent) {
    ev.prevent_default();
}
