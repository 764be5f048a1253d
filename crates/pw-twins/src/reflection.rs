//! When a twin reflects, and which of its reflections are kept. Generative Agents (Park et al.
//! 2023; `../shared/reference/synthetic-research.md` §2.1) reflect once the importance of what
//! an agent has taken in since its last reflection adds up to 150, and write higher-level
//! memories from the recent ones. Their reflections cite nothing the reader can check; here
//! every reflection must name the memories it rests on, by the handles the model was shown,
//! and one that names none (or only handles it was not shown) is dropped, never stored as if it
//! were grounded.

use std::collections::BTreeSet;

/// Importance (1-10 per memory) taken in between two reflections.
pub const IMPORTANCE_BUDGET: u32 = 150;

/// Counts the importance of new memories until a reflection is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReflectionClock {
    /// Importance taken in since the last reflection.
    pub accumulated: u32,
}

impl ReflectionClock {
    /// Adds a new memory's importance (read within 1-10); true when a reflection is now due.
    pub fn observe(&mut self, importance: u8) -> bool {
        self.accumulated = self
            .accumulated
            .saturating_add(u32::from(importance.clamp(1, 10)));
        self.accumulated >= IMPORTANCE_BUDGET
    }

    /// Called once the reflection is written (not before: a reflection that failed is due
    /// again at the next memory).
    pub fn reflected(&mut self) {
        self.accumulated = 0;
    }
}

/// The handle under which the model is shown the memory at `index`: M1, M2, …
pub fn handle(index: usize) -> String {
    format!("M{}", index + 1)
}

/// A reflection as the model wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftReflection {
    pub text: String,
    pub cites: Vec<String>,
}

/// A reflection that may be stored: its text and the indices (into the memories shown) it
/// rests on, each once, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub text: String,
    pub rests_on: Vec<usize>,
}

/// Why a reflection was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    #[error("“{text}” cites no memory it was shown")]
    CitesNothing { text: String },
    #[error("“{text}” is empty")]
    Empty { text: String },
    #[error("“{text}” repeats an earlier reflection")]
    Repeated { text: String },
}

/// Keeps the reflections that cite at least one of the `shown` memories (handles that name no
/// shown memory are ignored, not trusted), are not empty, and do not repeat one kept before
/// (compared without case or surrounding space).
pub fn keep_grounded(drafts: &[DraftReflection], shown: usize) -> (Vec<Reflection>, Vec<Dropped>) {
    let mut kept: Vec<Reflection> = Vec::new();
    let mut dropped = Vec::new();
    let mut seen = BTreeSet::new();
    for draft in drafts {
        let text = draft.text.trim().to_owned();
        if text.is_empty() {
            dropped.push(Dropped::Empty { text });
            continue;
        }
        // A small model may write "M3, M4" in one string, or the bare number.
        let mut rests_on: Vec<usize> = draft
            .cites
            .iter()
            .flat_map(|cite| cite.split([',', ';', ' ']))
            .filter_map(|cite| index_of(cite, shown))
            .collect();
        rests_on.sort_unstable();
        rests_on.dedup();
        if rests_on.is_empty() {
            dropped.push(Dropped::CitesNothing { text });
            continue;
        }
        if !seen.insert(text.to_lowercase()) {
            dropped.push(Dropped::Repeated { text });
            continue;
        }
        kept.push(Reflection { text, rests_on });
    }
    (kept, dropped)
}

/// The importance a reflection gets: that of the most important memory it rests on. A
/// conclusion matters as much as its weightiest ground, and no model is asked to rate it.
pub fn importance_of(reflection: &Reflection, importances: &[u8]) -> u8 {
    reflection
        .rests_on
        .iter()
        .filter_map(|&i| importances.get(i).copied())
        .max()
        .unwrap_or(1)
        .clamp(1, 10)
}

/// "M3" (or "m3", "[M3]", "3") to index 2, when it names one of the `shown` memories.
fn index_of(cite: &str, shown: usize) -> Option<usize> {
    let cite = cite.trim().trim_matches(['[', ']']).trim();
    let number = cite.strip_prefix(['M', 'm']).unwrap_or(cite);
    let number: usize = number.parse().ok()?;
    (1..=shown).contains(&number).then(|| number - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(text: &str, cites: &[&str]) -> DraftReflection {
        DraftReflection {
            text: text.into(),
            cites: cites.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn a_reflection_is_due_once_importance_adds_up_to_150() {
        let mut clock = ReflectionClock::default();
        for _ in 0..14 {
            assert!(!clock.observe(10));
        }
        assert_eq!(clock.accumulated, 140);
        assert!(!clock.observe(9));
        assert!(clock.observe(1));
        // Still due until one is written.
        assert!(clock.observe(0), "importance is read as at least 1");
        clock.reflected();
        assert_eq!(clock, ReflectionClock::default());
        assert!(!clock.observe(200), "and at most 10");
        assert_eq!(clock.accumulated, 10);
    }

    #[test]
    fn only_reflections_citing_shown_memories_are_kept() {
        let drafts = [
            draft("I buy on price more than I admit.", &["M2", "[m4]", "M2"]),
            draft("I am loyal to the brand.", &["M9"]),
            draft("Weekends are for slow coffee.", &[]),
            draft("  ", &["M1"]),
            draft("i buy on price more than i admit.", &["M1"]),
        ];
        let (kept, dropped) = keep_grounded(&drafts, 4);
        assert_eq!(
            kept,
            [Reflection {
                text: "I buy on price more than I admit.".into(),
                rests_on: vec![1, 3],
            }]
        );
        assert_eq!(
            dropped,
            [
                Dropped::CitesNothing {
                    text: "I am loyal to the brand.".into()
                },
                Dropped::CitesNothing {
                    text: "Weekends are for slow coffee.".into()
                },
                Dropped::Empty {
                    text: String::new()
                },
                Dropped::Repeated {
                    text: "i buy on price more than i admit.".into()
                },
            ]
        );
        assert_eq!(
            dropped[0].to_string(),
            "“I am loyal to the brand.” cites no memory it was shown"
        );
    }

    #[test]
    fn handles_and_importance() {
        assert_eq!(handle(0), "M1");
        assert_eq!(index_of("M0", 3), None);
        assert_eq!(index_of("M3", 3), Some(2));
        assert_eq!(index_of("S3", 3), None);
        assert_eq!(index_of("2", 3), Some(1));
        let (kept, _) = keep_grounded(&[draft("Price decides.", &["M1, M3", "9"])], 3);
        assert_eq!(kept[0].rests_on, [0, 2]);
        let reflection = Reflection {
            text: "x".into(),
            rests_on: vec![0, 2],
        };
        assert_eq!(importance_of(&reflection, &[3, 9, 7]), 7);
        assert_eq!(importance_of(&reflection, &[]), 1);
    }
}
