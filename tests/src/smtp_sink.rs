//! A small SMTP server for tests: it speaks enough of RFC 5321 for a client to hand it mail,
//! and keeps every message it is given.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub messages: Arc<Mutex<Vec<Vec<u8>>>>,
    pub port: u16,
}

impl SmtpSink {
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

/// Starts a sink on `port` (0 for any free one).
///
/// # Panics
/// When it cannot listen.
pub async fn start(port: u16) -> SmtpSink {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap_or_else(|e| panic!("smtp sink: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let sink = SmtpSink { messages: Arc::default(), port };
    let messages = sink.messages.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let messages = messages.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut message = Vec::new();
                            loop {
                                line.clear();
                                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                                message.extend_from_slice(unstuffed.as_bytes());
                            }
                            messages.lock().unwrap_or_else(PoisonError::into_inner).push(message);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    sink
}
