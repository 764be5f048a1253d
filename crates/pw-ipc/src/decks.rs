//! Client decks: the builder's spec, the gathered slides it previews, the kept files with
//! their versions, the workspace's white-label theme and the scheduled deliveries.

use base64::Engine as _;
use pw_engine::decks::{
    ChartKind, DeckFile, DeckFormat, DeckSpec, Delivery, GatheredDeck, ScheduledDelivery,
    SectionSpec, Slide, SlideBody, SlideEdit, Theme, ThemeFileRole, WorkspaceTheme,
};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{ErrorKind, IpcError};

fn invalid(message: String) -> IpcError {
    IpcError::new(ErrorKind::InvalidInput, message)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DeckFormatView {
    Pptx,
    Pdf,
    Xlsx,
}

impl From<DeckFormatView> for DeckFormat {
    fn from(format: DeckFormatView) -> Self {
        match format {
            DeckFormatView::Pptx => DeckFormat::Pptx,
            DeckFormatView::Pdf => DeckFormat::Pdf,
            DeckFormatView::Xlsx => DeckFormat::Xlsx,
        }
    }
}

impl From<DeckFormat> for DeckFormatView {
    fn from(format: DeckFormat) -> Self {
        match format {
            DeckFormat::Pptx => DeckFormatView::Pptx,
            DeckFormat::Pdf => DeckFormatView::Pdf,
            DeckFormat::Xlsx => DeckFormatView::Xlsx,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DeckSectionKindView {
    Dashboard,
    SurveyResults,
    Crosstab,
    Insights,
    GroundingReport,
    AgentReport,
    AudienceSignals,
    SurveyReport,
    Fidelity,
}

/// One stored result the deck shows. Which fields are set depends on `kind`: `from`/`to`
/// (dashboard, both or neither), `id` (the survey run, session, report or audience),
/// `questions` (survey results; empty for all), `question` and `dimension` (crosstab),
/// `agent`, `set` (fidelity: the file of people's answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckSectionView {
    pub kind: DeckSectionKindView,
    /// The start of its slides' keys (`survey:RUN`).
    pub key: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub id: Option<String>,
    pub questions: Vec<String>,
    pub question: Option<String>,
    pub dimension: Option<String>,
    pub agent: Option<String>,
    pub set: Option<String>,
}

impl From<SectionSpec> for DeckSectionView {
    fn from(section: SectionSpec) -> Self {
        let mut view = DeckSectionView {
            kind: DeckSectionKindView::Dashboard,
            key: section.key(),
            from: None,
            to: None,
            id: None,
            questions: Vec::new(),
            question: None,
            dimension: None,
            agent: None,
            set: None,
        };
        match section {
            SectionSpec::Dashboard { from, to } => {
                view.from = from.map(|d| d.to_string());
                view.to = to.map(|d| d.to_string());
            }
            SectionSpec::SurveyResults { run, questions } => {
                view.kind = DeckSectionKindView::SurveyResults;
                view.id = Some(run.to_string());
                view.questions = questions;
            }
            SectionSpec::Crosstab {
                run,
                question,
                dimension,
            } => {
                view.kind = DeckSectionKindView::Crosstab;
                view.id = Some(run.to_string());
                view.question = Some(question);
                view.dimension = Some(dimension);
            }
            SectionSpec::Insights { session } => {
                view.kind = DeckSectionKindView::Insights;
                view.id = Some(session.to_string());
            }
            SectionSpec::GroundingReport { report } => {
                view.kind = DeckSectionKindView::GroundingReport;
                view.id = Some(report.to_string());
            }
            SectionSpec::AgentReport { agent } => {
                view.kind = DeckSectionKindView::AgentReport;
                view.agent = Some(agent);
            }
            SectionSpec::AudienceSignals { audience } => {
                view.kind = DeckSectionKindView::AudienceSignals;
                view.id = Some(audience.to_string());
            }
            SectionSpec::SurveyReport { run } => {
                view.kind = DeckSectionKindView::SurveyReport;
                view.id = Some(run.to_string());
            }
            SectionSpec::Fidelity { run, set } => {
                view.kind = DeckSectionKindView::Fidelity;
                view.id = Some(run.to_string());
                view.set = Some(set);
            }
        }
        view
    }
}

impl TryFrom<DeckSectionView> for SectionSpec {
    type Error = IpcError;

    fn try_from(view: DeckSectionView) -> Result<Self, IpcError> {
        let day = |text: Option<String>| -> Result<Option<chrono::NaiveDate>, IpcError> {
            text.filter(|t| !t.trim().is_empty())
                .map(|t| {
                    chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                        .map_err(|_| invalid(format!("\"{t}\" is not a date (YYYY-MM-DD)")))
                })
                .transpose()
        };
        let id = || {
            view.id
                .clone()
                .ok_or_else(|| invalid("the section names no record".to_owned()))
        };
        let text = |value: Option<String>, what: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| invalid(format!("the section needs {what}")))
        };
        Ok(match view.kind {
            DeckSectionKindView::Dashboard => SectionSpec::Dashboard {
                from: day(view.from.clone())?,
                to: day(view.to.clone())?,
            },
            DeckSectionKindView::SurveyResults => SectionSpec::SurveyResults {
                run: id()?.parse()?,
                questions: view.questions.clone(),
            },
            DeckSectionKindView::Crosstab => SectionSpec::Crosstab {
                run: id()?.parse()?,
                question: text(view.question.clone(), "a question")?,
                dimension: text(view.dimension.clone(), "a dimension")?,
            },
            DeckSectionKindView::Insights => SectionSpec::Insights {
                session: id()?.parse()?,
            },
            DeckSectionKindView::GroundingReport => SectionSpec::GroundingReport {
                report: id()?.parse()?,
            },
            DeckSectionKindView::AgentReport => SectionSpec::AgentReport {
                agent: text(view.agent.clone(), "an agent")?,
            },
            DeckSectionKindView::AudienceSignals => SectionSpec::AudienceSignals {
                audience: id()?.parse()?,
            },
            DeckSectionKindView::SurveyReport => SectionSpec::SurveyReport {
                run: id()?.parse()?,
            },
            DeckSectionKindView::Fidelity => SectionSpec::Fidelity {
                run: id()?.parse()?,
                set: text(view.set.clone(), "a file of people's answers")?,
            },
        })
    }
}

/// What the user changed on one gathered slide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlideEditView {
    pub key: String,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub hidden: bool,
}

/// What the user picked for a deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckSpecView {
    pub title: String,
    pub subtitle: String,
    pub objectives: Vec<String>,
    pub sections: Vec<DeckSectionView>,
    pub slides: Vec<SlideEditView>,
    pub slide_order: Vec<String>,
}

impl From<DeckSpec> for DeckSpecView {
    fn from(spec: DeckSpec) -> Self {
        DeckSpecView {
            title: spec.title,
            subtitle: spec.subtitle,
            objectives: spec.objectives,
            sections: spec.sections.into_iter().map(Into::into).collect(),
            slides: spec
                .slides
                .into_iter()
                .map(|e| SlideEditView {
                    key: e.key,
                    title: e.title,
                    notes: e.notes,
                    hidden: e.hidden,
                })
                .collect(),
            slide_order: spec.slide_order,
        }
    }
}

impl TryFrom<DeckSpecView> for DeckSpec {
    type Error = IpcError;

    fn try_from(view: DeckSpecView) -> Result<Self, IpcError> {
        Ok(DeckSpec {
            title: view.title,
            subtitle: view.subtitle,
            objectives: view
                .objectives
                .into_iter()
                .filter(|o| !o.trim().is_empty())
                .collect(),
            sections: view
                .sections
                .into_iter()
                .map(SectionSpec::try_from)
                .collect::<Result<_, _>>()?,
            slides: view
                .slides
                .into_iter()
                .map(|e| SlideEdit {
                    key: e.key,
                    title: e.title,
                    notes: e.notes,
                    hidden: e.hidden,
                })
                .collect(),
            slide_order: view.slide_order,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SlideKindView {
    Title,
    Section,
    Bullets,
    Kpis,
    Chart,
    Table,
    Quotes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KpiTileView {
    pub label: String,
    pub value: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChartSeriesView {
    pub name: String,
    /// One per category; `None` where nothing was measured.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlideChartView {
    /// `bar`, `column`, `stackedColumn` or `line`.
    pub kind: String,
    pub categories: Vec<String>,
    pub series: Vec<ChartSeriesView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlideTableView {
    pub columns: Vec<String>,
    /// The first rows, as the deck writes their numbers.
    pub rows: Vec<Vec<String>>,
    pub total_rows: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlideQuoteView {
    pub text: String,
    pub attribution: String,
}

/// Rows a preview shows of a table.
const PREVIEW_ROWS: usize = 6;

/// A gathered slide as the builder previews it. Which content fields are filled depends on
/// `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlideView {
    /// Empty for the deck's own slides (title, summary, method, dividers), which the user
    /// does not edit.
    pub key: String,
    pub kind: SlideKindView,
    pub title: String,
    pub subtitle: String,
    pub items: Vec<String>,
    pub tiles: Vec<KpiTileView>,
    pub chart: Option<SlideChartView>,
    pub table: Option<SlideTableView>,
    pub quotes: Vec<SlideQuoteView>,
    pub notes: String,
    pub footnote: String,
    /// Each record the slide came from, in words.
    pub sources: Vec<String>,
}

impl From<Slide> for SlideView {
    fn from(slide: Slide) -> Self {
        let mut view = SlideView {
            key: slide.key,
            kind: SlideKindView::Title,
            title: slide.title,
            subtitle: String::new(),
            items: Vec::new(),
            tiles: Vec::new(),
            chart: None,
            table: None,
            quotes: Vec::new(),
            notes: slide.notes,
            footnote: slide.footnote,
            sources: slide.sources.into_iter().map(|s| s.description).collect(),
        };
        match slide.body {
            SlideBody::Title { subtitle } => view.subtitle = subtitle,
            SlideBody::Section { subtitle } => {
                view.kind = SlideKindView::Section;
                view.subtitle = subtitle;
            }
            SlideBody::Bullets { items } => {
                view.kind = SlideKindView::Bullets;
                view.items = items;
            }
            SlideBody::Kpis { tiles } => {
                view.kind = SlideKindView::Kpis;
                view.tiles = tiles
                    .into_iter()
                    .map(|t| KpiTileView {
                        label: t.label,
                        value: t.value,
                        detail: t.detail,
                    })
                    .collect();
            }
            SlideBody::Chart { chart } => {
                view.kind = SlideKindView::Chart;
                view.chart = Some(SlideChartView {
                    kind: match chart.kind {
                        ChartKind::Bar => "bar",
                        ChartKind::Column => "column",
                        ChartKind::StackedColumn => "stackedColumn",
                        ChartKind::Line => "line",
                    }
                    .to_owned(),
                    categories: chart.categories,
                    series: chart
                        .series
                        .into_iter()
                        .map(|s| ChartSeriesView {
                            name: s.name,
                            values: s.values,
                        })
                        .collect(),
                });
            }
            SlideBody::Table { table } => {
                view.kind = SlideKindView::Table;
                view.table = Some(SlideTableView {
                    columns: table.columns.iter().map(|c| c.name.clone()).collect(),
                    rows: table
                        .rows
                        .iter()
                        .take(PREVIEW_ROWS)
                        .map(|row| {
                            row.iter()
                                .zip(&table.columns)
                                .map(|(value, column)| match (&column.format, value) {
                                    (Some(format), _) => format.display(value),
                                    (None, pw_engine::decks::Value::Text(text)) => text.clone(),
                                    (None, other) => {
                                        pw_engine::decks::NumberFormat::Decimal { places: 2 }
                                            .display(other)
                                    }
                                })
                                .collect()
                        })
                        .collect(),
                    total_rows: u32::try_from(table.rows.len()).unwrap_or(u32::MAX),
                });
            }
            SlideBody::Quotes { quotes } => {
                view.kind = SlideKindView::Quotes;
                view.quotes = quotes
                    .into_iter()
                    .map(|q| SlideQuoteView {
                        text: q.text,
                        attribution: q.attribution,
                    })
                    .collect();
            }
        }
        view
    }
}

/// A deck gathered from the workspace, before it is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckPreviewView {
    pub slides: Vec<SlideView>,
    /// The tables behind it (the appendix and the workbook), by name.
    pub tables: Vec<String>,
    /// Edits that found no slide.
    pub warnings: Vec<String>,
}

impl From<GatheredDeck> for DeckPreviewView {
    fn from(gathered: GatheredDeck) -> Self {
        DeckPreviewView {
            slides: gathered.deck.slides.into_iter().map(Into::into).collect(),
            tables: gathered.tables.into_iter().map(|t| t.name).collect(),
            warnings: gathered.warnings,
        }
    }
}

/// A figure that moved between two versions of a deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MovedFigureView {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// A kept deck file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckFileView {
    pub id: String,
    pub name: String,
    pub format: String,
    pub version: u32,
    /// "Review v3.pptx"
    pub file_name: String,
    pub size_bytes: u64,
    pub created_at: String,
    /// `false` for a first version.
    pub has_previous: bool,
    /// What moved since the version before (the first 20).
    pub moved: Vec<MovedFigureView>,
    pub moved_count: u32,
    pub added: u32,
    pub removed: u32,
}

impl From<DeckFile> for DeckFileView {
    fn from(file: DeckFile) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        DeckFileView {
            file_name: file.file_name(),
            id: file.id,
            name: file.name,
            format: file.format,
            version: u32::try_from(file.version).unwrap_or(0),
            size_bytes: u64::try_from(file.size_bytes).unwrap_or(0),
            created_at: file.created_at.to_rfc3339(),
            has_previous: file.changes.is_some(),
            moved: file
                .changes
                .as_ref()
                .map(|c| {
                    c.moved
                        .iter()
                        .take(20)
                        .map(|m| MovedFigureView {
                            label: m.label.clone(),
                            before: m.before.clone(),
                            after: m.after.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            moved_count: file.changes.as_ref().map_or(0, |c| count(c.moved.len())),
            added: file.changes.as_ref().map_or(0, |c| count(c.added)),
            removed: file.changes.as_ref().map_or(0, |c| count(c.removed)),
        }
    }
}

/// Builds and keeps a deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BuildDeckRequest {
    pub workspace_id: String,
    pub spec: DeckSpecView,
    pub format: DeckFormatView,
}

/// A built deck: the kept file, where it was written, and what was done instead of what was
/// asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BuiltDeckView {
    pub file: DeckFileView,
    pub path: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ThemeFileRoleView {
    ClientLogo,
    AgencyLogo,
    FontRegular,
    FontBold,
}

impl From<ThemeFileRoleView> for ThemeFileRole {
    fn from(role: ThemeFileRoleView) -> Self {
        match role {
            ThemeFileRoleView::ClientLogo => ThemeFileRole::ClientLogo,
            ThemeFileRoleView::AgencyLogo => ThemeFileRole::AgencyLogo,
            ThemeFileRoleView::FontRegular => ThemeFileRole::FontRegular,
            ThemeFileRoleView::FontBold => ThemeFileRole::FontBold,
        }
    }
}

impl From<ThemeFileRole> for ThemeFileRoleView {
    fn from(role: ThemeFileRole) -> Self {
        match role {
            ThemeFileRole::ClientLogo => ThemeFileRoleView::ClientLogo,
            ThemeFileRole::AgencyLogo => ThemeFileRoleView::AgencyLogo,
            ThemeFileRole::FontRegular => ThemeFileRoleView::FontRegular,
            ThemeFileRole::FontBold => ThemeFileRoleView::FontBold,
        }
    }
}

/// The theme's names, colours (`#RRGGBB`) and font names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThemeSettingsView {
    pub client_name: String,
    pub agency_name: String,
    pub primary: String,
    pub secondary: String,
    pub text: String,
    pub background: String,
    pub heading_font: String,
    pub body_font: String,
}

impl From<Theme> for ThemeSettingsView {
    fn from(theme: Theme) -> Self {
        ThemeSettingsView {
            client_name: theme.client_name,
            agency_name: theme.agency_name,
            primary: theme.primary.into(),
            secondary: theme.secondary.into(),
            text: theme.text.into(),
            background: theme.background.into(),
            heading_font: theme.heading_font,
            body_font: theme.body_font,
        }
    }
}

impl TryFrom<ThemeSettingsView> for Theme {
    type Error = IpcError;

    fn try_from(view: ThemeSettingsView) -> Result<Self, IpcError> {
        let colour =
            |text: &str| pw_engine::decks::Rgb::parse(text).map_err(|e| invalid(e.to_string()));
        Ok(Theme {
            primary: colour(&view.primary)?,
            secondary: colour(&view.secondary)?,
            text: colour(&view.text)?,
            background: colour(&view.background)?,
            client_name: view.client_name,
            agency_name: view.agency_name,
            heading_font: view.heading_font,
            body_font: view.body_font,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThemeFileView {
    pub role: ThemeFileRoleView,
    pub file_name: String,
    pub size_bytes: u64,
}

/// The workspace's theme as the editor shows it, with its logos as data URLs for the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckThemeView {
    pub settings: ThemeSettingsView,
    pub files: Vec<ThemeFileView>,
    pub saved: bool,
    pub workspace_brand: String,
    pub warnings: Vec<String>,
    pub client_logo: Option<String>,
    pub agency_logo: Option<String>,
}

impl DeckThemeView {
    pub fn new(
        theme: WorkspaceTheme,
        client_logo: Option<Vec<u8>>,
        agency_logo: Option<Vec<u8>>,
    ) -> Self {
        let data_url = |png: Vec<u8>| {
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png)
            )
        };
        DeckThemeView {
            settings: theme.theme.into(),
            files: theme
                .files
                .into_iter()
                .map(|f| ThemeFileView {
                    role: f.role.into(),
                    file_name: f.file_name,
                    size_bytes: u64::try_from(f.size_bytes).unwrap_or(0),
                })
                .collect(),
            saved: theme.saved,
            workspace_brand: theme.workspace_brand,
            warnings: theme.warnings,
            client_logo: client_logo.map(data_url),
            agency_logo: agency_logo.map(data_url),
        }
    }
}

/// A file for the theme, as the window read it (its name and base64 contents), or neither to
/// stop carrying it; one without the other is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThemeFileChangeView {
    pub role: ThemeFileRoleView,
    pub file_name: Option<String>,
    pub base64: Option<String>,
}

impl ThemeFileChangeView {
    /// The engine's change: bytes decoded, or a removal.
    pub fn decode(self) -> Result<(ThemeFileRole, pw_engine::decks::ThemeFileSource), IpcError> {
        let role: ThemeFileRole = self.role.into();
        match (self.file_name, self.base64) {
            (Some(file_name), Some(data)) => {
                // Base64 is 4 characters per 3 bytes: a file too large is refused undecoded.
                if data.len() / 4 * 3 > role.largest_bytes() {
                    return Err(invalid(format!(
                        "{} may be at most {} MB",
                        role.describe(),
                        role.largest_bytes() / (1024 * 1024)
                    )));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .map_err(|e| invalid(format!("the file could not be read: {e}")))?;
                Ok((
                    role,
                    pw_engine::decks::ThemeFileSource::Bytes { file_name, bytes },
                ))
            }
            (None, None) => Ok((role, pw_engine::decks::ThemeFileSource::Remove)),
            // Half a file is a mistake of the window's, not a request to remove the one kept.
            _ => Err(invalid(format!(
                "{} came without its name or its contents",
                role.describe()
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SaveDeckThemeRequest {
    pub workspace_id: String,
    pub settings: ThemeSettingsView,
    pub files: Vec<ThemeFileChangeView>,
}

/// A scheduled delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeckDeliveryView {
    pub name: String,
    pub spec: DeckSpecView,
    pub format: DeckFormatView,
    pub folder: String,
    /// The dashboard's period: the days before each delivery; `None`: the spec's dates.
    pub period_days: Option<u32>,
    /// Five fields, this computer's time.
    pub cron: String,
    /// Why the schedule could not fire, if it could not.
    pub schedule_error: Option<String>,
    /// False for one that came in an imported workspace: off until saved again here.
    pub enabled: bool,
}

impl From<ScheduledDelivery> for DeckDeliveryView {
    fn from(scheduled: ScheduledDelivery) -> Self {
        let delivery = scheduled.delivery;
        DeckDeliveryView {
            name: delivery.name,
            spec: delivery.spec.into(),
            format: delivery.format.into(),
            folder: delivery.folder.display().to_string(),
            period_days: delivery.period_days,
            cron: scheduled.cron,
            schedule_error: scheduled.schedule_error,
            enabled: scheduled.enabled,
        }
    }
}

impl DeckDeliveryView {
    /// The engine's delivery and its cron.
    pub fn into_delivery(self) -> Result<(Delivery, String), IpcError> {
        Ok((
            Delivery {
                name: self.name,
                spec: self.spec.try_into()?,
                format: self.format.into(),
                folder: std::path::PathBuf::from(self.folder.trim()),
                period_days: self.period_days,
            },
            self.cron,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SaveDeckDeliveryRequest {
    pub workspace_id: String,
    pub delivery: DeckDeliveryView,
}
