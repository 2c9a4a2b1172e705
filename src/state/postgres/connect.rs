//! Opening a connection: TLS per the settings, the password added only
//! here, the driver's background task spawned on the current runtime. Each
//! connection has a role (data or lock), so that losing it is reported for
//! what it means: a lost lock connection means the locks are gone.

use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use super::PostgresError;
use super::settings::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRole {
    /// Reads and writes, in short transactions.
    Data,
    /// Holds the session advisory locks, and nothing else.
    Lock,
}

impl std::fmt::Display for ConnectionRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConnectionRole::Data => "data connection",
            ConnectionRole::Lock => "lock connection",
        })
    }
}

/// An open connection and the server session behind it.
pub(super) struct Connection {
    pub client: Client,
    pub role: ConnectionRole,
    /// `pg_backend_pid()` when it was opened.
    pub backend_pid: i32,
}

impl Connection {
    pub async fn open(
        endpoint: &Endpoint,
        role: ConnectionRole,
        application_name: &str,
    ) -> Result<Connection, PostgresError> {
        let mut config = endpoint.config.clone();
        config.application_name(application_name);
        if let Some(password) = &endpoint.password {
            config.password(password.expose());
        }
        let connect_error = |source| PostgresError::Connect {
            role,
            target: endpoint.shown.clone(),
            credentials: format!("{}, {}", endpoint.tls, endpoint.password_source),
            source,
        };
        let client = match endpoint.tls.client_config()? {
            None => {
                let (client, connection) = config.connect(NoTls).await.map_err(connect_error)?;
                tokio::spawn(drive(connection));
                client
            }
            Some(tls) => {
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
                let (client, connection) = config.connect(tls).await.map_err(connect_error)?;
                tokio::spawn(drive(connection));
                client
            }
        };
        let mut connection = Connection {
            client,
            role,
            backend_pid: 0,
        };
        let row = connection
            .simple_row("start a session", "SELECT pg_backend_pid()")
            .await?;
        connection.backend_pid = column(&row, 0, "start a session")?;
        Ok(connection)
    }

    /// The first row of `sql`, as text, sent with the simple query protocol:
    /// one message and no prepared statement, so each statement stands on
    /// its own even behind a proxy that moves statements between server
    /// sessions (which the lock checks then catch). `sql` must hold no
    /// value from outside resold: callers inline only numbers and UUIDs.
    pub async fn simple_row(
        &self,
        action: &'static str,
        sql: &str,
    ) -> Result<Vec<Option<String>>, PostgresError> {
        let messages = self
            .client
            .simple_query(sql)
            .await
            .map_err(|source| self.error(action, source))?;
        messages
            .iter()
            .find_map(|message| match message {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .ok_or(PostgresError::UnexpectedReply {
                action,
                reply: "no row".into(),
            })
    }

    /// The error for a failed statement: a lost connection is named as
    /// such, anything else is the server refusing `action`.
    pub fn error(&self, action: &'static str, source: tokio_postgres::Error) -> PostgresError {
        lost_or_refused(self.role, action, source)
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Column `index` of a `simple_row` reply, parsed.
pub(super) fn column<T: std::str::FromStr>(
    row: &[Option<String>],
    index: usize,
    action: &'static str,
) -> Result<T, PostgresError> {
    let text = row.get(index).and_then(Option::as_deref);
    text.and_then(|text| text.parse().ok())
        .ok_or_else(|| PostgresError::UnexpectedReply {
            action,
            reply: format!("column {index} is {text:?}"),
        })
}

/// A `simple_row` boolean column (`t`/`f`).
pub(super) fn flag(row: &[Option<String>], index: usize) -> bool {
    row.get(index).and_then(Option::as_deref) == Some("t")
}

pub(super) fn lost_or_refused(
    role: ConnectionRole,
    action: &'static str,
    source: tokio_postgres::Error,
) -> PostgresError {
    if is_connection_loss(&source) {
        PostgresError::ConnectionLost {
            role,
            action,
            source,
        }
    } else if source.code() == Some(&tokio_postgres::error::SqlState::INVALID_SQL_STATEMENT_NAME) {
        // A statement prepared on one server session and run on another.
        PostgresError::Pooled {
            role,
            action,
            source,
        }
    } else {
        PostgresError::Query { action, source }
    }
}

/// The connection is gone (closed, broken, or the server is shutting down),
/// as opposed to a statement the server refused.
fn is_connection_loss(error: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    if error.is_closed() {
        return true;
    }
    if let Some(code) = error.code() {
        return [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::CONNECTION_FAILURE,
            SqlState::CONNECTION_EXCEPTION,
        ]
        .contains(code);
    }
    std::error::Error::source(error).is_some_and(|cause| cause.is::<std::io::Error>())
}

/// The driver's half of a connection. Its end (a server restart, a
/// terminated session) shows up on the client side as closed: every later
/// statement fails and is reported as a lost connection.
async fn drive<S, T>(connection: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if let Err(error) = connection.await {
        tracing::debug!(%error, "PostgreSQL connection ended");
    }
}
