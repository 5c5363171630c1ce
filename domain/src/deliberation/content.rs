//! The content check: text of matters and opinions is seen by others only once it is clear.
//! WeChat's `msg_sec_check` (when configured) and the local word list both have a say; anything
//! doubtful, and a WeChat outage, holds the text for a moderator — never dropped, never blocking
//! the resident.

use crate::text_enum;

text_enum!(
    /// Where a text stands with moderation.
    Moderation "moderation" "clear, held or rejected" {
        /// Seen by everyone who may see the matter.
        Clear => "clear",
        /// Waiting for a moderator: seen by its author and moderators only.
        Held => "held",
        /// A moderator refused it (the author is told why).
        Rejected => "rejected",
    }
);

/// What WeChat's check answered (`result.suggest`), or that it could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeChatVerdict {
    Pass,
    Review,
    Risky,
    /// Not reachable, or an error answer: hold rather than block.
    Unavailable,
}

/// Why a text was held, for the moderator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub moderation: Moderation,
    /// E.g. `["wechat:risky", "word:…"]`; empty when clear.
    pub reasons: Vec<String>,
}

/// Combines the checks: clear only when WeChat (if asked) passed and no listed word occurs.
pub fn verdict(wechat: Option<WeChatVerdict>, listed_words: &[String]) -> Verdict {
    let mut reasons: Vec<String> = listed_words.iter().map(|w| format!("word:{w}")).collect();
    match wechat {
        None | Some(WeChatVerdict::Pass) => {}
        Some(WeChatVerdict::Review) => reasons.push("wechat:review".into()),
        Some(WeChatVerdict::Risky) => reasons.push("wechat:risky".into()),
        Some(WeChatVerdict::Unavailable) => reasons.push("wechat:unavailable".into()),
    }
    let moderation = if reasons.is_empty() { Moderation::Clear } else { Moderation::Held };
    Verdict { moderation, reasons }
}

/// The listed words occurring in `text` (case-insensitive, ignoring spaces put in to dodge the
/// list: "法 轮" still matches "法轮").
pub fn listed_in(text: &str, words: &[String]) -> Vec<String> {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    words
        .iter()
        .filter(|w| {
            let word: String = w.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
            !word.is_empty() && squeezed.contains(&word)
        })
        .cloned()
        .collect()
}
