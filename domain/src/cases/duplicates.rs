//! "Reflect at most once": how alike two reports read.

use std::collections::HashSet;

/// Text similarity for "reflect at most once": the mean of the Dice coefficients of character
/// unigrams and bigrams over letters and digits (CJK included, punctuation and spaces dropped).
/// Chinese has no spaces between words, so words are never split on whitespace.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (ca, cb) = (normalise(a), normalise(b));
    if ca.is_empty() || cb.is_empty() {
        return 0.0;
    }
    let uni = |c: &[char]| c.iter().copied().collect::<HashSet<char>>();
    let bi = |c: &[char]| c.windows(2).map(|w| (w[0], w[1])).collect::<HashSet<(char, char)>>();
    let dice = |x: usize, y: usize, both: usize| if x + y == 0 { 0.0 } else { 2.0 * both as f64 / (x + y) as f64 };
    let (ua, ub) = (uni(&ca), uni(&cb));
    let (ba, bb) = (bi(&ca), bi(&cb));
    let u = dice(ua.len(), ub.len(), ua.intersection(&ub).count());
    if ba.is_empty() || bb.is_empty() {
        return u;
    }
    let b2 = dice(ba.len(), bb.len(), ba.intersection(&bb).count());
    (u + b2) / 2.0
}

fn normalise(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
