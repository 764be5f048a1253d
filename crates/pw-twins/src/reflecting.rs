//! A twin reflecting on what it has taken in: once the importance of its memories since its
//! last reflection reaches `reflection::IMPORTANCE_BUDGET` (Generative Agents' 150), a model reads those
//! memories as handles and writes up to three higher-level insights, each citing the memories
//! it rests on. Only reflections that cite memories they were shown are kept
//! ([`reflection::keep_grounded`]); each is stored as a memory linking to its grounds, with the
//! importance of the weightiest. The clock is read from the stored memories, so it survives a
//! restart and never counts a memory twice.

use pw_domain::TwinId;
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::Database;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::{Result, TwinsError};
use crate::reflection::{self, DraftReflection, ReflectionClock};
use crate::repository::{EvidenceLink, Memory, NewMemory, TwinStore};
use crate::vocabulary::{EvidenceSource, Fragment, MemoryKind, WrittenBy};

/// Memories a reflection reads at most: the most recent since the last one.
pub const SHOWN: usize = 20;
pub const REFLECTION_VERSION: &str = "reflection/1";
/// A little room to generalise, held to the memories cited.
pub const REFLECTION_TEMPERATURE: f32 = 0.3;

#[derive(Debug, Deserialize, JsonSchema)]
struct ModelInsight {
    #[schemars(length(max = 200))]
    text: String,
    #[schemars(length(max = 5), inner(regex(pattern = r"^M[1-9][0-9]?$")))]
    cites: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ModelReflection {
    #[schemars(length(max = 3))]
    insights: Vec<ModelInsight>,
}

/// The memories taken in since the twin's last reflection (all of them, before its first), and
/// whether they are enough for a reflection.
pub fn since_last_reflection(memories: &[Memory]) -> (Vec<&Memory>, bool) {
    let last = memories
        .iter()
        .filter(|m| m.kind == MemoryKind::Reflection)
        .map(|m| m.seq)
        .max();
    let since: Vec<&Memory> = memories
        .iter()
        .filter(|m| m.kind != MemoryKind::Reflection && last.is_none_or(|seq| m.seq > seq))
        .collect();
    let mut clock = ReflectionClock::default();
    for memory in &since {
        clock.observe(memory.importance);
    }
    (since, clock.accumulated >= reflection::IMPORTANCE_BUDGET)
}

pub struct Reflector<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub scope: CallScope,
}

impl Reflector<'_> {
    /// Reflects if it is due; returns how many reflections were stored.
    pub async fn reflect_if_due(&self, twin: TwinId) -> Result<usize> {
        let store = TwinStore::new(self.db);
        let found = store.twin(twin).await?;
        let (since, due) = since_last_reflection(&found.memories);
        if !due {
            return Ok(0);
        }
        let shown: Vec<&Memory> = since[since.len().saturating_sub(SHOWN)..].to_vec();
        let listing: String = shown
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{}: {}\n", reflection::handle(i), m.content))
            .collect();
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You help a research participant reflect on their own experiences. You draw only conclusions their memories support, and cite them.",
                ),
                ChatMessage::user(format!(
                    "{}\nRecent memories of {}:\n{listing}What are up to three high-level things {} would conclude about themselves from these? Write each in the first person, and cite the handles of the memories it rests on (for example [\"M1\", \"M4\"]).",
                    found.profile.card(&found.summary.name),
                    found.summary.name,
                    found.summary.name
                )),
            ],
        )
        .in_scope(self.scope.clone());
        request.temperature = Some(REFLECTION_TEMPERATURE);
        request.max_tokens = Some(300);
        let answer = self
            .gateway
            .chat_json::<ModelReflection>(&request)
            .await
            .map_err(TwinsError::Model)?;
        let drafts: Vec<DraftReflection> = answer
            .insights
            .into_iter()
            .map(|i| DraftReflection {
                text: i.text,
                cites: i.cites,
            })
            .collect();
        let (kept, dropped) = reflection::keep_grounded(&drafts, shown.len());
        for reason in &dropped {
            tracing::info!(%reason, "a reflection was not kept");
        }
        let importances: Vec<u8> = shown.iter().map(|m| m.importance).collect();
        let memories: Vec<NewMemory> = kept
            .iter()
            .map(|reflected| NewMemory {
                kind: MemoryKind::Reflection,
                fragment: Fragment::Reflection,
                content: reflected.text.chars().take(600).collect(),
                importance: reflection::importance_of(reflected, &importances),
                written_by: WrittenBy::Model,
                evidence: reflected
                    .rests_on
                    .iter()
                    .map(|&i| EvidenceLink {
                        source: EvidenceSource::Memory,
                        table: None,
                        key: shown[i].id.to_string(),
                        snapshot: shown[i].content.clone(),
                    })
                    .collect(),
                embedding: None,
            })
            .collect();
        store.add_memories(twin, &memories).await?;
        if kept.is_empty() && !drafts.is_empty() {
            tracing::info!(dropped = dropped.len(), "no reflection could be grounded");
        }
        Ok(kept.len())
    }
}
