//! Reading an answer's body with a size cap, so a hostile or broken server cannot make a client
//! hold gigabytes in memory.

use std::fmt;

use crate::error::{Certainty, Error, ErrorKind};

/// The default cap on an operator's answer: 4 MiB, far above any real answer (a 1,000-recipient
/// Infobip answer is about 250 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Why a body could not be read whole.
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is larger than the cap; reading stopped at the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The connection failed while the body was read.
    Transport(reqwest::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(f, "answer larger than {limit} bytes"),
            BodyError::Transport(e) => write!(f, "answer cut short: {}", super::strip_url(e)),
        }
    }
}

impl std::error::Error for BodyError {}

impl BodyError {
    /// The gateway error for this failure. `certainty` is the request's: [`Certainty::MaybeSent`]
    /// for a send (the operator answered, so it may have accepted), [`Certainty::NotSent`] for
    /// read-only calls.
    pub fn into_error(self, gateway: &'static str, certainty: Certainty) -> Error {
        let kind = match &self {
            BodyError::TooLarge { .. } => ErrorKind::Decode,
            BodyError::Transport(_) => ErrorKind::Network,
        };
        Error::new(kind, certainty, self.to_string()).with_gateway(gateway)
    }
}

/// Reads `response`'s body, refusing more than `limit` bytes.
///
/// A declared `Content-Length` over the cap is refused before reading; otherwise the body is read
/// chunk by chunk and reading stops as soon as the cap is passed, so at most `limit` bytes plus
/// one chunk are ever held.
///
/// # Errors
///
/// Returns [`BodyError::TooLarge`] when the declared or read length passes `limit`, and
/// [`BodyError::Transport`] when the connection fails while the body is read.
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(len) = response.content_length()
        && len > limit as u64
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot HTTP server on loopback answering with `head` and then `body_len` bytes of 'x',
    /// written in 8 KiB writes. Returns the URL and how many body bytes it managed to write.
    async fn server(head: String, body_len: usize) -> (String, tokio::task::JoinHandle<usize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            s.write_all(head.as_bytes()).await.unwrap();
            let block = [b'x'; 8192];
            let mut written = 0;
            while written < body_len {
                let n = block.len().min(body_len - written);
                if s.write_all(&block[..n]).await.is_err() {
                    break;
                }
                written += n;
            }
            written
        });
        (url, task)
    }

    fn client() -> reqwest::Client {
        super::super::client(super::super::Timeouts::default()).unwrap()
    }

    #[tokio::test]
    async fn declared_length_over_the_cap_is_refused_before_reading() {
        let (url, _task) = server("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n".into(), 0).await;
        let resp = client().get(url).send().await.unwrap();
        let err = read_limited(resp, 1000).await.unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { limit: 1000 }), "{err:?}");
        let e = err.into_error("test", Certainty::MaybeSent);
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.certainty(), Certainty::MaybeSent);
        assert!(e.to_string().contains("larger than 1000 bytes"), "{e}");
    }

    #[tokio::test]
    async fn undeclared_length_stops_at_the_cap() {
        // No Content-Length, connection-delimited: 64 MiB offered, reading must stop near 64 KiB.
        let head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_owned();
        let (url, task) = server(head, 64 << 20).await;
        let resp = client().get(url).send().await.unwrap();
        let err = read_limited(resp, 64 << 10).await.unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { limit: 65536 }), "{err:?}");
        let written = task.await.unwrap();
        assert!(written < 64 << 20, "the client kept reading the whole body ({written} bytes)");
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_returned_whole() {
        let (url, _task) = server("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".into(), 5000).await;
        let resp = client().get(url).send().await.unwrap();
        let body = read_limited(resp, 5000).await.unwrap();
        assert_eq!(body.len(), 5000);
        assert!(body.iter().all(|&b| b == b'x'));
    }
}
