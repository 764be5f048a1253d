//! Building a workspace's signals: read the rows, derive the drafts, embed and name mention
//! themes, store it all in one transaction. Progress goes to a channel (a job relays it), and a
//! cancelled build stores nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pw_domain::{AudienceId, WorkspaceId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, LlmError, Task};
use pw_store::Database;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::behavior::Thresholds;
use crate::derive::{
    self, RawRow, behavior_signals, intent_signals, profile_signal, reported_behavior_signals,
};
use crate::error::{EvidenceError, Result};
use crate::mention_themes::{self, NamedBy, ThemeName, keys_for, keyword_name, theme_signal};
use crate::repository::EvidenceStore;
use crate::signals::{SignalDraft, SignalKind};
use crate::themes::{ThemeSettings, find_themes};

/// Texts per embedding call: small enough that progress moves and a cancel lands quickly.
const EMBEDDING_BATCH: usize = 64;
/// Typical quotes shown to the model that names a theme.
const QUOTES_FOR_NAMING: usize = 3;
/// How long a build waits for theme names in all. A small local model on a laptop can take
/// minutes per answer; past this, themes keep their keyword names (a recorded non-response)
/// rather than holding the build.
const NAMING_BUDGET: std::time::Duration = std::time::Duration::from_secs(90);

/// What a build found and did, for the job's result and the CLI.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BuildSummary {
    pub behavior: usize,
    pub intent: usize,
    pub mention_themes: usize,
    /// Mentions embedded in this build (the rest came from stored vectors).
    pub embedded: usize,
    /// The model whose vectors grouped mentions, if there were mentions to group.
    pub embedding_model: Option<String>,
    /// Themes named by a model, and by their keywords because no model answered.
    pub named_by_model: usize,
    pub named_by_keywords: usize,
    /// Why no model named some themes, when it did not.
    pub naming_failure: Option<String>,
    /// Why mention themes were not rebuilt (no embedding model answered); the themes of the
    /// previous build are kept as they were.
    pub themes_not_rebuilt: Option<String>,
}

/// How many times the embedding model may change during one build before it gives up.
const MODEL_SWITCHES: usize = 4;

/// What one pass of embedding with a model came to.
enum Embedded {
    /// A vector for every mention, in order.
    All(Vec<Vec<f32>>),
    /// Another model answered (a fallback): read again with it.
    AnsweredBy(String),
}

pub struct SignalBuild<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub workspace_id: WorkspaceId,
    pub job_id: Option<&'a str>,
    pub progress: &'a UnboundedSender<(f64, String)>,
    pub cancel: &'a CancellationToken,
}

fn cancelled(cancel: &CancellationToken) -> Result<()> {
    if cancel.is_cancelled() {
        Err(EvidenceError::Cancelled)
    } else {
        Ok(())
    }
}

impl SignalBuild<'_> {
    fn report(&self, fraction: f64, message: impl Into<String>) {
        // A closed channel means nobody is listening any more; the build goes on regardless.
        let _ = self.progress.send((fraction, message.into()));
    }

    fn scope(&self) -> CallScope {
        let scope = CallScope::workspace(self.workspace_id.to_string());
        match self.job_id {
            Some(job) => scope.with_job(job),
            None => scope,
        }
    }

    pub async fn run(&self) -> Result<BuildSummary> {
        let store = EvidenceStore::new(self.db);
        if !store.workspace_exists(self.workspace_id).await? {
            return Err(EvidenceError::WorkspaceNotFound(
                self.workspace_id.to_string(),
            ));
        }
        self.report(0.02, "Reading audiences, delivery and raw evidence");
        let brand = store.brand(self.workspace_id).await?;
        let brand_words: Vec<&str> = brand.split_whitespace().collect();
        let audiences = store.audiences(self.workspace_id).await?;
        let ad_days = store.ad_days(self.workspace_id).await?;
        let breakdowns = store.breakdown_days(self.workspace_id).await?;
        let reported = store.raw_rows(self.workspace_id, "behavior").await?;
        let terms = store.raw_rows(self.workspace_id, "intent").await?;
        let mentions = store.raw_rows(self.workspace_id, "mention").await?;
        cancelled(self.cancel)?;

        self.report(
            0.1,
            "Comparing creatives, messages, placements, devices and dayparts",
        );
        let mut drafts: Vec<SignalDraft> = Vec::new();
        for audience in &audiences {
            drafts.push(profile_signal(audience));
            drafts.extend(behavior_signals(
                audience,
                &ad_days,
                &breakdowns,
                Thresholds::default(),
            ));
        }
        drafts.extend(reported_behavior_signals(&reported));

        self.report(0.15, "Reading search intent");
        for (audience, rows) in by_scope(&audiences, &terms) {
            drafts.extend(intent_signals(audience, &rows, &brand_words));
        }
        cancelled(self.cancel)?;

        let mut summary = BuildSummary::default();
        let mut rebuilt_kinds = SignalKind::ALL.to_vec();
        match self
            .mention_themes(&store, &audiences, &mentions, &mut drafts, &mut summary)
            .await
        {
            Ok(()) => {}
            // Without vectors there are no themes to find, but behavior and intent do not need
            // them: those are stored, and the last themes stay as they were rather than being
            // retired for a model's failure.
            Err(error @ (EvidenceError::Model(_) | EvidenceError::Invalid(_))) => {
                tracing::warn!(%error, "mention themes not rebuilt: no usable embeddings");
                drafts.retain(|draft| draft.kind != SignalKind::MentionTheme);
                rebuilt_kinds.retain(|kind| *kind != SignalKind::MentionTheme);
                summary.themes_not_rebuilt = Some(error.to_string());
            }
            Err(other) => return Err(other),
        }
        cancelled(self.cancel)?;

        // Every stored signal lists the rows it rests on; one that names none would be a claim
        // without evidence. A derivation bug must not cost the user every other signal, so it
        // is left out and logged rather than failing the build.
        drafts.retain(|draft| {
            let has_rows = draft.support_rows() > 0;
            if !has_rows {
                tracing::warn!(key = %draft.key, "a derived signal names no rows; left out");
            }
            has_rows
        });
        self.report(0.95, format!("Storing {} signals", drafts.len()));
        store
            .store_build(self.workspace_id, &rebuilt_kinds, &drafts)
            .await?;
        for draft in &drafts {
            match draft.kind {
                SignalKind::Behavior => summary.behavior += 1,
                SignalKind::Intent => summary.intent += 1,
                SignalKind::MentionTheme => summary.mention_themes += 1,
            }
        }
        self.report(1.0, format!("Built {} signals", drafts.len()));
        Ok(summary)
    }

    async fn mention_themes(
        &self,
        store: &EvidenceStore<'_>,
        audiences: &[derive::AudienceProfile],
        mentions: &[RawRow],
        drafts: &mut Vec<SignalDraft>,
        summary: &mut BuildSummary,
    ) -> Result<()> {
        if mentions.is_empty() {
            return Ok(());
        }
        let vectors = self.embeddings(store, mentions, summary).await?;
        let by_id: HashMap<&str, &Vec<f32>> = mentions
            .iter()
            .map(|m| m.id.as_str())
            .zip(vectors.iter())
            .collect();
        // The workspace's whole public first, then each audience's own mentions.
        let mut scopes: Vec<Scoped> = vec![(None, mentions.to_vec())];
        scopes.extend(
            by_scope(audiences, mentions)
                .into_iter()
                .filter(|(audience, _)| audience.is_some()),
        );
        let scope_count = scopes.len();
        // The workspace's themes and their names: an audience's theme made mostly of the
        // mentions of one of them is the same conversation and keeps its name, so the model
        // names each conversation once and an audience reads the same words as the workspace.
        let mut public_themes: Vec<(BTreeSet<String>, ThemeName)> = Vec::new();
        let naming_deadline = tokio::time::Instant::now() + NAMING_BUDGET;
        for (index, (audience, rows)) in scopes.into_iter().enumerate() {
            cancelled(self.cancel)?;
            let label = audience.map_or("all mentions", |(_, name)| name);
            self.report(
                0.6 + 0.3 * index as f64 / scope_count as f64,
                format!("Finding themes in {label}"),
            );
            let scope_vectors: Vec<Vec<f32>> = rows
                .iter()
                .map(|m| {
                    by_id
                        .get(m.id.as_str())
                        .map(|v| (*v).clone())
                        .unwrap_or_default()
                })
                .collect();
            // Clustering is seconds of arithmetic on a large workspace: off the async workers.
            let themes = tokio::task::spawn_blocking(move || {
                find_themes(&scope_vectors, ThemeSettings::default())
            })
            .await
            .map_err(|e| EvidenceError::Invalid(format!("finding themes stopped: {e}")))?;
            if themes.is_empty() {
                continue;
            }
            let member_sets: Vec<BTreeSet<String>> = themes
                .iter()
                .map(|t| t.members.iter().map(|&i| rows[i].id.clone()).collect())
                .collect();
            let earlier = store
                .earlier_themes(self.workspace_id, audience.map(|(id, _)| id))
                .await?;
            let keys = keys_for(&member_sets, &earlier);
            let texts: Vec<&str> = rows.iter().map(|m| m.text.as_str()).collect();
            let keywords: Vec<Vec<String>> = themes
                .iter()
                .map(|t| {
                    let members: Vec<&str> = t.members.iter().map(|&i| texts[i]).collect();
                    mention_themes::keywords(&members, &texts, 5)
                })
                .collect();
            // A theme whose mentions are exactly those of an earlier one keeps its name.
            let mut names: Vec<Option<ThemeName>> = keys
                .iter()
                .zip(&member_sets)
                .map(|((_, earlier_index), members)| {
                    let same = earlier_index
                        .map(|e| &earlier[e])
                        // A keyword name was a model's non-response: ask again.
                        .filter(|old| {
                            old.members == *members
                                && !old.name.is_empty()
                                && old.named_by != "keywords"
                        })
                        .map(|old| ThemeName {
                            name: old.name.clone(),
                            named_by: NamedBy::Model(old.named_by.clone()),
                        });
                    same.or_else(|| {
                        audience?;
                        public_themes
                            .iter()
                            .filter(|(_, name)| name.named_by != NamedBy::Keywords)
                            .map(|(public, name)| {
                                let shared = members.intersection(public).count() as f64;
                                (shared / members.len().max(1) as f64, name)
                            })
                            .filter(|(share, _)| *share >= 0.6)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                            .map(|(_, name)| name.clone())
                    })
                })
                .collect();
            let unnamed: Vec<usize> = (0..themes.len()).filter(|&i| names[i].is_none()).collect();
            if !unnamed.is_empty() {
                let quotes: Vec<Vec<&str>> = unnamed
                    .iter()
                    .map(|&t| {
                        themes[t]
                            .representatives(QUOTES_FOR_NAMING)
                            .iter()
                            .map(|&i| texts[i])
                            .collect()
                    })
                    .collect();
                let unnamed_keywords: Vec<&[String]> =
                    unnamed.iter().map(|&t| keywords[t].as_slice()).collect();
                let named = match tokio::time::timeout_at(
                    naming_deadline,
                    self.name_themes(&quotes, &unnamed_keywords),
                )
                .await
                {
                    Ok(named) => named.map_err(|e| e.to_string()),
                    // Dropping the call cancels it (a local model stops at its next step).
                    Err(_) => Err(format!(
                        "the model did not name the themes within {} seconds",
                        NAMING_BUDGET.as_secs()
                    )),
                };
                match named {
                    Ok((given, model)) => {
                        for (slot, &theme) in unnamed.iter().enumerate() {
                            if let Some(name) = given.get(&slot) {
                                names[theme] = Some(ThemeName {
                                    name: name.clone(),
                                    named_by: NamedBy::Model(model.clone()),
                                });
                            }
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "no model named the mention themes");
                        summary.naming_failure = Some(error);
                    }
                }
            }
            for (t, theme) in themes.iter().enumerate() {
                let name = names[t]
                    .clone()
                    .unwrap_or_else(|| keyword_name(&keywords[t]));
                if audience.is_none() {
                    public_themes.push((member_sets[t].clone(), name.clone()));
                }
                match name.named_by {
                    NamedBy::Keywords => summary.named_by_keywords += 1,
                    NamedBy::Model(_) => summary.named_by_model += 1,
                }
                drafts.extend(theme_signal(
                    audience,
                    &rows,
                    theme,
                    keys[t].0.clone(),
                    &name,
                    &keywords[t],
                ));
            }
        }
        Ok(())
    }

    /// One vector per mention, in order: stored vectors where the model that answers has made
    /// them before, the rest embedded in batches and stored. When a fallback model answers
    /// instead of the first, its vectors cannot sit beside the first model's: the mentions are
    /// read again with that model, again reusing what it stored before.
    async fn embeddings(
        &self,
        store: &EvidenceStore<'_>,
        mentions: &[RawRow],
        summary: &mut BuildSummary,
    ) -> Result<Vec<Vec<f32>>> {
        let scope = self.scope();
        let mut model = self
            .gateway
            .routes_for(Task::Embeddings, &scope)
            .map_err(EvidenceError::Model)?
            .first()
            .map(|route| format!("{}/{}", route.vendor, route.model))
            .ok_or_else(|| EvidenceError::Model(LlmError::NoRoute("embeddings".to_owned())))?;
        let hashes: Vec<String> = mentions.iter().map(|m| text_hash(&m.text)).collect();
        // A route list holds a handful of models; more switches than that means they keep
        // changing under us.
        for _ in 0..MODEL_SWITCHES {
            match self
                .embed_with(store, mentions, &hashes, &model, summary)
                .await?
            {
                Embedded::All(vectors) => {
                    summary.embedding_model = Some(model);
                    return Ok(vectors);
                }
                Embedded::AnsweredBy(answered) => {
                    tracing::info!(%answered, %model, "another model embeds the mentions");
                    model = answered;
                }
            }
        }
        Err(EvidenceError::Invalid(
            "the embedding models kept changing while the mentions were read; try again".to_owned(),
        ))
    }

    /// Embeds the mentions `model` has no stored vector for. Stops at the first batch another
    /// model answered (storing that batch under its model), saying which.
    async fn embed_with(
        &self,
        store: &EvidenceStore<'_>,
        mentions: &[RawRow],
        hashes: &[String],
        model: &str,
        summary: &mut BuildSummary,
    ) -> Result<Embedded> {
        let scope = self.scope();
        let mut stored = store.embeddings(hashes, model).await?;
        let missing: Vec<usize> = (0..mentions.len())
            .filter(|&i| !stored.contains_key(&hashes[i]))
            .collect();
        let mut done = 0usize;
        let batches = missing.len().div_ceil(EMBEDDING_BATCH).max(1);
        for (batch_index, batch) in missing.chunks(EMBEDDING_BATCH).enumerate() {
            cancelled(self.cancel)?;
            self.report(
                0.2 + 0.4 * batch_index as f64 / batches as f64,
                format!("Reading mentions: {done} of {} embedded", missing.len()),
            );
            let texts: Vec<String> = batch.iter().map(|&i| mentions[i].text.clone()).collect();
            let answer = self
                .gateway
                .embed_answered(&scope, &texts)
                .await
                .map_err(EvidenceError::Model)?;
            if answer.vectors.len() != texts.len() {
                return Err(EvidenceError::Invalid(format!(
                    "the embedding model returned {} vectors for {} texts",
                    answer.vectors.len(),
                    texts.len()
                )));
            }
            let answered = format!("{}/{}", answer.vendor, answer.model);
            let rows: Vec<(String, Vec<f32>)> = batch
                .iter()
                .map(|&i| hashes[i].clone())
                .zip(answer.vectors)
                .collect();
            store.store_embeddings(&rows, &answered).await?;
            summary.embedded += batch.len();
            if answered != model {
                return Ok(Embedded::AnsweredBy(answered));
            }
            stored.extend(rows);
            done += batch.len();
        }
        Ok(Embedded::All(
            hashes
                .iter()
                .map(|h| stored.get(h).cloned().unwrap_or_default())
                .collect(),
        ))
    }

    /// Names for themes from their typical quotes, by position; the model's answer is checked:
    /// an empty, overlong or out-of-range name, or one that only repeats its label (or is only
    /// digits and punctuation), is left out (that theme keeps its keywords).
    async fn name_themes(
        &self,
        quotes: &[Vec<&str>],
        keywords: &[&[String]],
    ) -> std::result::Result<(BTreeMap<usize, String>, String), LlmError> {
        let mut listing = String::new();
        for (index, (quotes, keywords)) in quotes.iter().zip(keywords).enumerate() {
            listing.push_str(&format!(
                "Theme {}: keywords {}\n",
                index + 1,
                keywords.join(", ")
            ));
            for quote in quotes {
                listing.push_str(&format!("  - {quote}\n"));
            }
        }
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You name themes in what customers say about a brand. For each theme, give a \
                     short name of two to five words that says what its quotes are about, in \
                     plain words a marketer would use. Do not invent anything the quotes do not \
                     say.",
                ),
                ChatMessage::user(format!(
                    "{listing}\nAnswer with one name per theme, using the theme numbers above."
                )),
            ],
        )
        .in_scope(self.scope());
        request.temperature = Some(0.0);
        request.max_tokens = Some(32 + 24 * quotes.len() as u32);
        let answer = self
            .gateway
            .chat_json_answered::<ThemeNames>(&request)
            .await?;
        let mut names = BTreeMap::new();
        for named in answer.value.themes {
            let name = named.name.trim().trim_matches('"').trim();
            let slot = named.theme.checked_sub(1);
            if let Some(slot) = slot.filter(|s| *s < quotes.len())
                && !name.is_empty()
                && name.chars().count() <= 60
                && !names_only_its_number(name)
            {
                names.entry(slot).or_insert_with(|| name.to_owned());
            }
        }
        Ok((names, format!("{}/{}", answer.vendor, answer.model)))
    }
}

/// A "name" that only repeats the listing's label ("Theme 3", "theme #3"), or has no word at all:
/// a small model's way of not answering, so the theme keeps its keyword name rather than a
/// label that says nothing.
fn names_only_its_number(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower
        .trim_start_matches("theme")
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || c.is_ascii_punctuation())
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ThemeNames {
    themes: Vec<NamedTheme>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct NamedTheme {
    /// The theme's number, as listed.
    theme: usize,
    /// Two to five words. (Not bounded in the schema: a length bound on a string becomes a
    /// grammar llama.cpp samples very slowly; the answer is checked after instead.)
    name: String,
}

pub(crate) fn text_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Rows of one scope: an audience (its id and name), or none (the workspace's whole public).
type Scoped<'a> = (Option<(AudienceId, &'a str)>, Vec<RawRow>);

/// Rows grouped by the audience they belong to (with its name), and those of none.
fn by_scope<'a>(audiences: &'a [derive::AudienceProfile], rows: &[RawRow]) -> Vec<Scoped<'a>> {
    let mut groups: BTreeMap<Option<usize>, Vec<RawRow>> = BTreeMap::new();
    for row in rows {
        let audience = row
            .audience_id
            .and_then(|id| audiences.iter().position(|a| a.id == id));
        groups.entry(audience).or_default().push(row.clone());
    }
    groups
        .into_iter()
        .map(|(audience, rows)| {
            (
                audience.map(|i| (audiences[i].id, audiences[i].name.as_str())),
                rows,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::names_only_its_number;

    #[test]
    fn a_name_that_only_repeats_its_label_is_no_name() {
        for label in ["Theme 3", "theme #12", "THEME 1.", "Theme", "7"] {
            assert!(names_only_its_number(label), "{label}");
        }
        for name in ["Slow delivery", "Theme park trips", "Top 10 roasts"] {
            assert!(!names_only_its_number(name), "{name}");
        }
    }
}
