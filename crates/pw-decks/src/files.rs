//! The decks a workspace has built: each file a version of its deck (by name and format), the
//! bytes in the content-addressed blob store, with the spec it was built from, every figure it
//! showed and what moved since the version before.

use chrono::{DateTime, Utc};
use pw_domain::WorkspaceId;
use pw_store::{Database, format_instant, now_instant, parse_stored_instant};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::DeckError;
use crate::figures::{Changes, Figure, changes};

/// A deck file as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeckFile {
    pub id: String,
    pub workspace_id: WorkspaceId,
    /// The deck's title, which versions are counted under.
    pub name: String,
    /// `pptx`, `xlsx` or `pdf`: also the file's extension.
    pub format: String,
    /// 1 for the first build of this deck in this format.
    pub version: i64,
    pub sha256: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    /// What moved since the version before; `None` for a first version.
    pub changes: Option<Changes>,
}

/// The most bytes of a deck's name a file name keeps: file systems allow 255 bytes a name
/// (UTF-8 on Linux and macOS, where "é" takes two and "日" three), and a version, a date,
/// " (12)" and the extension need room.
const LONGEST_NAME_IN_FILE: usize = 150;

/// A deck's name as the start of a file name on any system: the characters Windows, macOS or
/// Linux refuse replaced by "-", a long name cut.
pub fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut end = safe.len().min(LONGEST_NAME_IN_FILE);
    while !safe.is_char_boundary(end) {
        end -= 1;
    }
    safe[..end].trim().to_owned()
}

impl DeckFile {
    /// "Halcyon Roasters review v3.pptx", with the characters file systems refuse replaced.
    pub fn file_name(&self) -> String {
        format!(
            "{}.{}",
            Self::stem_of(&self.name, self.version),
            self.format
        )
    }

    /// "Halcyon Roasters review v3": a deck's name and version as a file name's stem.
    pub fn stem_of(name: &str, version: i64) -> String {
        format!("{} v{version}", file_safe(name))
    }
}

/// A file to keep: what was built, from which spec, showing which figures.
pub struct NewDeckFile<'a> {
    pub workspace: WorkspaceId,
    pub name: &'a str,
    pub format: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
    pub spec: &'a serde_json::Value,
    pub figures: &'a [Figure],
}

pub struct DeckFiles<'a> {
    db: &'a Database,
}

fn unreadable(column: &'static str, error: impl std::fmt::Display) -> DeckError {
    DeckError::Store(pw_store::StoreError::UnreadableValue {
        column,
        reason: error.to_string(),
    })
}

fn stored(error: sqlx::Error) -> DeckError {
    DeckError::Store(error.into())
}

impl<'a> DeckFiles<'a> {
    pub fn new(db: &'a Database) -> Self {
        DeckFiles { db }
    }

    /// Keeps a built file as the next version of its deck, with what moved since the last
    /// one. The blob and the row are written in one transaction, so a failure keeps neither
    /// row (a blob written before a failure is content-addressed and harmless).
    pub async fn keep(&self, file: NewDeckFile<'_>) -> Result<DeckFile, DeckError> {
        let mut tx = self.db.begin_write().await?;
        let previous = sqlx::query(
            "SELECT version, figures FROM deck_files
             WHERE workspace_id = ? AND name = ? AND format = ?
             ORDER BY version DESC LIMIT 1",
        )
        .bind(file.workspace.to_string())
        .bind(file.name)
        .bind(file.format)
        .fetch_optional(&mut *tx)
        .await
        .map_err(stored)?;
        let (version, moved) = match previous {
            Some(row) => {
                let figures: String = row.try_get("figures").map_err(stored)?;
                let before: Vec<Figure> =
                    serde_json::from_str(&figures).map_err(|e| unreadable("figures", e))?;
                let version: i64 = row.try_get("version").map_err(stored)?;
                (version + 1, Some(changes(&before, file.figures)))
            }
            None => (1, None),
        };
        let sha256 = self
            .db
            .blobs()
            .put(&mut *tx, file.bytes, file.media_type)
            .await?;
        let id = pw_domain::new_id();
        let created_at = now_instant();
        let json = |value: serde_json::Result<String>, column: &'static str| {
            value.map_err(|e| unreadable(column, e))
        };
        sqlx::query(
            "INSERT INTO deck_files (id, workspace_id, name, format, version, blob_sha256,
                size_bytes, spec, figures, changes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(file.workspace.to_string())
        .bind(file.name)
        .bind(file.format)
        .bind(version)
        .bind(&sha256)
        .bind(file.bytes.len() as i64)
        .bind(json(serde_json::to_string(file.spec), "spec")?)
        .bind(json(serde_json::to_string(file.figures), "figures")?)
        .bind(
            moved
                .as_ref()
                .map(|c| json(serde_json::to_string(c), "changes"))
                .transpose()?,
        )
        .bind(format_instant(created_at))
        .execute(&mut *tx)
        .await
        .map_err(stored)?;
        tx.commit().await.map_err(stored)?;
        Ok(DeckFile {
            id,
            workspace_id: file.workspace,
            name: file.name.to_owned(),
            format: file.format.to_owned(),
            version,
            sha256,
            size_bytes: file.bytes.len() as i64,
            created_at: parse_stored_instant("created_at", &format_instant(created_at))?,
            changes: moved,
        })
    }

    /// The version the next build of this deck in this format will be kept as.
    pub async fn next_version(
        &self,
        workspace: WorkspaceId,
        name: &str,
        format: &str,
    ) -> Result<i64, DeckError> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(version) FROM deck_files WHERE workspace_id = ? AND name = ? AND format = ?",
        )
        .bind(workspace.to_string())
        .bind(name)
        .bind(format)
        .fetch_one(self.db.reader())
        .await
        .map_err(stored)?;
        Ok(last.unwrap_or(0) + 1)
    }

    /// The workspace's deck files, newest first.
    pub async fn list(&self, workspace: WorkspaceId) -> Result<Vec<DeckFile>, DeckError> {
        let rows = sqlx::query(
            "SELECT id, workspace_id, name, format, version, blob_sha256, size_bytes, created_at,
                    changes
             FROM deck_files WHERE workspace_id = ?
             ORDER BY created_at DESC, version DESC",
        )
        .bind(workspace.to_string())
        .fetch_all(self.db.reader())
        .await
        .map_err(stored)?;
        rows.iter().map(deck_file).collect()
    }

    /// One file, within the workspace.
    pub async fn get(&self, workspace: WorkspaceId, id: &str) -> Result<DeckFile, DeckError> {
        let row = sqlx::query(
            "SELECT id, workspace_id, name, format, version, blob_sha256, size_bytes, created_at,
                    changes
             FROM deck_files WHERE workspace_id = ? AND id = ?",
        )
        .bind(workspace.to_string())
        .bind(id)
        .fetch_optional(self.db.reader())
        .await
        .map_err(stored)?;
        match row {
            Some(row) => deck_file(&row),
            None => Err(DeckError::NotFound(format!(
                "no deck file {id} in this workspace"
            ))),
        }
    }

    /// The file's bytes, checked against their hash.
    pub async fn bytes(&self, file: &DeckFile) -> Result<Vec<u8>, DeckError> {
        Ok(self.db.blobs().get(&file.sha256).await?)
    }
}

fn deck_file(row: &sqlx::sqlite::SqliteRow) -> Result<DeckFile, DeckError> {
    let text = |column: &'static str| row.try_get::<String, _>(column).map_err(stored);
    let changes: Option<String> = row.try_get("changes").map_err(stored)?;
    Ok(DeckFile {
        id: text("id")?,
        workspace_id: text("workspace_id")?
            .parse()
            .map_err(|e| unreadable("deck_files.workspace_id", e))?,
        name: text("name")?,
        format: text("format")?,
        version: row.try_get("version").map_err(stored)?,
        sha256: text("blob_sha256")?,
        size_bytes: row.try_get("size_bytes").map_err(stored)?,
        created_at: parse_stored_instant("deck_files.created_at", &text("created_at")?)?,
        changes: changes
            .map(|c| serde_json::from_str(&c).map_err(|e| unreadable("deck_files.changes", e)))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_name_in_any_script_fits_a_file_name() {
        assert_eq!(super::file_safe("Q4: review / draft"), "Q4- review - draft");
        for long in [
            "x".repeat(400),
            "日本語のレビュー".repeat(40),
            "é".repeat(300),
        ] {
            let safe = super::file_safe(&long);
            assert!(safe.len() <= 150, "{} bytes", safe.len());
            assert!(long.starts_with(&safe));
        }
    }
}
