//! Text as clients send it. Control characters (NUL, escape, backspace, the C1 range …) are
//! never part of what a person writes, PostgreSQL cannot store NUL in text at all, and they
//! hide in logs and spreadsheets; newline and tab are ordinary writing.

/// Why such text is refused, as the error details say it.
pub const CONTROL_CHARACTER_REASON: &str = "no control characters other than newline and tab";

/// Whether `c` may appear in text a client sends.
pub fn is_allowed(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// Whether every character of `text` may appear in text a client sends.
pub fn is_plain(text: &str) -> bool {
    text.chars().all(is_allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

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
