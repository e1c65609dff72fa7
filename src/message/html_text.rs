//! The text of an HTML body, for a message that has no `text/plain` part: what an IMAP PREVIEW
//! shows (RFC 8970 §3.3: the preview is plain text) and what the mail client's text view and
//! the bridge's API give. The markup goes; what `<style>`, `<script>`, `<head>` and `<title>`
//! hold goes with it; white space runs become one space, as a browser draws them; block
//! elements (`<p>`, `<div>`, `<br>`, list items, rows, headings) end a line; character
//! references are decoded: every numeric one (`&#233;`, `&#xE9;`) and the named ones mail
//! uses most ([`NAMED`]). A rarer name is left as written.
//!
//! A full converter (mail-parser's `html_to_text`, used before) knows all 2,125 names of
//! HTML's table, which weighs about 40 KB in the page's wasm (issue 29).

/// The named character references decoded: the markup characters and those common in mail.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("euro", '€'),
    ("pound", '£'),
    ("deg", '°'),
    ("times", '×'),
    ("shy", '\u{ad}'),
    ("zwnj", '\u{200c}'),
];

/// Elements whose content is not text a reader sees.
const HIDDEN: &[&str] = &["style", "script", "head", "title"];

/// Elements that start or end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "hr",
    "pre",
    "section",
    "article",
    "header",
    "footer",
];

/// The text a reader sees in `html`: lines without markup, trimmed, at most one empty line
/// between paragraphs.
pub fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut text, &rest[..open]);
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(close) = after.find('>') else {
            // A tag that never ends: the rest is markup.
            rest = "";
            break;
        };
        let (ending, name) = tag_name(&after[..close]);
        rest = &after[close + 1..];
        if !ending && HIDDEN.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            // Its content, up to its end tag, is not text (a script may hold `<`).
            rest = after_end_tag(rest, name);
            continue;
        }
        if BLOCKS.iter().any(|b| name.eq_ignore_ascii_case(b)) {
            text.push('\n');
        }
    }
    push_text(&mut text, rest);
    tidy(&text)
}

/// What follows the end tag of `element` in `html` (nothing when it never ends).
fn after_end_tag<'a>(html: &'a str, element: &str) -> &'a str {
    let mut rest = html;
    while let Some(at) = rest.find("</") {
        let tail = &rest[at + 2..];
        let is_end = tail
            .get(..element.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(element));
        match (is_end, tail.find('>')) {
            (true, Some(close)) => return &tail[close + 1..],
            (_, None) => return "",
            (false, Some(_)) => rest = tail,
        }
    }
    ""
}

/// Whether the tag between `<` and `>` ends an element, and the element's name.
fn tag_name(tag: &str) -> (bool, &str) {
    let (ending, tag) = match tag.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, tag),
    };
    let len = tag
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(tag.len());
    (ending, &tag[..len])
}

/// Appends a run of text between tags: white space made single spaces, references decoded.
fn push_text(text: &mut String, run: &str) {
    let mut rest = run;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            if !text.ends_with([' ', '\n']) {
                text.push(' ');
            }
            rest = &rest[c.len_utf8()..];
        } else if c == '&' {
            let (decoded, used) = reference(rest);
            text.push(decoded);
            rest = &rest[used..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// The character a reference at the start of `at` (which starts with `&`) stands for, and how
/// many bytes it takes; `&` alone when it is not one this module knows.
fn reference(at: &str) -> (char, usize) {
    let body = &at[1..];
    let Some(end) = body.find(';').filter(|&end| end <= 32) else {
        return ('&', 1);
    };
    let name = &body[..end];
    let decoded = match name.strip_prefix('#') {
        Some(number) => {
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse().ok(),
            };
            code.map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
        }
        None => NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c),
    };
    match decoded {
        Some(c) => (c, end + 2),
        None => ('&', 1),
    }
}

/// The lines trimmed, runs of empty lines made one (a paragraph's end), and no empty line
/// first or last.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut empty = 0;
    for line in text.split('\n').map(str::trim) {
        if line.is_empty() {
            empty += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if empty > 0 { "\n\n" } else { "\n" });
        }
        empty = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_goes_and_paragraphs_become_lines() {
        let html = "<html><head><title>T</title><style>p { color: red }</style></head>\
                    <body><p>Big <b>news</b>:</p><p>we\n   ship</p><br>soon</body></html>";
        assert_eq!(text_of(html), "Big news:\n\nwe ship\n\nsoon");
    }

    #[test]
    fn references_are_decoded_and_unknown_ones_kept() {
        assert_eq!(
            text_of("<p>Fish &amp; chips &lt;3 &#233;t&#xE9; &euro;5 &hearts; AT&T</p>"),
            "Fish & chips <3 été €5 &hearts; AT&T"
        );
    }

    #[test]
    fn comments_scripts_and_broken_tags_show_nothing() {
        assert_eq!(
            text_of("a<!-- hidden -->b<script>if (x < 1) {}</script>c<span"),
            "abc"
        );
        assert_eq!(text_of("x<!-- never closed"), "x");
        assert_eq!(text_of(""), "");
    }
}
