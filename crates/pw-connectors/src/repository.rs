//! The connectors context's tables over `pw-store`'s `Database`: connections (`platform_connections`),
//! the accounts each reaches, stream cursors and sync runs. Typed at the edge: platforms,
//! statuses and currencies are read back as their types, and a stored value this build cannot
//! read is an error, never a default.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{AdAccountId, Currency, MetricLevel, Platform, WorkspaceId};
use pw_store::{Database, parse_stored, parse_stored_instant};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::error::{ConnectorError, Result};
use crate::records::RemoteAccount;

/// Whether a connection can sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    Connected,
    /// The platform no longer accepts its token: only connecting again fixes it.
    NeedsReauth,
    Disconnected,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::NeedsReauth => "needs_reauth",
            ConnectionStatus::Disconnected => "disconnected",
        }
    }
}

impl std::str::FromStr for ConnectionStatus {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "connected" => Ok(ConnectionStatus::Connected),
            "needs_reauth" => Ok(ConnectionStatus::NeedsReauth),
            "disconnected" => Ok(ConnectionStatus::Disconnected),
            other => Err(format!("'{other}' is not a connection status")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// A pasted long-lived or system-user token.
    Token,
    /// The OAuth flow in the system browser, with a refresh token.
    Oauth,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Token => "token",
            AuthKind::Oauth => "oauth",
        }
    }
}

impl std::str::FromStr for AuthKind {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "token" => Ok(AuthKind::Token),
            "oauth" => Ok(AuthKind::Oauth),
            other => Err(format!("'{other}' is not a way of connecting")),
        }
    }
}

/// A workspace's connection to one platform login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub platform: Platform,
    pub label: String,
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
    pub auth_kind: AuthKind,
    /// Where its API is, when not the platform's own hosts (a sandbox).
    pub api_root: Option<String>,
    pub paused_until: Option<DateTime<Utc>>,
    pub sync_cron: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An account a connection can read, and whether it syncs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionAccount {
    pub account: RemoteAccount,
    pub selected: bool,
}

type ConnectionColumns = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

const CONNECTION_COLUMNS: &str =
    "id, workspace_id, platform, label, status, status_reason, auth_kind, api_root,
     paused_until, sync_cron, last_synced_at, created_at";

fn connection_of(row: ConnectionColumns) -> Result<Connection> {
    let (
        id,
        workspace_id,
        platform,
        label,
        status,
        status_reason,
        auth_kind,
        api_root,
        paused_until,
        sync_cron,
        last_synced_at,
        created_at,
    ) = row;
    let instant = |column: &'static str, value: Option<String>| -> Result<Option<DateTime<Utc>>> {
        value
            .map(|v| parse_stored_instant(column, &v))
            .transpose()
            .map_err(Into::into)
    };
    Ok(Connection {
        workspace_id: parse_stored("workspace_id", &workspace_id)?,
        platform: parse_stored("platform", &platform)?,
        label,
        status: parse_stored("status", &status)?,
        status_reason,
        auth_kind: parse_stored("auth_kind", &auth_kind)?,
        api_root,
        paused_until: instant("paused_until", paused_until)?,
        sync_cron,
        last_synced_at: instant("last_synced_at", last_synced_at)?,
        created_at: parse_stored_instant("created_at", &created_at)?,
        id,
    })
}

/// The connectors context's repositories.
#[derive(Clone)]
pub struct ConnectionStore {
    db: Database,
}

impl ConnectionStore {
    pub fn new(db: Database) -> Self {
        ConnectionStore { db }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub async fn insert(&self, connection: &Connection) -> Result<()> {
        sqlx::query(
            "INSERT INTO platform_connections (id, workspace_id, platform, label, status, status_reason, keychain_entry,
             auth_kind, api_root, sync_cron, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&connection.id)
        .bind(connection.workspace_id.to_string())
        .bind(connection.platform.as_str())
        .bind(&connection.label)
        .bind(connection.status.as_str())
        .bind(&connection.status_reason)
        .bind(format!("connector/{}", connection.id))
        .bind(connection.auth_kind.as_str())
        .bind(&connection.api_root)
        .bind(&connection.sync_cron)
        .bind(pw_store::format_instant(connection.created_at))
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    pub async fn connection(&self, id: &str) -> Result<Connection> {
        let row: Option<ConnectionColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CONNECTION_COLUMNS} FROM platform_connections WHERE id = ?"
        )))
        .bind(id)
        .fetch_optional(self.db.reader())
        .await?;
        row.map(connection_of)
            .transpose()?
            .ok_or_else(|| ConnectorError::ConnectionNotFound(id.to_owned()))
    }

    /// A workspace's connections (all workspaces' when `None`), oldest first.
    pub async fn connections(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Connection>> {
        let rows: Vec<ConnectionColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CONNECTION_COLUMNS} FROM platform_connections
             WHERE ?1 IS NULL OR workspace_id = ?1 ORDER BY created_at, id"
        )))
        .bind(workspace.map(|w| w.to_string()))
        .fetch_all(self.db.reader())
        .await?;
        rows.into_iter().map(connection_of).collect()
    }

    /// Removes a connection with its accounts, cursors and runs. The ad data it synced stays
    /// (its accounts no longer name it).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let removed = sqlx::query("DELETE FROM platform_connections WHERE id = ?")
            .bind(id)
            .execute(self.db.writer())
            .await?;
        if removed.rows_affected() == 0 {
            return Err(ConnectorError::ConnectionNotFound(id.to_owned()));
        }
        Ok(())
    }

    pub async fn set_status(
        &self,
        id: &str,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE platform_connections SET status = ?, status_reason = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(reason)
            .bind(id)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    pub async fn set_paused_until(&self, id: &str, until: Option<DateTime<Utc>>) -> Result<()> {
        sqlx::query("UPDATE platform_connections SET paused_until = ? WHERE id = ?")
            .bind(until.map(pw_store::format_instant))
            .bind(id)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    pub async fn set_synced(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE platform_connections SET last_synced_at = ? WHERE id = ?")
            .bind(pw_store::format_instant(at))
            .bind(id)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    pub async fn set_sync_cron(&self, id: &str, cron: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE platform_connections SET sync_cron = ? WHERE id = ?")
            .bind(cron)
            .bind(id)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    /// Records the accounts the platform lists now. Accounts seen before keep their selection;
    /// new ones are selected.
    pub async fn save_accounts(
        &self,
        connection: &Connection,
        accounts: &[RemoteAccount],
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let now = pw_store::now_rfc3339();
        for account in accounts {
            sqlx::query(
                "INSERT INTO connection_accounts (connection_id, workspace_id, external_id, name, currency, time_zone,
                 via_manager, selected, discovered_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                 ON CONFLICT (connection_id, external_id) DO UPDATE SET name = excluded.name,
                 currency = excluded.currency, time_zone = excluded.time_zone, via_manager = excluded.via_manager",
            )
            .bind(&connection.id)
            .bind(connection.workspace_id.to_string())
            .bind(&account.external_id)
            .bind(&account.name)
            .bind(account.currency.as_str())
            .bind(&account.time_zone)
            .bind(&account.via_manager)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn accounts(&self, connection_id: &str) -> Result<Vec<ConnectionAccount>> {
        let rows: Vec<(String, String, String, String, Option<String>, bool)> = sqlx::query_as(
            "SELECT external_id, name, currency, time_zone, via_manager, selected FROM connection_accounts
             WHERE connection_id = ? ORDER BY name, external_id",
        )
        .bind(connection_id)
        .fetch_all(self.db.reader())
        .await?;
        rows.into_iter()
            .map(
                |(external_id, name, currency, time_zone, via_manager, selected)| {
                    Ok(ConnectionAccount {
                        account: RemoteAccount {
                            external_id,
                            name,
                            currency: parse_stored::<Currency>("currency", &currency)?,
                            time_zone,
                            via_manager,
                        },
                        selected,
                    })
                },
            )
            .collect()
    }

    /// Chooses which accounts sync; every listed id must be one of the connection's.
    pub async fn select_accounts(&self, connection_id: &str, selected: &[String]) -> Result<()> {
        let known = self.accounts(connection_id).await?;
        if let Some(unknown) = selected
            .iter()
            .find(|id| !known.iter().any(|a| &a.account.external_id == *id))
        {
            return Err(ConnectorError::Invalid(format!(
                "this connection cannot reach an account {unknown}"
            )));
        }
        let mut tx = self.db.begin_write().await?;
        for account in &known {
            sqlx::query("UPDATE connection_accounts SET selected = ? WHERE connection_id = ? AND external_id = ?")
                .bind(selected.contains(&account.account.external_id))
                .bind(connection_id)
                .bind(&account.account.external_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn cursor(
        &self,
        connection_id: &str,
        account: &str,
        stream: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT cursor FROM sync_cursors WHERE connection_id = ? AND account_external_id = ? AND stream = ?",
        )
        .bind(connection_id)
        .bind(account)
        .bind(stream)
        .fetch_optional(self.db.reader())
        .await?)
    }

    pub async fn clear_cursors(&self, connection_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sync_cursors WHERE connection_id = ?")
            .bind(connection_id)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    /// The stored ids of an account's entities at `level`, by the platform's id.
    pub async fn entity_ids(
        &self,
        ad_account_id: AdAccountId,
        level: MetricLevel,
    ) -> Result<HashMap<String, uuid::Uuid>> {
        let sql = match level {
            MetricLevel::Account => return Ok(HashMap::new()),
            MetricLevel::Campaign => "SELECT c.external_id, c.id FROM campaigns c WHERE c.ad_account_id = ?",
            MetricLevel::AdGroup => {
                "SELECT g.external_id, g.id FROM ad_groups g JOIN campaigns c ON c.id = g.campaign_id
                 WHERE c.ad_account_id = ?"
            }
            MetricLevel::Ad => {
                "SELECT a.external_id, a.id FROM ads a JOIN ad_groups g ON g.id = a.ad_group_id
                 JOIN campaigns c ON c.id = g.campaign_id WHERE c.ad_account_id = ?"
            }
        };
        let rows: Vec<(String, String)> = sqlx::query_as(sql)
            .bind(ad_account_id.to_string())
            .fetch_all(self.db.reader())
            .await?;
        rows.into_iter()
            .map(|(external, id)| Ok((external, parse_stored::<uuid::Uuid>("id", &id)?)))
            .collect()
    }

    /// The stored ids of an account's creatives, by the platform's id.
    pub async fn creative_ids(
        &self,
        ad_account_id: AdAccountId,
    ) -> Result<HashMap<String, uuid::Uuid>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT external_id, id FROM creatives WHERE ad_account_id = ?")
                .bind(ad_account_id.to_string())
                .fetch_all(self.db.reader())
                .await?;
        rows.into_iter()
            .map(|(external, id)| Ok((external, parse_stored::<uuid::Uuid>("id", &id)?)))
            .collect()
    }
}

/// Writes a stream's cursor inside the transaction of the rows it covers.
pub async fn put_cursor(
    tx: &mut SqliteConnection,
    connection: &Connection,
    account: &str,
    stream: &str,
    cursor: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_cursors (connection_id, workspace_id, account_external_id, stream, cursor, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (connection_id, account_external_id, stream) DO UPDATE SET cursor = excluded.cursor,
         updated_at = excluded.updated_at",
    )
    .bind(&connection.id)
    .bind(connection.workspace_id.to_string())
    .bind(account)
    .bind(stream)
    .bind(cursor)
    .bind(pw_store::now_rfc3339())
    .execute(tx)
    .await?;
    Ok(())
}

/// Names the connection on its accounts' rows.
pub async fn link_account(
    tx: &mut Transaction<'static, Sqlite>,
    ad_account_id: AdAccountId,
    connection_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE ad_accounts SET connection_id = ? WHERE id = ?")
        .bind(connection_id)
        .bind(ad_account_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A report stream's cursor: the last day stored, and the first day a run that stopped
/// before its window's end did not reach (the next sync reads from there, however far below
/// the restatement window it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCursor {
    pub synced_through: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_from: Option<NaiveDate>,
}

/// An entity stream's cursor: the newest change time seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityCursor {
    pub changed_since: DateTime<Utc>,
}
