//! Application settings: one JSON value per key in `app_settings`. Each context owns its keys
//! (`llm.*` and `traces.*` are the language models'); the table and its reading are shared.

use serde_json::Value;

use crate::clock::now_rfc3339;
use crate::database::Database;
use crate::error::{Result, StoreError};

impl Database {
    pub async fn app_setting(&self, key: &str) -> Result<Option<Value>> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT value FROM app_settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self.reader())
                .await?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::InvalidInput(format!("setting {key}: {e}")))
        })
        .transpose()
    }

    pub async fn set_app_setting(&self, key: &str, value: &Value) -> Result<()> {
        sqlx::query(
            "INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value.to_string())
        .bind(now_rfc3339())
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
