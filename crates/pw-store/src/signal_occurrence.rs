//! What tells one occurrence of an audience signal from another with the same words. The rule is
//! the store's because the schema computes it too (the generated column
//! `audience_signals.occurrence_key`) and workspace-file import merges old copies by it; the
//! ad-data writer in `pw-workspaces` upserts by it.

/// The fields of a signal's `metadata` that say which post (or which author) it is, in the order
/// they are looked for.
pub const SIGNAL_OCCURRENCE_FIELDS: [&str; 3] = ["external_id", "permalink", "author"];

/// What tells one occurrence of a signal from another with the same words: the first of
/// [`SIGNAL_OCCURRENCE_FIELDS`] in `metadata` that is a non-empty string, or '' when there is
/// none. The column `audience_signals.occurrence_key` is computed by the same rule in SQL
/// (migration 20261129000003), and the two must agree.
pub fn signal_occurrence(metadata: &serde_json::Value) -> String {
    SIGNAL_OCCURRENCE_FIELDS
        .iter()
        .find_map(|field| {
            metadata
                .get(field)
                .and_then(serde_json::Value::as_str)
                .filter(|value| !value.is_empty())
        })
        .unwrap_or_default()
        .to_owned()
}
