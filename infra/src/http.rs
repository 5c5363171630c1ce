//! Outbound HTTP: one factory for every client (WeChat and whatever follows), with timeouts,
//! and redaction of URLs before they reach a log.

use std::time::Duration;

use url::Url;

use crate::InfraError;

/// Query parameters whose values are secrets or personal: never logged.
const SECRET_PARAMS: &[&str] =
    &["access_token", "secret", "appsecret", "js_code", "code", "token", "password", "key", "sign"];

/// Timeouts of an outbound client.
#[derive(Debug, Clone, Copy)]
pub struct ClientTimeouts {
    pub connect: Duration,
    pub total: Duration,
}

impl Default for ClientTimeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(3), total: Duration::from_secs(10) }
    }
}

/// The one way to build an outbound client.
pub fn client(timeouts: ClientTimeouts) -> Result<reqwest::Client, InfraError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.total)
        .user_agent(concat!("yishi/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| InfraError::Http(redact_error(e)))
}

/// The URL with its password and secret query values replaced by `***`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Only fails for URLs that cannot have credentials, which this one has.
        let _ = shown.set_password(Some("***"));
    }
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let hide = SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (name.into_owned(), if hide { "***".to_owned() } else { value.into_owned() })
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// [`redact_url`] for text that may not parse; unparseable text is withheld entirely.
pub fn redact_url_str(text: &str) -> String {
    Url::parse(text).map(|u| redact_url(&u)).unwrap_or_else(|_| "<unparseable url>".to_owned())
}

/// A reqwest error's text with the URL it carries (which may hold a token) redacted.
pub fn redact_error(error: reqwest::Error) -> String {
    let url = error.url().map(redact_url);
    let error = error.without_url();
    match url {
        Some(url) => format!("{error} ({url})"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_query_and_userinfo_are_hidden() {
        let url =
            Url::parse("https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=S3CR3T&js_code=abc&grant_type=x");
        let shown = url.map(|u| redact_url(&u)).unwrap_or_default();
        assert!(!shown.contains("S3CR3T") && !shown.contains("js_code=abc"), "{shown}");
        assert!(shown.contains("appid=wx1") && shown.contains("grant_type=x"), "{shown}");

        let shown = redact_url_str("redis://user:hunter2@cache:6379/0");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(redact_url_str("not a url"), "<unparseable url>");
    }

    #[test]
    fn access_tokens_are_hidden_whatever_their_case() {
        let shown = redact_url_str("https://x.test/cgi-bin/message?ACCESS_TOKEN=tok123");
        assert!(!shown.contains("tok123"), "{shown}");
    }
}
