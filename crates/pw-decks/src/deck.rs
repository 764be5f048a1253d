//! What a deck holds once its content has been gathered from the workspace: slides in order,
//! each with the sources its numbers came from (they become the speaker notes, and the record
//! of what a regenerated deck compares against).

use serde::{Deserialize, Serialize};

use crate::{ChartSpec, Table};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deck {
    /// The study or report title, on the title slide and in the file's properties.
    pub title: String,
    pub slides: Vec<Slide>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slide {
    /// The slide's headline; for a finding, the finding itself.
    pub title: String,
    pub body: SlideBody,
    /// Free notes for the presenter, written or edited by the user.
    #[serde(default)]
    pub notes: String,
    /// Where every number and quote on the slide came from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// A line under the content: base size, interval, period, or an AI-generated disclosure.
    #[serde(default)]
    pub footnote: String,
    /// Which slide of which stored result this is ("survey:RUN#chart-1a2b3c4d"), for the user's edits to
    /// find it again when the deck is rebuilt; empty for the deck's own slides (title, method).
    #[serde(default)]
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SlideBody {
    /// The opening slide: the subtitle under the title, with the client's and agency's logos.
    Title {
        subtitle: String,
    },
    /// A divider between parts of the deck.
    Section {
        subtitle: String,
    },
    Bullets {
        items: Vec<String>,
    },
    Kpis {
        tiles: Vec<Kpi>,
    },
    Chart {
        chart: ChartSpec,
    },
    Table {
        table: Table,
    },
    Quotes {
        quotes: Vec<Quote>,
    },
}

/// One headline number: "Spend · $48,210 · +12% on the previous period".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub detail: String,
}

/// A verbatim and who said it (a twin, a segment, a respondent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub text: String,
    pub attribution: String,
}

/// A stored record a slide's content came from: a result table, a session's turns, a metrics
/// query. `table` names the kind of record and `reference` the record itself, so a regenerated
/// deck can say what moved and the notes let a reader find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub table: String,
    pub reference: String,
    /// In words: "Survey 'Cold brew pricing', question 2, 400 respondents".
    pub description: String,
}
