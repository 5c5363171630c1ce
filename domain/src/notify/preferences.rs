//! How one wants to be told: the channels a notice goes out on, whether each is on, and for mail
//! whether it goes at once or in a digest. Nothing stored means the defaults: every channel on,
//! mail immediate. The inbox is always on.

use std::time::Duration;

use crate::DomainError;

/// Where a notice goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// The in-app inbox: every notice, always.
    Inbox,
    /// A WeChat subscribe message, for those who came through WeChat.
    Wechat,
    /// Mail, for those who gave an address.
    Mail,
}

/// The channels' names as sent and stored, in their order.
pub const CHANNEL_NAMES: [&str; 3] = ["inbox", "wechat", "mail"];

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Inbox, Channel::Wechat, Channel::Mail];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => CHANNEL_NAMES[0],
            Channel::Wechat => CHANNEL_NAMES[1],
            Channel::Mail => CHANNEL_NAMES[2],
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// How mail goes out: each notice at once, or gathered into a daily or weekly digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Digest {
    #[default]
    Immediate,
    Daily,
    Weekly,
}

/// The digests' names as sent and stored, in their order.
pub const DIGEST_NAMES: [&str; 3] = ["immediate", "daily", "weekly"];

impl Digest {
    pub const ALL: [Digest; 3] = [Digest::Immediate, Digest::Daily, Digest::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Immediate => DIGEST_NAMES[0],
            Digest::Daily => DIGEST_NAMES[1],
            Digest::Weekly => DIGEST_NAMES[2],
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// The channels that reach a recipient: the inbox always, WeChat when they came through it, mail
/// when they gave an address (whether each is on is settled at delivery, by their preferences).
pub fn channels_for(on_wechat: bool, has_email: bool) -> Vec<Channel> {
    let extra = [(on_wechat, Channel::Wechat), (has_email, Channel::Mail)];
    std::iter::once(Channel::Inbox).chain(extra.into_iter().filter(|(on, _)| *on).map(|(_, c)| c)).collect()
}

/// A preference as stored for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub channel: Channel,
    pub enabled: bool,
    pub digest: Digest,
}

/// A channel as the user has it, stored or by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPreference {
    pub channel: Channel,
    pub enabled: bool,
    pub digest: Digest,
}

/// Every channel, in order, as the user has it: what they stored, else on and immediate; the
/// inbox on whatever is stored.
pub fn effective(stored: &[Stored]) -> Vec<ChannelPreference> {
    Channel::ALL
        .into_iter()
        .map(|channel| {
            let found = stored.iter().find(|s| s.channel == channel);
            ChannelPreference {
                channel,
                enabled: is_on(channel, found.map(|s| s.enabled)),
                digest: found.map_or(Digest::Immediate, |s| s.digest),
            }
        })
        .collect()
}

/// Whether `channel` is on, given what is stored for it (nothing: on).
pub fn is_on(channel: Channel, stored_enabled: Option<bool>) -> bool {
    channel == Channel::Inbox || stored_enabled.unwrap_or(true)
}

/// How mail reaches a user, given their stored mail preference: `None` when they turned it off.
pub fn mail_digest(stored: Option<(bool, Digest)>) -> Option<Digest> {
    match stored {
        None => Some(Digest::Immediate),
        Some((false, _)) => None,
        Some((true, digest)) => Some(digest),
    }
}

/// How long a digest waits after its oldest notice: a week for a weekly digest, else a day.
pub fn digest_period(digest: Option<Digest>) -> Duration {
    match digest {
        Some(Digest::Weekly) => Duration::from_secs(7 * 24 * 3600),
        _ => Duration::from_secs(24 * 3600),
    }
}

/// A preference a user sets: a channel on or off and, for mail, the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub channel: Channel,
    pub enabled: bool,
    pub digest: Digest,
}

impl Choice {
    /// The choice sent: a known channel, the inbox never off, a known digest (none: immediate).
    pub fn parse(channel: &str, enabled: bool, digest: Option<&str>) -> Result<Self, DomainError> {
        let channel = Channel::parse(channel)
            .ok_or(DomainError::Invalid { field: "channel", reason: "inbox, wechat or mail" })?;
        if channel == Channel::Inbox && !enabled {
            return Err(DomainError::Invalid { field: "enabled", reason: "the inbox is always on" });
        }
        let digest = match digest {
            None => Digest::Immediate,
            Some(text) => Digest::parse(text)
                .ok_or(DomainError::Invalid { field: "digest", reason: "immediate, daily or weekly" })?,
        };
        Ok(Self { channel, enabled, digest })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(error: Result<Choice, DomainError>) -> Option<&'static str> {
        match error {
            Err(DomainError::Invalid { field, .. }) => Some(field),
            Ok(_) => None,
        }
    }

    #[test]
    fn names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for d in Digest::ALL {
            assert_eq!(Digest::parse(d.as_str()), Some(d));
        }
        assert_eq!(Channel::parse("sms"), None);
        assert_eq!(Digest::parse("monthly"), None);
    }

    #[test]
    fn the_inbox_always_reaches_and_others_when_the_person_can_be_reached_there() {
        assert_eq!(channels_for(false, false), [Channel::Inbox]);
        assert_eq!(channels_for(true, false), [Channel::Inbox, Channel::Wechat]);
        assert_eq!(channels_for(false, true), [Channel::Inbox, Channel::Mail]);
        assert_eq!(channels_for(true, true), [Channel::Inbox, Channel::Wechat, Channel::Mail]);
    }

    #[test]
    fn nothing_stored_means_on_and_immediate_and_the_inbox_stays_on() {
        let all = effective(&[]);
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|p| p.enabled && p.digest == Digest::Immediate));
        let stored = [
            Stored { channel: Channel::Mail, enabled: true, digest: Digest::Weekly },
            Stored { channel: Channel::Wechat, enabled: false, digest: Digest::Immediate },
            Stored { channel: Channel::Inbox, enabled: false, digest: Digest::Daily },
        ];
        let got = effective(&stored);
        assert_eq!(got.iter().map(|p| p.channel).collect::<Vec<_>>(), Channel::ALL);
        assert!(got[0].enabled, "the inbox is on whatever is stored");
        assert_eq!(got[0].digest, Digest::Daily);
        assert!(!got[1].enabled);
        assert_eq!((got[2].enabled, got[2].digest), (true, Digest::Weekly));
    }

    #[test]
    fn mail_goes_immediately_by_default_never_when_off() {
        assert_eq!(mail_digest(None), Some(Digest::Immediate));
        assert_eq!(mail_digest(Some((false, Digest::Daily))), None);
        assert_eq!(mail_digest(Some((true, Digest::Weekly))), Some(Digest::Weekly));
        assert_eq!(digest_period(Some(Digest::Weekly)), Duration::from_secs(604_800));
        assert_eq!(digest_period(Some(Digest::Daily)), Duration::from_secs(86_400));
        assert_eq!(digest_period(None), Duration::from_secs(86_400));
        assert!(is_on(Channel::Wechat, None));
        assert!(!is_on(Channel::Wechat, Some(false)));
        assert!(is_on(Channel::Inbox, Some(false)));
    }

    #[test]
    fn choices_are_checked_field_by_field() {
        assert_eq!(
            Choice::parse("mail", true, Some("daily")),
            Ok(Choice { channel: Channel::Mail, enabled: true, digest: Digest::Daily })
        );
        assert_eq!(Choice::parse("wechat", false, None).map(|c| c.digest), Ok(Digest::Immediate));
        assert_eq!(field(Choice::parse("sms", true, None)), Some("channel"));
        assert_eq!(field(Choice::parse("inbox", false, None)), Some("enabled"));
        assert_eq!(field(Choice::parse("mail", true, Some("monthly"))), Some("digest"));
        assert!(Choice::parse("inbox", true, None).is_ok());
    }
}
