//! Typed values at the repositories' edge. Columns hold text (ids, stored names, instants); the
//! repositories read them into their types here, and a stored value this build cannot read (a
//! status a newer version added, an id in another spelling, a damaged instant) is a
//! [`StoreError::UnreadableValue`], never a panic and never a silent default.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::clock::parse_rfc3339;
use crate::error::{Result, StoreError};

/// Reads the stored text `value` of `column` as a `T`.
pub fn parse_stored<T>(column: &'static str, value: &str) -> Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    value
        .parse()
        .map_err(|error: T::Err| StoreError::UnreadableValue {
            column,
            reason: error.to_string(),
        })
}

/// Reads the stored text of an instant (RFC 3339).
pub fn parse_stored_instant(column: &'static str, value: &str) -> Result<DateTime<Utc>> {
    parse_rfc3339(value).ok_or_else(|| StoreError::UnreadableValue {
        column,
        reason: format!("'{value}' is not an RFC 3339 instant"),
    })
}

/// A row's text columns read as typed values.
pub trait TypedColumns {
    /// The column's text as a `T` (an id, a stored name, a currency).
    fn parsed<T>(&self, column: &'static str) -> Result<T>
    where
        T: FromStr,
        T::Err: Display;

    /// A nullable column's text as a `T`.
    fn parsed_optional<T>(&self, column: &'static str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display;

    /// The column's RFC 3339 text as an instant.
    fn instant(&self, column: &'static str) -> Result<DateTime<Utc>>;
}

impl TypedColumns for SqliteRow {
    fn parsed<T>(&self, column: &'static str) -> Result<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        parse_stored(column, &self.try_get::<String, _>(column)?)
    }

    fn parsed_optional<T>(&self, column: &'static str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.try_get::<Option<String>, _>(column)?
            .map(|value| parse_stored(column, &value))
            .transpose()
    }

    fn instant(&self, column: &'static str) -> Result<DateTime<Utc>> {
        parse_stored_instant(column, &self.try_get::<String, _>(column)?)
    }
}

#[cfg(test)]
mod tests {
    use pw_domain::{EntityStatus, WorkspaceId};

    use super::*;

    #[test]
    fn an_unknown_stored_value_is_a_typed_error_naming_the_column() {
        let error = parse_stored::<EntityStatus>("status", "archived").unwrap_err();
        assert!(
            matches!(&error, StoreError::UnreadableValue { column: "status", reason }
                if reason == "'archived' is not a known status"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "a stored status cannot be read by this version of ProfitWheel: 'archived' is not a known status"
        );
        assert!(matches!(
            parse_stored::<WorkspaceId>("id", "ws-1"),
            Err(StoreError::UnreadableValue { column: "id", .. })
        ));
        assert!(matches!(
            parse_stored_instant("created_at", "yesterday"),
            Err(StoreError::UnreadableValue { column: "created_at", reason })
                if reason == "'yesterday' is not an RFC 3339 instant"
        ));
        assert_eq!(
            parse_stored::<EntityStatus>("status", "paused").unwrap(),
            EntityStatus::Paused
        );
    }
}
