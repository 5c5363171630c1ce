//! Outgoing mail over SMTP (lettre): notices to those who gave an address, and digests.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::InfraError;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish()
    }
}

impl Mailer {
    /// From `SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`, …) and a sender.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, InfraError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| InfraError::Config(format!("SMTP_URL: {e}")))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = from.parse().map_err(|e| InfraError::Config(format!("YISHI_MAIL_FROM: {e}")))?;
        Ok(Self { transport, from })
    }

    /// Sends one plain-text message; subject and body may be Chinese (encoded as the RFCs say).
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), InfraError> {
        let to: Mailbox = to.parse().map_err(|e| InfraError::Task(format!("bad address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| InfraError::Task(format!("mail: {e}")))?;
        self.transport.send(message).await.map_err(|e| InfraError::Http(format!("smtp: {e}")))?;
        Ok(())
    }
}
