//! Creating an audience's twins from its evidence. The plan (which signals each twin is cast
//! on, and its age, gender and location) is made in code from the audience's live signals and
//! targeting, deterministically from a seed, so twins of one audience differ as its data does.
//! A model then writes each twin's profile and one first-person memory per anchor; a memory is
//! kept only if it cites its anchor and states no figure the anchor does not (otherwise the
//! anchor's own statement is the memory). Every memory links to its signal and to the rows
//! behind it, and the twin is stored with all its memories in one transaction under an id fixed
//! by the job and its position, so a retried job never creates a twin twice.

use pw_domain::{AudienceId, TwinId, WorkspaceId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::Database;
use schemars::JsonSchema;
use serde::Deserialize;
use uuid::Uuid;

use crate::casting::{self, Casting};
use crate::error::{Result, TwinsError};
use crate::grounded_memory::{
    self, DraftMemory, anchors_of, echoes_evidence, facet_of, figures, fragment_of, importance_of,
    keep_grounded,
};
use crate::names;
use crate::profile::{Demographics, MAX_CHARS, MAX_ITEMS, Profile, Voice};
use crate::repository::{AudienceFacts, EvidenceLink, NewMemory, NewTwin, StoredSignal, TwinStore};
use crate::vocabulary::{EvidenceSource, Fragment, MemoryKind, Register, WrittenBy};

/// Twins one job may create for an audience.
pub const MAX_COUNT: usize = casting::MAX_TWINS;
/// Anchors a twin needs at least: with its demographic memory, three memories.
pub const MIN_ANCHORS: usize = 2;
/// Rows linked per memory besides its signal: enough to open what it rests on.
const ROWS_PER_MEMORY: u32 = 5;

/// What every twin of one job is built from.
#[derive(Debug, Clone)]
pub struct CreationPlan {
    pub audience: AudienceFacts,
    pub brand: String,
    /// The audience's own description (its `profile` signal), the ground of every twin's
    /// demographic memory, when the evidence layer has written it.
    pub description: Option<StoredSignal>,
    pub signals: Vec<StoredSignal>,
    pub castings: Vec<Casting>,
}

pub struct TwinCreation<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub workspace_id: WorkspaceId,
    pub audience_id: AudienceId,
    pub count: usize,
    pub seed: u64,
    /// Fixes the ids of this job's twins.
    pub batch: Uuid,
    pub job_id: Option<&'a str>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum ModelRegister {
    Casual,
    Neutral,
    Formal,
}

// No doc comments on the model's shapes: they would travel in the schema of every request,
// and a small local model's context has no room to spare. The prompt says what each field is.
#[derive(Debug, Deserialize, JsonSchema)]
struct ModelMemory {
    #[schemars(regex(pattern = r"^S[1-9][0-9]?$"))]
    cites: String,
    #[schemars(length(max = 160))]
    text: String,
}

// Lengths are part of the schema so a local model's grammar ends every string and list in
// time (a small model otherwise runs one string on until its token allowance is spent).
#[derive(Debug, Deserialize, JsonSchema)]
struct ModelTwin {
    #[schemars(length(max = 40))]
    occupation: String,
    #[schemars(length(max = 160))]
    summary: String,
    #[schemars(length(max = 3), inner(length(max = 50)))]
    psychographics: Vec<String>,
    #[schemars(length(max = 3), inner(length(max = 50)))]
    goals: Vec<String>,
    #[schemars(length(max = 3), inner(length(max = 50)))]
    pain_points: Vec<String>,
    #[schemars(length(max = 3), inner(length(max = 50)))]
    media_habits: Vec<String>,
    #[schemars(length(max = 160))]
    brand_relationship: String,
    #[schemars(length(max = 3), inner(length(max = 50)))]
    objections: Vec<String>,
    #[schemars(length(max = 5), inner(length(max = 20)))]
    vocabulary: Vec<String>,
    #[schemars(range(min = 15, max = 120))]
    typical_words: u32,
    register: ModelRegister,
    #[schemars(length(max = 6))]
    memories: Vec<ModelMemory>,
}

/// A list as a profile keeps it: non-empty items that describe the person rather than echo the
/// evidence, each cut to length, at most [`MAX_ITEMS`].
fn tidy(items: Vec<String>, statements: &[String]) -> Vec<String> {
    items
        .into_iter()
        .map(|item| line(&item, statements))
        .filter(|item| !item.is_empty())
        .take(MAX_ITEMS)
        .collect()
}

/// A line as a profile keeps it: cut to length, or empty where it only echoes the evidence or
/// states a figure none of the evidence states (a profile must not invent numbers either).
fn line(text: &str, statements: &[String]) -> String {
    if echoes_evidence(text, statements) {
        return String::new();
    }
    let stated: Vec<String> = statements.iter().flat_map(|s| figures(s)).collect();
    if figures(text).iter().any(|f| !stated.contains(f)) {
        return String::new();
    }
    text.trim().chars().take(MAX_CHARS).collect()
}

impl TwinCreation<'_> {
    /// The id of this job's twin at `index`: the same on every retry.
    pub fn twin_id(&self, index: usize) -> TwinId {
        TwinId::from_uuid(Uuid::new_v5(
            &self.batch,
            format!("twin/{index}").as_bytes(),
        ))
    }

    /// The seed of the twin at `index`: its demographics and the model's sampling.
    fn twin_seed(&self, index: usize) -> u64 {
        self.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    pub async fn plan(&self) -> Result<CreationPlan> {
        if !(1..=MAX_COUNT).contains(&self.count) {
            return Err(TwinsError::Invalid(format!(
                "{} twins asked for; create 1 to {MAX_COUNT} at a time",
                self.count
            )));
        }
        let store = TwinStore::new(self.db);
        let audience = store.audience(self.workspace_id, self.audience_id).await?;
        let brand: String = sqlx::query_scalar("SELECT brand FROM workspaces WHERE id = ?")
            .bind(self.workspace_id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| TwinsError::WorkspaceNotFound(self.workspace_id.to_string()))?;
        let all = store.signals(self.workspace_id, self.audience_id).await?;
        let description = all
            .iter()
            .find(|s| s.facts.kind == "behavior" && s.facts.key == "profile" && !s.workspace_wide)
            .cloned();
        let facts: Vec<_> = all.iter().map(|s| s.facts.clone()).collect();
        let anchors = anchors_of(&facts);
        if anchors.len() < MIN_ANCHORS {
            return Err(TwinsError::TooLittleEvidence {
                audience: audience.name.clone(),
                reason: format!(
                    "{} significant signal{} where a twin needs {MIN_ANCHORS}",
                    anchors.len(),
                    if anchors.len() == 1 { "" } else { "s" }
                ),
            });
        }
        let castings = casting::cast(&anchors, self.count, self.seed)
            .map_err(|e| TwinsError::Invalid(e.to_string()))?;
        let signals = all
            .into_iter()
            .filter(|s| anchors.iter().any(|a| a.id == s.facts.id))
            .collect();
        Ok(CreationPlan {
            audience,
            brand,
            description,
            signals,
            castings,
        })
    }

    /// Creates the twin at `index` of the plan; `None` when an earlier run already did.
    pub async fn create(&self, plan: &CreationPlan, index: usize) -> Result<Option<TwinId>> {
        let store = TwinStore::new(self.db);
        let id = self.twin_id(index);
        if store.twin_exists(id).await? {
            return Ok(None);
        }
        let casting = plan
            .castings
            .get(index)
            .ok_or_else(|| TwinsError::Invalid(format!("no casting for twin {}", index + 1)))?;
        let anchors: Vec<&StoredSignal> = casting
            .anchor_ids
            .iter()
            .filter_map(|id| plan.signals.iter().find(|s| &s.facts.id == id))
            .collect();
        let mut demographics =
            Demographics::drawn(&plan.audience.demographics, self.twin_seed(index));
        let taken = store.names(self.audience_id).await?;
        let name = names::drawn(&demographics.gender, self.twin_seed(index), &taken);
        // A small local model's context may not hold every anchor: fewer are shown, and those
        // left out keep their signal's statement as their memory.
        let mut shown = anchors.len();
        let answer = loop {
            match self
                .ask(plan, &anchors[..shown], &demographics, &name, index)
                .await
            {
                Err(TwinsError::Model(pw_llm::LlmError::ContextTooLong { .. })) if shown > 1 => {
                    shown -= 1;
                }
                other => break other?,
            }
        };
        let model = answer.value;
        let statements: Vec<String> = anchors[..shown]
            .iter()
            .map(|s| s.statement.clone())
            .collect();
        let mut echoed: Vec<String> = statements.clone();
        echoed.push(plan.audience.name.clone());
        demographics.occupation = line(&model.occupation, &echoed);
        let summary = match line(&model.summary, &echoed) {
            summary if summary.is_empty() => format!("One of {}.", plan.audience.name),
            summary => summary,
        };
        let profile = Profile {
            summary,
            demographics: demographics.clone(),
            psychographics: tidy(model.psychographics, &echoed),
            goals: tidy(model.goals, &echoed),
            pain_points: tidy(model.pain_points, &echoed),
            media_habits: tidy(model.media_habits, &echoed),
            brand_relationship: line(&model.brand_relationship, &echoed),
            objections: tidy(model.objections, &echoed),
            voice: Voice {
                vocabulary: tidy(model.vocabulary, &echoed),
                typical_words: model.typical_words.clamp(15, 120),
                register: match model.register {
                    ModelRegister::Casual => Register::Casual,
                    ModelRegister::Neutral => Register::Neutral,
                    ModelRegister::Formal => Register::Formal,
                },
            },
        };
        let drafts: Vec<DraftMemory> = model
            .memories
            .into_iter()
            .map(|m| DraftMemory {
                cites: m.cites,
                text: m.text,
            })
            .collect();
        let (mut kept, refused) = keep_grounded(&drafts, &statements);
        kept.resize(anchors.len(), None);
        for reason in &refused {
            tracing::info!(?reason, "a twin memory the model wrote was not kept");
        }
        let mut memories = vec![self.demographic_memory(plan, &demographics, &name).await?];
        for (anchor, words) in anchors.iter().zip(kept) {
            memories.push(self.anchor_memory(anchor, words).await?);
        }
        self.embed(&mut memories).await;
        let twin = NewTwin {
            id,
            workspace_id: self.workspace_id,
            audience_id: self.audience_id,
            name,
            profile,
            casting: casting.anchor_ids.clone(),
            seed: self.twin_seed(index),
            written_by: format!("{}/{}", answer.vendor, answer.model),
            memories,
        };
        Ok(store.insert(&twin).await?.then_some(id))
    }

    fn scope(&self) -> CallScope {
        let scope = CallScope::workspace(self.workspace_id.to_string());
        match self.job_id {
            Some(job) => scope.with_job(job),
            None => scope,
        }
    }

    async fn ask(
        &self,
        plan: &CreationPlan,
        anchors: &[&StoredSignal],
        demographics: &Demographics,
        name: &str,
        index: usize,
    ) -> Result<pw_llm::Structured<ModelTwin>> {
        let listing: String = anchors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let scope = if s.workspace_wide {
                    " [whole workspace]"
                } else {
                    ""
                };
                format!("{}: {}{scope}\n", grounded_memory::handle(i), s.statement)
            })
            .collect();
        let audience = &plan.audience;
        let interests = if audience.interests.is_empty() {
            String::new()
        } else {
            format!(", interested in {}", audience.interests.join(", "))
        };
        let prompt = format!(
            "Brand: {brand}. Audience: {audience_name}, a {kind} audience on {platform}{interests}.\n\
             This person: {name}, {age}, gender {gender}, lives in {location}.\n\
             Evidence about people like them:\n{listing}\
             Describe {name} as JSON: occupation, a one-line summary, psychographics, goals, pain points, media habits, their relationship with {brand}, objections, vocabulary (words they use), typical_words (how many words they usually say at once, 15 to 120), register (casual, neutral or formal), and memories: for each evidence handle, one first-person sentence saying what it means for this person, with cites set to that handle. Keep each list to two or three short phrases. Use no number the evidence does not state. A line marked [whole workspace] is about all of the brand's public, not only this audience.",
            brand = plan.brand,
            audience_name = audience.name,
            kind = audience.kind,
            platform = audience.platform,
            age = demographics.age,
            gender = demographics.gender,
            location = demographics.location,
        );
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You write realistic consumer personas for marketing research. Everything you write about a person follows from the evidence you are given; you invent no facts or figures.",
                ),
                ChatMessage::user(prompt),
            ],
        )
        .in_scope(self.scope());
        // Different twins of one audience should not read alike: sampled, but repeatably.
        request.temperature = Some(0.8);
        request.seed = Some((self.twin_seed(index) >> 1) as i64);
        // The longest answer the schema allows (about 2,600 characters of JSON, some 750
        // tokens) must fit the allowance: a small model fills strings to their limits, and an
        // answer cut short is no answer. The prompt with its schema (about 1,100 tokens) and
        // 800 more fit the local model's 2,048.
        request.max_tokens = Some(800);
        self.gateway
            .chat_json_answered::<ModelTwin>(&request)
            .await
            .map_err(TwinsError::Model)
    }

    /// The memory every twin of the audience shares: who the platform says it is.
    async fn demographic_memory(
        &self,
        plan: &CreationPlan,
        demographics: &Demographics,
        name: &str,
    ) -> Result<NewMemory> {
        let audience = &plan.audience;
        let mut evidence = vec![EvidenceLink {
            source: EvidenceSource::Row,
            table: Some("audiences".into()),
            key: audience.id.to_string(),
            snapshot: audience.name.clone(),
        }];
        let gender = match demographics.gender.as_str() {
            "any" => String::new(),
            gender => format!(" {gender},"),
        };
        let mut content = format!(
            "I'm {name}, {age},{gender} in {location}, one of the people {platform} groups as \"{audience}\".",
            age = demographics.age,
            location = demographics.location,
            platform = audience.platform,
            audience = audience.name,
        );
        if let Some(description) = &plan.description {
            evidence.push(EvidenceLink {
                source: EvidenceSource::Signal,
                table: None,
                key: description.facts.id.clone(),
                snapshot: description.statement.clone(),
            });
            content.push_str(&format!(" {}", description.statement));
        }
        Ok(NewMemory {
            kind: MemoryKind::Grounding,
            fragment: Fragment::Demographic,
            content: content.chars().take(600).collect(),
            importance: 5,
            written_by: WrittenBy::Evidence,
            evidence,
            embedding: None,
        })
    }

    async fn anchor_memory(
        &self,
        anchor: &StoredSignal,
        words: Option<String>,
    ) -> Result<NewMemory> {
        let facet = facet_of(&anchor.facts.kind, &anchor.facts.key).unwrap_or("behavior");
        let mut evidence = vec![EvidenceLink {
            source: EvidenceSource::Signal,
            table: None,
            key: anchor.facts.id.clone(),
            snapshot: anchor.statement.clone(),
        }];
        for row in TwinStore::new(self.db)
            .segment_rows(&anchor.facts.id, ROWS_PER_MEMORY)
            .await?
        {
            evidence.push(EvidenceLink {
                source: EvidenceSource::Row,
                snapshot: row.text.unwrap_or_default(),
                table: Some(row.table),
                key: row.key,
            });
        }
        let (content, written_by) = match words {
            Some(words) => (words, WrittenBy::Model),
            None => (anchor.statement.clone(), WrittenBy::Evidence),
        };
        Ok(NewMemory {
            kind: MemoryKind::Grounding,
            fragment: fragment_of(facet),
            content,
            importance: importance_of(&anchor.facts),
            written_by,
            evidence,
            embedding: None,
        })
    }

    /// Vectors for the memories, so recall can rank them by relevance. Without an embedding
    /// model the twin is still created; relevance then falls back to shared words.
    async fn embed(&self, memories: &mut [NewMemory]) {
        let texts: Vec<String> = memories.iter().map(|m| m.content.clone()).collect();
        match self.gateway.embed_answered(&self.scope(), &texts).await {
            Ok(embeddings) if embeddings.vectors.len() == memories.len() => {
                for (memory, vector) in memories.iter_mut().zip(embeddings.vectors) {
                    memory.embedding = Some((embeddings.model.clone(), vector));
                }
            }
            Ok(_) => tracing::warn!("the embedding model answered for some memories only"),
            Err(error) => tracing::warn!(%error, "twin memories stored without vectors"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_line_with_a_figure_the_evidence_lacks_is_dropped() {
        let statements = vec!["Evening clicks are 34% above the rest.".to_owned()];
        assert_eq!(
            line("Scrolls 34% more at night", &statements),
            "Scrolls 34% more at night"
        );
        assert_eq!(line("Spends $40 a month on beans", &statements), "");
        assert_eq!(
            tidy(
                vec!["Buys 3 bags".into(), "Loves espresso".into()],
                &statements
            ),
            ["Loves espresso"]
        );
    }

    #[test]
    fn lists_drop_blank_items_and_keep_at_most_eight() {
        let items: Vec<String> = "abcdefghijkl"
            .chars()
            .map(|c| format!(" item {c} "))
            .collect();
        let mut with_blank = vec!["  ".to_owned()];
        with_blank.extend(items);
        let tidied = tidy(with_blank, &[]);
        assert_eq!(tidied.len(), MAX_ITEMS);
        assert_eq!(tidied[0], "item a");
    }
}
