//! Bounds on the free text and the ids that callers hand the service, and the
//! clipping of values echoed back in messages. A caller's text ends up in
//! stored state and in other callers' answers (a supplier's reason in every
//! listing of the network), and an echoed value ends up in an error's
//! metadata, which clients cap at a few KiB: both must stay small whatever a
//! caller sends. Nothing here does IO.

/// The longest id a request may name (network, plan, scenario, job, request
/// or enterprise id), in characters.
pub const MAX_ID_CHARS: usize = 200;

/// The longest free text stored from a request (a reason, a note, a
/// scenario's name), in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 4096;

/// The longest value echoed inside a message, in characters.
pub const MAX_ECHO_CHARS: usize = 80;

/// `s` cut to at most `max` characters, with `…` where it was cut.
pub fn clip_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((end, _)) => {
            let mut out = s[..end].to_string();
            out.push('…');
            out
        }
    }
}

/// A value as echoed in a message: at most [`MAX_ECHO_CHARS`] characters,
/// with control characters shown as `?` so an echo cannot forge lines.
pub fn echo(s: &str) -> String {
    let clipped = clip_chars(s, MAX_ECHO_CHARS);
    if clipped.chars().any(char::is_control) {
        clipped
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect()
    } else {
        clipped
    }
}

/// Why an id is not acceptable, if it is not: empty, longer than
/// [`MAX_ID_CHARS`], or holding spaces or control characters.
pub fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("required".into())
    } else if id.chars().count() > MAX_ID_CHARS {
        Some(format!(
            "at most {MAX_ID_CHARS} characters, got {}",
            id.chars().count()
        ))
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("no spaces or control characters".into())
    } else {
        None
    }
}

/// Why a free text is not acceptable, if it is not: longer than
/// [`MAX_TEXT_BYTES`].
pub fn text_problem(text: &str) -> Option<String> {
    (text.len() > MAX_TEXT_BYTES)
        .then(|| format!("at most {MAX_TEXT_BYTES} bytes, got {}", text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip_chars("abc", 3), "abc");
        assert_eq!(clip_chars("abcd", 3), "abc…");
        assert_eq!(clip_chars("ééé", 2), "éé…");
        assert_eq!(
            echo(&"x".repeat(10_000)).chars().count(),
            MAX_ECHO_CHARS + 1
        );
        assert_eq!(echo("a\nb"), "a?b");
    }

    #[test]
    fn ids_and_texts_have_limits() {
        assert_eq!(id_problem("plan-1"), None);
        assert_eq!(id_problem("").as_deref(), Some("required"));
        assert!(id_problem(&"p".repeat(MAX_ID_CHARS + 1)).is_some());
        assert!(id_problem("a b").is_some());
        assert_eq!(text_problem(&"n".repeat(MAX_TEXT_BYTES)), None);
        assert!(text_problem(&"n".repeat(MAX_TEXT_BYTES + 1)).is_some());
    }
}
