//! One chart description that becomes a native PowerPoint chart, with its data in an embedded
//! workbook so "Edit Data" shows the real numbers.

use serde::{Deserialize, Serialize};

use crate::{DeckError, NumberFormat};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Vertical bars side by side.
    Column,
    /// Horizontal bars (long category names read better).
    Bar,
    /// Vertical bars stacked per category.
    StackedColumn,
    Line,
}

/// A named row of values, one per category; `None` where nothing was measured (a gap, not a
/// zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// How the value axis and data labels read.
    pub format: NumberFormat,
}

impl ChartSpec {
    /// A chart the writers can draw: at least one category and one series, every series with
    /// one value per category, and only finite numbers.
    pub fn validate(&self) -> Result<(), DeckError> {
        if self.categories.is_empty() || self.series.is_empty() {
            return Err(DeckError::Invalid(
                "a chart needs at least one category and one series".into(),
            ));
        }
        for series in &self.series {
            if series.values.len() != self.categories.len() {
                return Err(DeckError::Invalid(format!(
                    "the series \"{}\" has {} values for {} categories",
                    series.name,
                    series.values.len(),
                    self.categories.len()
                )));
            }
            if series.values.iter().flatten().any(|v| !v.is_finite()) {
                return Err(DeckError::Invalid(format!(
                    "the series \"{}\" holds a value that is not a number",
                    series.name
                )));
            }
        }
        Ok(())
    }
}
