//! Opening a connection: TLS per the settings, the password added only
//! here, the driver's background task spawned on the current runtime. Each
//! connection has a role (data or lock), so that losing it is reported for
//! what it means: a lost lock connection means the locks are gone.

use tokio_postgres::{Client, NoTls};

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
            .client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .map_err(|source| connection.error("start a session", source))?;
        connection.backend_pid = row.get(0);
        Ok(connection)
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
