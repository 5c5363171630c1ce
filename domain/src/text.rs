//! Text as clients send it. Control characters (NUL, escape, backspace, the C1 range …) are
//! never part of what a person writes, PostgreSQL cannot store NUL in text at all, and they
//! hide in logs and spreadsheets; newline and tab are ordinary writing.

/// Why such text is refused, as the error details say it.
pub const CONTROL_CHARACTER_REASON: &str = "no control characters other than newline and tab";

/// Whether `c` may appear in text a client sends.
pub fn is_allowed(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// The refused characters as ranges (C0 but tab and newline, DEL, C1): what [`is_allowed`]
/// refuses, in the form a schema pattern takes ([`NO_CONTROL_PATTERN`]).
pub const REFUSED_RANGES: [(char, char); 3] = [('\u{0}', '\u{8}'), ('\u{b}', '\u{1f}'), ('\u{7f}', '\u{9f}')];

/// [`REFUSED_RANGES`] as a JSON Schema pattern, for the API document.
pub const NO_CONTROL_PATTERN: &str = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$";

/// Whether every character of `text` may appear in text a client sends.
pub fn is_plain(text: &str) -> bool {
    text.chars().all(is_allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_ranges_are_exactly_what_is_refused() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let in_ranges = REFUSED_RANGES.iter().any(|(low, high)| (*low..=*high).contains(&c));
            assert_eq!(is_allowed(c), !in_ranges, "{:#x}", u32::from(c));
        }
        let written: String =
            REFUSED_RANGES.iter().map(|(l, h)| format!("\\x{:02x}-\\x{:02x}", u32::from(*l), u32::from(*h))).collect();
        assert_eq!(NO_CONTROL_PATTERN, format!("^[^{written}]*$"));
    }

    #[test]
    fn writing_passes_and_controls_do_not() {
        assert!(is_plain("村口的路灯坏了\n晚上很黑\t老人走路不安全 🙂"));
        assert!(is_plain(""));
        for bad in ["a\0b", "\r", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{8}", "x\u{9f}"] {
            assert!(!is_plain(bad), "{bad:?}");
        }
        assert!(is_plain("\u{200b}零宽空格 is a format character, not a control"));
    }
}
