//! The model catalogue: each model's context window and price per million input and output
//! tokens, so every call can be costed the moment it returns. The built-in list ships with the
//! app (`catalogue.toml`, with its sources); the user's edits are laid over it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{LlmError, Result};
use crate::types::Usage;

const BUILT_IN: &str = include_str!("catalogue.toml");

/// One model and what it costs. Prices are in millionths of a US dollar per million tokens,
/// integers so that sums never drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// A vendor kind (`openai`) for built-in entries, or a configured vendor's name for a
    /// user's own server (`team-vllm`).
    pub vendor: String,
    pub model: String,
    pub context_window: u32,
    pub input_micros_per_mtok: i64,
    pub output_micros_per_mtok: i64,
    pub embedding: bool,
    /// Where the figures come from, or "edited" once the user changed them.
    pub source: String,
}

impl ModelInfo {
    /// The cost of one call in millionths of a dollar, rounded half up.
    pub fn cost_micros(&self, usage: Usage) -> i64 {
        let numerator = i128::from(usage.input_tokens) * i128::from(self.input_micros_per_mtok)
            + i128::from(usage.output_tokens) * i128::from(self.output_micros_per_mtok);
        ((numerator + 500_000) / 1_000_000) as i64
    }
}

#[derive(Deserialize)]
struct CatalogueFile {
    model: Vec<CatalogueEntry>,
}

#[derive(Deserialize)]
struct CatalogueEntry {
    vendor: String,
    model: String,
    context_window: u32,
    input_usd_per_mtok: f64,
    output_usd_per_mtok: f64,
    #[serde(default)]
    embedding: bool,
    source: String,
}

fn micros(usd: f64) -> i64 {
    (usd * 1_000_000.0).round() as i64
}

#[derive(Debug, Clone, Default)]
pub struct ModelCatalogue {
    models: BTreeMap<(String, String), ModelInfo>,
}

impl ModelCatalogue {
    /// The catalogue that ships with the app.
    pub fn built_in() -> Result<Self> {
        Self::parse(BUILT_IN)
    }

    fn parse(text: &str) -> Result<Self> {
        let file: CatalogueFile =
            toml::from_str(text).map_err(|e| LlmError::Catalogue(e.to_string()))?;
        let mut catalogue = ModelCatalogue::default();
        for entry in file.model {
            if entry.input_usd_per_mtok < 0.0 || entry.output_usd_per_mtok < 0.0 {
                return Err(LlmError::Catalogue(format!(
                    "{}/{} has a negative price",
                    entry.vendor, entry.model
                )));
            }
            catalogue.set(ModelInfo {
                vendor: entry.vendor,
                model: entry.model,
                context_window: entry.context_window,
                input_micros_per_mtok: micros(entry.input_usd_per_mtok),
                output_micros_per_mtok: micros(entry.output_usd_per_mtok),
                embedding: entry.embedding,
                source: entry.source,
            });
        }
        Ok(catalogue)
    }

    /// Adds a model or replaces its entry (the user's edit wins over the built-in one).
    pub fn set(&mut self, info: ModelInfo) {
        self.models
            .insert((info.vendor.clone(), info.model.clone()), info);
    }

    /// The entry for `model` at the vendor configured as `vendor_name` (of kind `vendor_kind`):
    /// an entry under the configured name first, then the vendor kind's.
    pub fn find(&self, vendor_name: &str, vendor_kind: &str, model: &str) -> Option<&ModelInfo> {
        self.models
            .get(&(vendor_name.to_owned(), model.to_owned()))
            .or_else(|| self.models.get(&(vendor_kind.to_owned(), model.to_owned())))
    }

    pub fn models(&self) -> impl Iterator<Item = &ModelInfo> {
        self.models.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_parses_and_prices_are_positive() {
        let catalogue = ModelCatalogue::built_in().unwrap();
        assert!(catalogue.models().count() >= 10);
        for model in catalogue.models() {
            assert!(model.context_window > 0, "{model:?}");
            assert!(model.input_micros_per_mtok > 0, "{model:?}");
            assert!(!model.source.is_empty(), "{model:?}");
        }
    }

    #[test]
    fn costs_round_half_up_in_millionths() {
        let model = ModelInfo {
            vendor: "openai".into(),
            model: "m".into(),
            context_window: 1,
            input_micros_per_mtok: 150_000,
            output_micros_per_mtok: 600_000,
            embedding: false,
            source: "test".into(),
        };
        // 1,000 in at $0.15/M = 150 µ$, 500 out at $0.60/M = 300 µ$.
        let usage = Usage {
            input_tokens: 1_000,
            output_tokens: 500,
        };
        assert_eq!(model.cost_micros(usage), 450);
        let tiny = Usage {
            input_tokens: 3,
            output_tokens: 0,
        };
        assert_eq!(model.cost_micros(tiny), 0); // 0.45 µ$ rounds down
        let half = Usage {
            input_tokens: 10,
            output_tokens: 0,
        };
        assert_eq!(model.cost_micros(half), 2); // 1.5 µ$ rounds up
    }

    #[test]
    fn an_edit_under_a_configured_name_wins_over_the_vendor_kind() {
        let mut catalogue = ModelCatalogue::parse(
            r#"
            [[model]]
            vendor = "openai"
            model = "gpt-x"
            context_window = 1000
            input_usd_per_mtok = 1.0
            output_usd_per_mtok = 2.0
            source = "test"
            "#,
        )
        .unwrap();
        assert_eq!(
            catalogue
                .find("openai", "openai", "gpt-x")
                .unwrap()
                .input_micros_per_mtok,
            1_000_000
        );
        catalogue.set(ModelInfo {
            vendor: "team-proxy".into(),
            model: "gpt-x".into(),
            context_window: 1000,
            input_micros_per_mtok: 500_000,
            output_micros_per_mtok: 0,
            embedding: false,
            source: "edited".into(),
        });
        let found = catalogue.find("team-proxy", "openai", "gpt-x").unwrap();
        assert_eq!(found.input_micros_per_mtok, 500_000);
        assert!(catalogue.find("other", "gemini", "gpt-x").is_none());
    }

    #[test]
    fn a_negative_price_is_refused() {
        let error = ModelCatalogue::parse(
            r#"
            [[model]]
            vendor = "openai"
            model = "gpt-x"
            context_window = 1000
            input_usd_per_mtok = -1.0
            output_usd_per_mtok = 2.0
            source = "test"
            "#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("negative"), "{error}");
    }
}
