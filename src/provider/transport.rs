//! What one HTTP attempt ran into, for the operator. Two jobs that need the
//! same facts about the wire:
//!
//! - **Why a request did not get an answer**, classified from reqwest's
//!   error chain: a refused connection, a name that does not resolve and a
//!   failed TLS handshake happen before a single byte of the request leaves,
//!   will not heal in the next second, and are reported at once with the URL
//!   and the likely fix instead of being retried for ten seconds. Timeouts and
//!   connections dropped mid-request stay retryable (and their outcome
//!   unknown: the request may have arrived).
//! - **The log line of each attempt** (`-vv`, or `RESOLD_LOG=resold::google=debug`):
//!   method id, URL path, status, time to the answer and attempt number.
//!   Never the query string (a `customers.list` filter names a domain, a
//!   future one could name a person), never a body, never a header: the
//!   bearer token is only in the `Authorization` header.

use std::time::Duration;

use super::http::Call;

/// The `tracing` target of the per-attempt lines, stable for `RESOLD_LOG`.
pub const LOG_TARGET: &str = "resold::google";

/// Why an attempt got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    /// Nothing listens on the port (TCP RST on connect).
    Refused,
    /// The host name does not resolve (NXDOMAIN, no such host).
    UnknownHost { detail: String },
    /// The TLS handshake failed: a certificate not trusted or not for this
    /// name, or a plain-HTTP server addressed as `https://`.
    Tls { detail: String },
    /// No answer within the request timeout.
    Timeout,
    /// Any other failure to connect (network unreachable, a resolver that
    /// failed for now): worth another try.
    Connect { detail: String },
    /// The connection broke after the request may have been sent.
    Dropped { detail: String },
}

impl TransportFailure {
    /// Reads reqwest's error chain. `url` tells whether TLS was in play.
    pub fn classify(error: &reqwest::Error, url: &str) -> TransportFailure {
        let chain = ErrorChain::of(error);
        if error.is_timeout() {
            return TransportFailure::Timeout;
        }
        if chain.has_io_kind(std::io::ErrorKind::ConnectionRefused) {
            return TransportFailure::Refused;
        }
        let detail = chain.innermost();
        if !error.is_connect() {
            return TransportFailure::Dropped { detail };
        }
        if chain.mentions("dns error") || chain.mentions("error resolving dns") {
            // getaddrinfo's EAI_AGAIN: the resolver failed for now, not the name.
            return if chain.mentions("temporary failure") {
                TransportFailure::Connect { detail }
            } else {
                TransportFailure::UnknownHost { detail }
            };
        }
        if chain.mentions("tcp connect error") || !url.starts_with("https://") {
            return TransportFailure::Connect { detail };
        }
        TransportFailure::Tls { detail }
    }

    /// Whether another attempt could get through. The ones that fail before
    /// the request leaves and stay failed are not retried.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            TransportFailure::Timeout
                | TransportFailure::Connect { .. }
                | TransportFailure::Dropped { .. }
        )
    }

    /// The failure and, when there is one, its hint: "connection refused —
    /// is `resold sandbox serve --addr 127.0.0.1:8787` running? ...".
    pub fn with_hint(&self, url: &str) -> String {
        match self.hint(url) {
            Some(hint) => format!("{self} — {hint}"),
            None => self.to_string(),
        }
    }

    /// What to do about it, given the URL that failed.
    pub fn hint(&self, url: &str) -> Option<String> {
        let target = Target::of(url);
        match self {
            TransportFailure::Refused if target.loopback => Some(format!(
                "is `resold sandbox serve --addr {}` running? (`provider.endpoint` in the config names it)",
                target.authority
            )),
            TransportFailure::Refused => Some(
                "check `provider.endpoint` in the config, or the proxy in HTTPS_PROXY".to_string(),
            ),
            TransportFailure::UnknownHost { .. } if target.google => Some(
                "check this machine's DNS and network; Google's APIs need outbound HTTPS"
                    .to_string(),
            ),
            TransportFailure::UnknownHost { .. } => {
                Some("check the host name in `provider.endpoint`".to_string())
            }
            TransportFailure::Tls { .. } if target.loopback => Some(format!(
                "a sandbox speaks plain HTTP: use http://{} in `provider.endpoint`",
                target.authority
            )),
            TransportFailure::Tls { .. } => Some(
                "a proxy that intercepts TLS needs its certificate authority in the system trust store"
                    .to_string(),
            ),
            TransportFailure::Timeout
            | TransportFailure::Connect { .. }
            | TransportFailure::Dropped { .. } => None,
        }
    }
}

impl std::fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportFailure::Refused => f.write_str("connection refused"),
            TransportFailure::UnknownHost { detail } => write!(f, "unknown host ({detail})"),
            TransportFailure::Tls { detail } => write!(f, "TLS handshake failed ({detail})"),
            TransportFailure::Timeout => f.write_str("no answer before the timeout"),
            TransportFailure::Connect { detail } => write!(f, "cannot connect ({detail})"),
            TransportFailure::Dropped { detail } => write!(f, "connection dropped ({detail})"),
        }
    }
}

/// Logs one attempt: its status, or why it got none.
pub fn log_attempt(
    call: &Call,
    attempt: u32,
    elapsed: Duration,
    outcome: Result<u16, &TransportFailure>,
) {
    let path = url_path(&call.url);
    let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    let retry = attempt.saturating_sub(1);
    // One field list for the three outcomes; tracing wants its level fixed
    // at each call site.
    macro_rules! attempt_event {
        ($level:ident, $message:literal, $($outcome:tt)+) => {
            tracing::$level!(
                target: LOG_TARGET,
                method = %call.method_id,
                verb = %call.verb,
                path = %path,
                $($outcome)+,
                ms,
                retry,
                $message
            )
        };
    }
    match outcome {
        Ok(status) if status < 400 => attempt_event!(debug, "google call", status),
        Ok(status) => attempt_event!(info, "google call failed", status),
        Err(failure) => attempt_event!(info, "google call got no answer", %failure),
    }
}

/// The path of a URL, never its query (which `Call` keeps apart anyway).
fn url_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => "<unparsable url>".to_string(),
    }
}

/// The parts of a failed URL that decide the hint.
struct Target {
    authority: String,
    loopback: bool,
    google: bool,
}

impl Target {
    fn of(url: &str) -> Target {
        let parsed = url::Url::parse(url).ok();
        let host = parsed.as_ref().and_then(|u| u.host());
        let loopback = match &host {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        let google =
            matches!(&host, Some(url::Host::Domain(name)) if name.ends_with(".googleapis.com"));
        let authority = parsed
            .as_ref()
            .map(|u| match (u.host_str(), u.port_or_known_default()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                _ => url.to_string(),
            })
            .unwrap_or_else(|| url.to_string());
        Target {
            authority,
            loopback,
            google,
        }
    }
}

/// An error and its sources, as text and as `io::Error` kinds.
struct ErrorChain<'a> {
    links: Vec<&'a (dyn std::error::Error + 'static)>,
}

impl<'a> ErrorChain<'a> {
    fn of(error: &'a (dyn std::error::Error + 'static)) -> ErrorChain<'a> {
        let mut links = vec![error];
        let mut next = error.source();
        while let Some(cause) = next {
            links.push(cause);
            next = cause.source();
        }
        ErrorChain { links }
    }

    fn has_io_kind(&self, kind: std::io::ErrorKind) -> bool {
        self.links.iter().any(|link| {
            link.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == kind)
        })
    }

    fn mentions(&self, needle: &str) -> bool {
        self.links
            .iter()
            .any(|link| link.to_string().to_ascii_lowercase().contains(needle))
    }

    /// The root cause's message: reqwest's own ("error sending request")
    /// says nothing.
    fn innermost(&self) -> String {
        self.links
            .last()
            .map(|link| link.to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn failure_of(url: &str) -> TransportFailure {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let error = client.get(url).send().await.expect_err("no server");
        TransportFailure::classify(&error, url)
    }

    /// A loopback port nobody listens on.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_sandbox_command_and_is_not_retried() {
        let port = closed_port();
        let url = format!("http://127.0.0.1:{port}/v1/accounts/A/offers");
        let failure = failure_of(&url).await;
        assert_eq!(failure, TransportFailure::Refused);
        assert!(!failure.is_retryable());
        let hint = failure.hint(&url).expect("a hint");
        assert!(
            hint.contains(&format!("resold sandbox serve --addr 127.0.0.1:{port}")),
            "{hint}"
        );
    }

    #[tokio::test]
    async fn https_to_a_plain_http_server_is_a_tls_failure_with_the_http_url_as_hint() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let url = format!("https://127.0.0.1:{port}/v1/accounts/A/offers");
        let failure = failure_of(&url).await;
        assert!(
            matches!(failure, TransportFailure::Tls { .. }),
            "{failure:?}"
        );
        assert!(!failure.is_retryable());
        let hint = failure.hint(&url).expect("a hint");
        assert!(hint.contains(&format!("http://127.0.0.1:{port}")), "{hint}");
    }

    #[tokio::test]
    async fn a_connection_closed_mid_request_is_dropped_and_retryable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        let failure = failure_of(&format!("http://127.0.0.1:{port}/x")).await;
        assert!(
            matches!(failure, TransportFailure::Dropped { .. }),
            "{failure:?}"
        );
        assert!(failure.is_retryable());
    }

    #[derive(Debug)]
    struct Link(&'static str, Option<Box<Link>>);

    impl std::fmt::Display for Link {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Link {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn chains_are_read_to_the_root_cause() {
        let chain = Link(
            "client error (Connect)",
            Some(Box::new(Link(
                "dns error",
                Some(Box::new(Link(
                    "failed to lookup address information: Name or service not known",
                    None,
                ))),
            ))),
        );
        let links = ErrorChain::of(&chain);
        assert!(links.mentions("dns error"));
        assert!(links.innermost().contains("Name or service not known"));
    }

    #[test]
    fn hints_tell_google_from_a_custom_endpoint() {
        let unknown = TransportFailure::UnknownHost {
            detail: "no such host".into(),
        };
        let google = unknown
            .hint("https://cloudchannel.googleapis.com/v1/x")
            .expect("hint");
        assert!(google.contains("DNS"), "{google}");
        let custom = unknown
            .hint("http://sandbox.internal:8787/v1/x")
            .expect("hint");
        assert!(custom.contains("provider.endpoint"), "{custom}");
        let refused = TransportFailure::Refused
            .hint("http://localhost:8787/v1/x")
            .expect("hint");
        assert!(refused.contains("--addr localhost:8787"), "{refused}");
    }

    #[test]
    fn only_the_path_is_logged() {
        assert_eq!(
            url_path("http://127.0.0.1:8787/v1/accounts/A/customers?filter=domain%3Da.se"),
            "/v1/accounts/A/customers"
        );
    }
}
