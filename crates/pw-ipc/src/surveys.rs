//! Surveys as the Surveys screens show them: designs with their logic in words, runs with
//! their universe and progress, results with intervals and diagnostics, crosstabs with their
//! significance letters, and the fidelity view's two distributions per question.

use pw_engine::surveys::{
    Answer, CitedItem, Condition, Crosstab, FidelityReport, HumanSet, QuestionDiagnostics,
    QuestionResult, QuestionType, Reliability, RunResults, Share, SpreadReference, StoredSurvey,
    SurveyReport, SurveyRun, SurveySummary, Weighting,
};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::vocabulary::instant_text;
use crate::{ErrorKind, IpcError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveySummaryView {
    pub id: String,
    pub title: String,
    pub questions: u32,
    pub version: u32,
    pub updated_at: String,
}

impl From<SurveySummary> for SurveySummaryView {
    fn from(s: SurveySummary) -> Self {
        SurveySummaryView {
            id: s.id.to_string(),
            title: s.title,
            questions: s.questions as u32,
            version: s.version as u32,
            updated_at: instant_text(s.updated_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceView {
    pub id: String,
    pub label: String,
}

/// A question as the designer outlines it, its logic in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionOutlineView {
    pub id: String,
    /// single_choice, multiple_choice, likert, nps, numeric, ranking, matrix, open.
    pub kind: String,
    pub text: String,
    pub options: Vec<ChoiceView>,
    pub rows: Vec<ChoiceView>,
    pub points: Option<u32>,
    pub labels: Vec<String>,
    pub randomized: bool,
    pub logic: Vec<String>,
}

/// A survey with its design as the file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveyDesignView {
    pub summary: SurveySummaryView,
    pub intro: String,
    pub json: String,
    pub questions: Vec<QuestionOutlineView>,
}

fn condition_words(condition: &Condition) -> String {
    let mut parts = Vec::new();
    if let Some(id) = &condition.answered {
        parts.push(format!("\"{id}\" was answered"));
    }
    if let Some(id) = &condition.question {
        if let Some(chose) = &condition.chose {
            parts.push(format!("\"{id}\" chose {}", chose.join(" or ")));
        }
        if let Some(low) = condition.at_least {
            parts.push(format!("\"{id}\" is at least {low}"));
        }
        if let Some(high) = condition.at_most {
            parts.push(format!("\"{id}\" is at most {high}"));
        }
    }
    if let Some(all) = &condition.all {
        parts.push(format!(
            "all of ({})",
            all.iter()
                .map(condition_words)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(any) = &condition.any {
        parts.push(format!(
            "any of ({})",
            any.iter()
                .map(condition_words)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(not) = &condition.not {
        parts.push(format!("not ({})", condition_words(not)));
    }
    parts.join(" and ")
}

impl SurveyDesignView {
    pub fn new(stored: StoredSurvey, json: String) -> Self {
        let choices = |c: &[pw_engine::surveys::Choice]| {
            c.iter()
                .map(|c| ChoiceView {
                    id: c.id.clone(),
                    label: c.label.clone(),
                })
                .collect()
        };
        let questions = stored
            .definition
            .questions
            .iter()
            .map(|q| {
                let mut logic = Vec::new();
                if let Some(condition) = &q.display_if {
                    logic.push(format!("Shown only if {}", condition_words(condition)));
                }
                for rule in &q.skip {
                    let to = if rule.to == "end" {
                        "the end".to_owned()
                    } else {
                        format!("\"{}\"", rule.to)
                    };
                    logic.push(format!("Skips to {to} if {}", condition_words(&rule.when)));
                }
                QuestionOutlineView {
                    id: q.id.clone(),
                    kind: q.kind.as_str().to_owned(),
                    text: q.text.clone(),
                    options: choices(&q.options),
                    rows: choices(&q.rows),
                    points: q.points.map(u32::from),
                    labels: q.labels.clone(),
                    randomized: q.randomize,
                    logic,
                }
            })
            .collect();
        SurveyDesignView {
            intro: stored.definition.intro.clone(),
            summary: stored.summary.into(),
            json,
            questions,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportSurveyRequest {
    pub workspace_id: String,
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSurveyRequest {
    pub survey_id: String,
    pub expected_version: u32,
    pub json: String,
}

/// An answer given in the preview, as text: an option id (several joined by commas), a number,
/// or words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewAnswerView {
    pub question_id: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRequest {
    pub survey_id: String,
    pub answers: Vec<PreviewAnswerView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewStepView {
    pub question_id: String,
    pub shown: bool,
    pub reason: Option<String>,
}

/// A preview answer read as its question's kind of answer; `None` when it does not read.
pub fn preview_answer(kind: QuestionType, value: &str) -> Option<Answer> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let ids = || {
        value
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    };
    Some(match kind {
        QuestionType::SingleChoice => Answer::Choice(value.to_owned()),
        QuestionType::MultipleChoice => Answer::Choices(ids()),
        QuestionType::Ranking => Answer::Ranking(ids()),
        QuestionType::Likert => Answer::Point(value.parse().ok()?),
        QuestionType::Nps => Answer::Score(value.parse().ok()?),
        QuestionType::Numeric => Answer::Number(value.parse().ok()?),
        QuestionType::Matrix => Answer::Points(
            value
                .split(',')
                .map(|v| v.trim().parse().ok())
                .collect::<Option<Vec<u8>>>()?,
        ),
        QuestionType::Open => Answer::Text(value.to_owned()),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ShareInput {
    pub name: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartSurveyRunRequest {
    pub workspace_id: String,
    pub survey_id: String,
    pub respondents: u32,
    /// Digits; empty or absent for a new seed.
    pub seed: Option<String>,
    pub concurrency: u32,
    /// Draw to US census margins (off: only the targets given).
    pub census: bool,
    pub income: bool,
    pub education: Vec<ShareInput>,
    /// Draw like the people in this file of answers.
    pub human_set_id: Option<String>,
}

impl StartSurveyRunRequest {
    pub fn seed(&self) -> Result<Option<u64>, IpcError> {
        match self.seed.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                IpcError::new(
                    ErrorKind::InvalidInput,
                    format!("the seed \"{text}\" is not a whole number"),
                )
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CategoryTargetView {
    pub key: String,
    pub label: String,
    pub target: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DimensionView {
    pub name: String,
    pub source: String,
    pub categories: Vec<CategoryTargetView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveyRunView {
    pub id: String,
    pub survey_id: String,
    pub title: String,
    /// queued, running, paused, completed, failed, cancelled.
    pub status: String,
    pub status_note: String,
    pub respondents: u32,
    pub answered: u32,
    pub seed: String,
    pub job_id: Option<String>,
    pub universe: Vec<DimensionView>,
    pub answering_model: String,
    pub embedding_model: String,
    pub created_at: String,
}

impl From<SurveyRun> for SurveyRunView {
    fn from(run: SurveyRun) -> Self {
        let text = |key: &str| run.manifest[key].as_str().unwrap_or_default().to_owned();
        SurveyRunView {
            id: run.id.to_string(),
            survey_id: run.survey_id.to_string(),
            title: run.title.clone(),
            status: run.status.as_str().to_owned(),
            status_note: run.status_note.clone(),
            respondents: run.respondents as u32,
            answered: run.answered as u32,
            seed: run.seed.to_string(),
            job_id: run.job_id.clone(),
            answering_model: text("answering_model"),
            embedding_model: text("embedding_model"),
            universe: run
                .universe
                .dimensions
                .iter()
                .map(|d| DimensionView {
                    name: d.name.clone(),
                    source: d.source.clone(),
                    categories: d
                        .categories
                        .iter()
                        .zip(&d.labels)
                        .zip(&d.shares)
                        .map(|((key, label), target)| CategoryTargetView {
                            key: key.clone(),
                            label: label.clone(),
                            target: *target,
                        })
                        .collect(),
                })
                .collect(),
            created_at: instant_text(run.created_at),
        }
    }
}

/// A run just queued (or resumed), with the job answering it for the jobs panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartedSurveyRunView {
    pub run: SurveyRunView,
    /// `None` when nothing is left to answer.
    pub job: Option<crate::JobView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResultsRequest {
    pub run_id: String,
    pub weighted: bool,
    /// 1 reads ratings as rated.
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MarginView {
    pub dimension: String,
    pub category: String,
    pub target: f64,
    pub sample: f64,
    pub weighted: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WeightingView {
    pub table: String,
    pub weighted: bool,
    pub converged: bool,
    pub design_effect: f64,
    pub effective_base: f64,
    pub margins: Vec<MarginView>,
    pub unfilled: Vec<String>,
    /// Weights held to 0.3–3 times the mean, and the raking passes it took.
    pub trimmed_weights: u32,
    pub iterations: u32,
}

impl From<&Weighting> for WeightingView {
    fn from(w: &Weighting) -> Self {
        WeightingView {
            table: w.table.clone(),
            weighted: w.weighted,
            converged: w.converged,
            design_effect: w.design_effect,
            effective_base: w.effective_sample_size,
            margins: w
                .margins
                .iter()
                .map(|m| MarginView {
                    dimension: m.dimension.clone(),
                    category: m.category.clone(),
                    target: m.target,
                    sample: m.sample,
                    weighted: m.weighted,
                })
                .collect(),
            unfilled: w.unfilled.clone(),
            trimmed_weights: w.trimmed_weights as u32,
            iterations: w.iterations as u32,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ShareView {
    pub key: String,
    pub label: String,
    pub share: f64,
    pub low: f64,
    pub high: f64,
    pub count: f64,
}

impl From<&Share> for ShareView {
    fn from(s: &Share) -> Self {
        ShareView {
            key: s.key.clone(),
            label: s.label.clone(),
            share: s.share,
            low: s.low,
            high: s.high,
            count: s.count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MeanView {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub standard_deviation: f64,
}

/// Promoters (9-10) less detractors (0-6), in points from -100 to 100, with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NetPromoterView {
    pub score: f64,
    pub low: f64,
    pub high: f64,
    pub promoters: f64,
    pub detractors: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LabelledMeanView {
    pub label: String,
    pub mean: MeanView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCountView {
    pub reason: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OrderEffectView {
    pub option: String,
    pub forward_share: f64,
    pub reversed_share: f64,
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    pub q_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionDiagnosticsView {
    /// no_warning, caution, confirm_with_people.
    pub reliability: String,
    pub reasons: Vec<String>,
    pub spread_ratio: Option<f64>,
    /// human or expected.
    pub spread_reference: Option<String>,
    pub r_squared: Option<f64>,
    pub human_r_squared: Option<f64>,
    pub order: Option<OrderEffectView>,
    pub non_response_share: f64,
}

impl From<&QuestionDiagnostics> for QuestionDiagnosticsView {
    fn from(d: &QuestionDiagnostics) -> Self {
        QuestionDiagnosticsView {
            reliability: match d.reliability {
                Reliability::NoWarning => "no_warning",
                Reliability::Caution => "caution",
                Reliability::ConfirmWithPeople => "confirm_with_people",
            }
            .to_owned(),
            reasons: d.reasons.clone(),
            spread_ratio: d.spread.as_ref().map(|s| s.ratio),
            spread_reference: d.spread.as_ref().map(|s| {
                match s.reference {
                    SpreadReference::Human => "human",
                    SpreadReference::Expected => "expected",
                }
                .to_owned()
            }),
            r_squared: d.over_determination.as_ref().map(|o| o.r_squared),
            human_r_squared: d
                .over_determination
                .as_ref()
                .and_then(|o| o.human_r_squared),
            order: d.order.as_ref().map(|o| OrderEffectView {
                option: o.option.clone(),
                forward_share: o.forward_share,
                reversed_share: o.reversed_share,
                difference: o.difference,
                low: o.low,
                high: o.high,
                q_value: o.q_value,
            }),
            non_response_share: d.non_response_share,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResultView {
    pub table: String,
    pub question_id: String,
    pub text: String,
    pub kind: String,
    pub asked: u32,
    pub answered: u32,
    pub non_responses: Vec<ReasonCountView>,
    pub effective_base: f64,
    pub shares: Vec<ShareView>,
    pub mean: Option<MeanView>,
    pub net_promoter: Option<NetPromoterView>,
    pub ranks: Vec<LabelledMeanView>,
    pub rows: Vec<LabelledMeanView>,
    /// Open questions: their themes once coded (`None` until then).
    pub themes: Option<Vec<OpenThemeView>>,
    pub diagnostics: Option<QuestionDiagnosticsView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveyQuoteView {
    pub respondent: u32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OpenThemeView {
    pub name: String,
    /// "vendor/model", or "keywords" when no model named it.
    pub named_by: String,
    pub share: ShareView,
    pub quotes: Vec<SurveyQuoteView>,
}

fn mean_view(m: &pw_engine::surveys::Mean) -> MeanView {
    MeanView {
        value: m.value,
        low: m.low,
        high: m.high,
        standard_deviation: m.standard_deviation,
    }
}

impl QuestionResultView {
    fn new(q: &QuestionResult, diagnostics: Option<&QuestionDiagnostics>) -> Self {
        QuestionResultView {
            table: q.table.clone(),
            question_id: q.question.clone(),
            text: q.text.clone(),
            kind: q.kind.as_str().to_owned(),
            asked: q.asked as u32,
            answered: q.answered as u32,
            non_responses: q
                .non_responses
                .iter()
                .map(|(reason, count)| ReasonCountView {
                    reason: reason.clone(),
                    count: *count as u32,
                })
                .collect(),
            effective_base: q.effective_base,
            shares: q.shares.iter().map(ShareView::from).collect(),
            mean: q.mean.as_ref().map(mean_view),
            net_promoter: q.net_promoter.map(|n| NetPromoterView {
                score: n.score,
                low: n.low,
                high: n.high,
                promoters: n.promoters,
                detractors: n.detractors,
            }),
            ranks: q
                .ranks
                .iter()
                .map(|(label, m)| LabelledMeanView {
                    label: label.clone(),
                    mean: mean_view(m),
                })
                .collect(),
            rows: q
                .rows
                .iter()
                .filter_map(|r| {
                    r.mean.as_ref().map(|m| LabelledMeanView {
                        label: r.label.clone(),
                        mean: mean_view(m),
                    })
                })
                .collect(),
            themes: q.themes.as_ref().map(|themes| {
                themes
                    .iter()
                    .map(|t| OpenThemeView {
                        name: t.name.clone(),
                        named_by: t.named_by.clone(),
                        share: (&t.share).into(),
                        quotes: t
                            .quotes
                            .iter()
                            .map(|q| SurveyQuoteView {
                                respondent: q.respondent as u32,
                                text: q.text.clone(),
                            })
                            .collect(),
                    })
                    .collect()
            }),
            diagnostics: diagnostics.map(QuestionDiagnosticsView::from),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveyResultsView {
    pub run: SurveyRunView,
    pub title: String,
    pub weighting: WeightingView,
    pub questions: Vec<QuestionResultView>,
}

impl From<RunResults> for SurveyResultsView {
    fn from(r: RunResults) -> Self {
        SurveyResultsView {
            title: r.survey.title.clone(),
            weighting: (&r.results.weighting).into(),
            questions: r
                .results
                .questions
                .iter()
                .map(|q| {
                    QuestionResultView::new(
                        q,
                        r.diagnostics.iter().find(|d| d.question == q.question),
                    )
                })
                .collect(),
            run: r.run.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CrosstabRequest {
    pub run_id: String,
    pub question_id: String,
    pub dimension: String,
    pub weighted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChiSquareView {
    pub statistic: f64,
    pub design_effect: f64,
    pub degrees_of_freedom: u32,
    pub p_value: f64,
    pub small_expected_cells: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CrosstabView {
    pub table: String,
    pub answer: String,
    pub grouping: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub letters: Vec<String>,
    /// Column shares, row by row.
    pub shares: Vec<Vec<f64>>,
    /// For each cell, the letters of the columns it is significantly higher than.
    pub higher_than: Vec<Vec<String>>,
    pub effective_bases: Vec<f64>,
    /// Columns too thin (an effective base under 30) to be lettered.
    pub low_base_columns: Vec<u32>,
    pub chi_square: Option<ChiSquareView>,
}

impl From<Crosstab> for CrosstabView {
    fn from(t: Crosstab) -> Self {
        let higher_than = (0..t.rows.len())
            .map(|r| {
                (0..t.columns.len())
                    .map(|c| t.significance_letters(r, c))
                    .collect()
            })
            .collect();
        CrosstabView {
            table: format!("X:{}×{}", t.answer, t.grouping),
            higher_than,
            answer: t.answer,
            grouping: t.grouping,
            rows: t.rows,
            columns: t.columns,
            letters: t.column_letters,
            shares: t.column_shares,
            effective_bases: t.effective_column_sizes,
            low_base_columns: t.low_base_columns.iter().map(|c| *c as u32).collect(),
            chi_square: t.chi_square.map(|c| ChiSquareView {
                statistic: c.corrected_statistic,
                design_effect: c.design_effect,
                degrees_of_freedom: c.degrees_of_freedom as u32,
                p_value: c.p_value,
                small_expected_cells: c.small_expected_cells as u32,
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRowView {
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HumanSetView {
    pub id: String,
    pub name: String,
    pub rows: u32,
    pub skipped: Vec<SkippedRowView>,
    pub dimensions: Vec<String>,
    pub created_at: String,
}

impl From<HumanSet> for HumanSetView {
    fn from(h: HumanSet) -> Self {
        HumanSetView {
            id: h.id,
            name: h.name,
            rows: h.rows as u32,
            skipped: h
                .skipped
                .into_iter()
                .map(|s| SkippedRowView {
                    line: s.line as u32,
                    reason: s.reason,
                })
                .collect(),
            dimensions: h.dimensions.into_iter().map(|d| d.name).collect(),
            created_at: instant_text(h.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapView {
    /// A question id or a dimension name.
    pub name: String,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportHumanRequest {
    pub run_id: String,
    pub name: String,
    pub csv: String,
    pub questions: Vec<ColumnMapView>,
    pub dimensions: Vec<ColumnMapView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FidelityRequest {
    pub run_id: String,
    pub human_set_id: String,
    pub by: Option<String>,
    pub weighted: bool,
    /// The rating temperature the results screen reads at (1 reads ratings as rated).
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionFidelityView {
    pub table: String,
    pub question_id: String,
    pub text: String,
    pub ordered: bool,
    pub categories: Vec<String>,
    pub synthetic: Vec<f64>,
    pub human: Vec<f64>,
    pub synthetic_answers: u32,
    pub human_answers: u32,
    pub ks_similarity: Option<f64>,
    pub jensen_shannon_bits: Option<f64>,
    pub mean_ratio: Option<f64>,
    pub standard_deviation_ratio: Option<f64>,
    pub subgroup_correlation: Option<f64>,
    pub subgroups: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FidelityView {
    pub by: Option<String>,
    pub human_rows: u32,
    pub skipped: Vec<SkippedRowView>,
    pub questions: Vec<QuestionFidelityView>,
    pub mean_ks_similarity: Option<f64>,
    pub mean_jensen_shannon_bits: Option<f64>,
    pub mean_standard_deviation_ratio: Option<f64>,
    pub mean_subgroup_correlation: Option<f64>,
}

impl From<FidelityReport> for FidelityView {
    fn from(r: FidelityReport) -> Self {
        FidelityView {
            by: r.by,
            human_rows: r.human_rows as u32,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedRowView {
                    line: s.line as u32,
                    reason: s.reason,
                })
                .collect(),
            questions: r
                .questions
                .into_iter()
                .map(|q| QuestionFidelityView {
                    table: q.table,
                    question_id: q.question,
                    text: q.text,
                    ordered: q.ordered,
                    categories: q.categories,
                    synthetic: q.synthetic,
                    human: q.human,
                    synthetic_answers: q.synthetic_answers as u32,
                    human_answers: q.human_answers as u32,
                    ks_similarity: q.ks_similarity,
                    jensen_shannon_bits: q.jensen_shannon_bits,
                    mean_ratio: q.mean_ratio,
                    standard_deviation_ratio: q.standard_deviation_ratio,
                    subgroup_correlation: q.subgroup_correlation.map(|c| c.correlation),
                    subgroups: q.subgroup_correlation.map_or(0, |c| c.subgroups as u32),
                })
                .collect(),
            mean_ks_similarity: r.overall.mean_ks_similarity,
            mean_jensen_shannon_bits: r.overall.mean_jensen_shannon_bits,
            mean_standard_deviation_ratio: r.overall.mean_standard_deviation_ratio,
            mean_subgroup_correlation: r.overall.mean_subgroup_correlation,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExampleSurveyView {
    pub survey: SurveySummaryView,
    pub human_set: HumanSetView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportResultsRequest {
    pub run_id: String,
    /// csv or xlsx.
    pub format: String,
    pub weighted: bool,
    /// The rating temperature the results screen reads at (1 reads ratings as rated).
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartSurveyReportRequest {
    pub run_id: String,
    pub weighted: bool,
    /// 1 reads ratings as rated.
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportSurveyReportRequest {
    pub run_id: String,
    pub format: crate::ReportFormatView,
}

/// An item of the report and the result tables it cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportItemView {
    pub text: String,
    pub tables: Vec<String>,
}

/// A result table as the analysis agent read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportTableView {
    /// `Q:buy`, `X:buy×segment`, …
    pub table: String,
    pub line: String,
    /// Whether the model was shown it (a small model's context may not hold every table).
    pub shown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SurveyReportView {
    pub id: String,
    pub run_id: String,
    pub version: u32,
    pub written_by: String,
    pub weighted: bool,
    pub temperature: f64,
    pub items_checked: u32,
    pub items_dropped: u32,
    pub created_at: String,
    pub findings: Vec<ReportItemView>,
    pub segments: Vec<ReportItemView>,
    pub implications: Vec<ReportItemView>,
    pub actions: Vec<ReportItemView>,
    /// From the diagnostics, the weighting and the fidelity harness; not the model's.
    pub caveats: Vec<ReportItemView>,
    /// What the model wrote that did not hold against the tables, and why.
    pub dropped: Vec<DroppedItemView>,
    pub tables: Vec<ReportTableView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DroppedItemView {
    pub section: String,
    pub text: String,
    pub tables: Vec<String>,
    pub reason: String,
}

fn report_items(items: Vec<CitedItem>) -> Vec<ReportItemView> {
    items
        .into_iter()
        .map(|i| ReportItemView {
            text: i.text,
            tables: i.tables,
        })
        .collect()
}

impl From<SurveyReport> for SurveyReportView {
    fn from(report: SurveyReport) -> Self {
        let shown = report.tables.shown;
        SurveyReportView {
            id: report.id,
            run_id: report.run_id.to_string(),
            version: report.version as u32,
            written_by: report.written_by,
            weighted: report.weighted,
            temperature: report.temperature,
            items_checked: report.items_checked as u32,
            items_dropped: report.items_dropped as u32,
            created_at: instant_text(report.created_at),
            findings: report_items(report.body.findings),
            segments: report_items(report.body.segments),
            implications: report_items(report.body.implications),
            actions: report_items(report.body.actions),
            caveats: report_items(report.body.caveats),
            dropped: report
                .body
                .dropped
                .into_iter()
                .map(|d| DroppedItemView {
                    section: d.section,
                    text: d.text,
                    tables: d.tables,
                    reason: d.reason,
                })
                .collect(),
            tables: report
                .tables
                .lines
                .into_iter()
                .map(|line| ReportTableView {
                    shown: shown.contains(&line.table),
                    table: line.table,
                    line: line.line,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_answers_read_as_their_question_kind() {
        assert_eq!(
            preview_answer(QuestionType::MultipleChoice, "a, b"),
            Some(Answer::Choices(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            preview_answer(QuestionType::Likert, "4"),
            Some(Answer::Point(4))
        );
        assert_eq!(preview_answer(QuestionType::Nps, "eleven"), None);
        assert_eq!(preview_answer(QuestionType::Open, "  "), None);
    }
}
