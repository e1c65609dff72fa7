//! `?theme=light|dark|auto`: written on `<html data-theme=...>`; the stylesheet does the rest
//! (`auto` follows `prefers-color-scheme`).

use super::tour::embed::Theme;

pub fn apply(theme: Theme) {
    let name = match theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::Auto => "auto",
    };
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", name);
    }
}
