//! The tables, created and migrated by resold itself, versioned in a `meta`
//! table so that an older resold refuses a schema a newer one wrote rather
//! than misreading it.
//!
//! Two processes opening a fresh schema at once are serialised by a
//! *transaction* advisory lock keyed by the schema's name, in the one-key
//! (bigint) space the two-key run locks never use. Unrelated schemas take
//! different keys, so creating one never waits for another — the mistake of
//! Terraform's `pg` backend, whose one global creation lock blocked every
//! project on the server (hashicorp/terraform #33217). The lock ends with
//! the transaction; an open that finds the current version takes no lock.

use super::PostgresError;
use super::connect::{Connection, ConnectionRole, lost_or_refused};
use super::lock::keys;
use super::store::quote_ident;

/// The version this resold writes; it reads no other.
pub const SCHEMA_VERSION: i64 = 1;

/// `MIGRATIONS[n]` takes a schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; 1] = [include_str!("schema_v1.sql")];

pub(super) async fn ensure(conn: &mut Connection, schema: &str) -> Result<(), PostgresError> {
    if current_version(conn, schema).await? == Some(SCHEMA_VERSION) {
        return Ok(());
    }
    let ident = quote_ident(schema);
    let role = conn.role;
    let error = |action| move |source| lost_or_refused(role, action, source);
    let tx = conn
        .client
        .transaction()
        .await
        .map_err(error("begin the schema migration"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&keys::migration_key(schema)],
    )
    .await
    .map_err(error("lock the schema for its migration"))?;
    // Creating a schema needs CREATE on the database even when it exists, so
    // an existing one (made by a database owner for resold) is left alone.
    let exists: bool = tx
        .query_one("SELECT to_regnamespace($1) IS NOT NULL", &[&schema])
        .await
        .map_err(error("look for the schema"))?
        .get(0);
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {ident}"))
            .await
            .map_err(error("create the schema"))?;
    }
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {ident}.meta (name text PRIMARY KEY, value text NOT NULL)"
    ))
    .await
    .map_err(error("create the meta table"))?;
    let found = read_version(&tx, &ident, schema).await?.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(too_new(schema, found));
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(
            schema,
            from,
            to = from + 1,
            "migrating the PostgreSQL state schema"
        );
        tx.batch_execute(&migration.replace("{s}", &ident))
            .await
            .map_err(error("migrate the schema"))?;
    }
    tx.execute(
        &format!(
            "INSERT INTO {ident}.meta (name, value) VALUES ('schema_version', $1), ('written_by', $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        ),
        &[&SCHEMA_VERSION.to_string(), &concat!("resold ", env!("CARGO_PKG_VERSION"))],
    )
    .await
    .map_err(error("record the schema version"))?;
    tx.commit()
        .await
        .map_err(error("commit the schema migration"))
}

/// The stored version without taking any lock; `None` when there is no
/// meta table yet. A version newer than this resold's is an error here.
async fn current_version(conn: &Connection, schema: &str) -> Result<Option<i64>, PostgresError> {
    let ident = quote_ident(schema);
    let has_meta: bool = conn
        .client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{ident}.meta")],
        )
        .await
        .map_err(|source| conn.error("look for the meta table", source))?
        .get(0);
    if !has_meta {
        return Ok(None);
    }
    let found = read_version(&conn.client, &ident, schema).await?;
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(too_new(schema, found)),
        found => Ok(found),
    }
}

async fn read_version(
    client: &impl tokio_postgres::GenericClient,
    ident: &str,
    schema: &str,
) -> Result<Option<i64>, PostgresError> {
    let row = client
        .query_opt(
            &format!("SELECT value FROM {ident}.meta WHERE name = 'schema_version'"),
            &[],
        )
        .await
        .map_err(|source| {
            lost_or_refused(ConnectionRole::Data, "read the schema version", source)
        })?;
    let Some(row) = row else { return Ok(None) };
    let text: String = row.get(0);
    text.parse()
        .map(Some)
        .map_err(|_| PostgresError::SchemaUnreadable {
            schema: schema.to_string(),
            reason: format!("schema_version is {text:?}, not a number"),
        })
}

fn too_new(schema: &str, found: i64) -> PostgresError {
    PostgresError::SchemaTooNew {
        schema: schema.to_string(),
        found,
        supported: SCHEMA_VERSION,
    }
}
