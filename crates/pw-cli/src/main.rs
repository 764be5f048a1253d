//! `profitwheel`: the headless command line over the same engine as the desktop app, for
//! scripts, CI and agencies' automation. Output goes to stdout; errors go to stderr with an exit
//! code per error kind (see `docs/cli.md`).

mod agents;
mod connectors;
mod decks;
mod evidence;
mod models;
mod output;
mod sessions;
mod surveys;
mod twins;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use pw_domain::DateRange;
use pw_engine::jobs::JobState;
use pw_engine::workspaces::CreateWorkspace;
use pw_engine::{Engine, EngineConfig, EngineError, ErrorKind};

#[derive(Parser)]
#[command(
    name = "profitwheel",
    version,
    about = "ProfitWheel from the command line: workspaces, demo data, dashboards, signals, search, grounding reports, twins, focus groups, interviews and jobs."
)]
struct Cli {
    /// Folder holding the database, blobs and exports [default: the app's data folder, or $PROFITWHEEL_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of tables
    #[arg(long, global = true)]
    json: bool,
    /// More log output on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// How long a running job's claim lasts without a heartbeat before another process may
    /// recover it.
    #[arg(long, global = true, hide = true, value_name = "SECONDS")]
    job_lease_secs: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a demo workspace (a fictional coffee brand with 180 days of data) and print its
    /// KPIs; with --from-sandbox, by connecting every platform of the sandbox and syncing it
    Demo {
        /// Make it by real syncs from the sandbox (nine platforms over HTTP on this computer)
        #[arg(long)]
        from_sandbox: bool,
        /// Days of history the sandbox serves
        #[arg(long, default_value_t = 90, requires = "from_sandbox")]
        days: u32,
    },
    /// Manage workspaces
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Print the KPIs of a workspace for a date range (default: its last 30 days of data)
    Kpis {
        /// Workspace id or exact name
        workspace: String,
        /// First day, YYYY-MM-DD
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Last day, YYYY-MM-DD
        #[arg(long, requires = "from")]
        to: Option<String>,
    },
    /// Inspect and steer background jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Language models: vendors and keys, models per task, offline mode, prices and spend
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Audience signals: what audiences do, look for and say, each with the rows behind it
    #[command(subcommand)]
    Signals(SignalsCommand),
    /// Search everything a workspace holds: mentions, search terms, creatives, signals, reports
    Search {
        /// Workspace id or exact name
        workspace: String,
        /// Words; "quoted phrases"; empty for everything
        query: String,
        /// Only this kind (repeatable): mention, search_term, behavior, creative, signal, report
        #[arg(long)]
        kind: Vec<String>,
        /// Only this facet value (repeatable), as field=value: platform=meta, sentiment=negative
        #[arg(long)]
        facet: Vec<String>,
        /// First day, YYYY-MM-DD
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Mentions by meaning as well as words (BM25 and embeddings fused by rank)
        #[arg(long)]
        hybrid: bool,
    },
    /// Grounding reports: written by a model from signals, every claim citing its evidence
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// The search index of a workspace
    #[command(subcommand)]
    Index(IndexCommand),
    /// AI twins of an audience: built from its signals, every memory linked to its evidence
    #[command(subcommand)]
    Twins(TwinsCommand),
    /// Moderated focus groups of twins following a discussion guide (see docs/discussion-guide.md)
    #[command(subcommand, name = "focus-group")]
    FocusGroup(FocusGroupCommand),
    /// Connect an ad platform to a workspace (secrets on standard input, kept in the OS keychain)
    Connect(connectors::ConnectArgs),
    /// The workspace's ad-platform connections: list, remove, pick accounts, schedule
    #[command(subcommand)]
    Connections(connectors::ConnectionsCommand),
    /// Sync a workspace's connections now (progress on stderr, the end report on stdout), or
    /// `sync status WORKSPACE`
    Sync(connectors::SyncArgs),
    /// Serve the local fake of the ad platforms (Meta, Google Ads, TikTok, Pinterest, LinkedIn,
    /// Snapchat, GA4, YouTube, DV360) for trying connections and syncs without accounts; stops
    /// on Ctrl-C
    Sandbox(connectors::SandboxArgs),
    /// Enrichment: the Census API's ACS tables for surveys, web and news search for mentions
    #[command(subcommand)]
    Enrich(connectors::EnrichCommand),
    /// Ask the workspace copilot a question: its steps on stderr, the answer and the results it
    /// cites on stdout
    Ask { workspace: String, question: String },
    /// The analyst agents' kept runs: what was asked, answered and cited
    #[command(subcommand)]
    Agents(agents::AgentsCommand),
    /// Client decks from a spec file: PowerPoint with native charts, every number citing the
    /// stored result it came from
    #[command(subcommand)]
    Deck(decks::DeckCommand),
    /// The tables behind a deck (dashboard, survey results, crosstabs) as XLSX or CSV
    Export(decks::ExportArgs),
    /// Surveys: designs with logic in a documented JSON format (see docs/survey-format.md)
    #[command(subcommand)]
    Survey(surveys::SurveyCommand),
    /// A session's insights (themes, agreement, disagreement, actions, each citing turns), written
    /// if there are none yet, as Markdown or PDF
    Insights {
        /// The study's id (or the session's)
        study: String,
        /// md or pdf
        #[arg(long, default_value = "md")]
        format: String,
        /// Write here instead of standard output (a PDF needs a file)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write a new version even if there is one
        #[arg(long)]
        rewrite: bool,
    },
    /// A 1:1 interview of a twin: every answer split into what it says and what it thinks
    Interview {
        workspace: String,
        /// Twin id or exact name
        #[arg(long)]
        twin: String,
        /// A text file with one question per line (blank lines and lines starting with # are skipped)
        #[arg(long, value_name = "FILE")]
        questions: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// A spending cap for the interview's model calls, in dollars
        #[arg(long, value_name = "USD")]
        budget: Option<f64>,
    },
}

#[derive(Subcommand)]
enum SignalsCommand {
    /// Derive signals from the workspace's data (and keep its search index in step)
    Build { workspace: String },
    /// List live signals, with strength, support and interval
    List {
        workspace: String,
        /// Audience id or exact name: its signals and the workspace-wide ones
        #[arg(long)]
        audience: Option<String>,
    },
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Write grounding reports for one audience (or all), checking every claim's citations
    Ground {
        workspace: String,
        /// Audience id or exact name [default: every audience]
        #[arg(long)]
        audience: Option<String>,
        /// behavior, intent or mentions (repeatable) [default: all three]
        #[arg(long)]
        kind: Vec<String>,
    },
    /// The latest version of each report
    List {
        workspace: String,
        #[arg(long)]
        audience: Option<String>,
    },
    /// A report's claims, the signals each cites, and the rows behind them
    Show { id: String },
}

#[derive(Subcommand)]
enum TwinsCommand {
    /// Create twins of an audience from its signals (build signals first)
    Create {
        workspace: String,
        /// Audience id or exact name
        #[arg(long)]
        audience: String,
        /// How many twins, 1 to 12; each is cast on different evidence of the audience
        #[arg(long, default_value_t = 3)]
        count: usize,
        /// Casts the same twins again with the same seed [default: a new one]
        #[arg(long)]
        seed: Option<u64>,
    },
    /// The workspace's twins
    List {
        workspace: String,
        #[arg(long)]
        audience: Option<String>,
    },
    /// A twin's profile and memories, each with the evidence it rests on
    Show { id: String },
}

#[derive(Subcommand)]
enum FocusGroupCommand {
    /// Run a focus group to its end, printing turns as they are taken, then the diagnostics
    Run {
        workspace: String,
        /// The discussion guide (TOML; see docs/discussion-guide.md)
        #[arg(long, value_name = "FILE")]
        guide: PathBuf,
        /// 2 to 12 twins, by id or exact name, comma-separated
        #[arg(long, value_delimiter = ',', required = true)]
        twins: Vec<String>,
        #[arg(long)]
        seed: Option<u64>,
        /// A spending cap for the session's model calls, in dollars
        #[arg(long, value_name = "USD")]
        budget: Option<f64>,
    },
    /// What a focus group would take (calls, tokens, cost) without running it
    Estimate {
        workspace: String,
        #[arg(long, value_name = "FILE")]
        guide: PathBuf,
        /// How many twins would take part
        #[arg(long)]
        twins: usize,
    },
    /// Resume a paused, stopped or failed session (focus group or interview) and run it to its end
    Resume { id: String },
    /// A session's transcript and diagnostics
    Show { id: String },
    /// Replay a finished session from the response cache with zero model calls: every call
    /// answered again and compared, every twin's answer traced to a replayed reply
    Replay { id: String },
    /// The workspace's sessions
    List { workspace: String },
    /// Ask a running session to pause after the turn under way
    Pause { id: String },
    /// Ask a running focus group to move on to its next section
    Skip { id: String },
    /// Speak as the moderator in a running session
    Say { id: String, text: String },
    /// Add a probe the moderator asks next
    Probe { id: String, text: String },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Rebuild a workspace's search index from the database
    Rebuild { workspace: String },
    /// Whether the index answers, and how many changes wait
    Status { workspace: String },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Vendors (and whether each has a key), the models per task, offline mode, local models
    Status,
    /// Add or change a vendor: openai, anthropic, gemini, groq, cohere, cerebras, deepseek,
    /// perplexity, openrouter, azure_openai, openai_compatible
    Add {
        kind: String,
        /// A name for this vendor [default: the kind]
        #[arg(long)]
        name: Option<String>,
        /// The API root (required for azure_openai and openai_compatible)
        #[arg(long)]
        base_url: Option<String>,
        /// Requests per minute your plan allows
        #[arg(long)]
        rpm: Option<u32>,
        /// Tokens per minute your plan allows
        #[arg(long)]
        tpm: Option<u32>,
        /// Requests in flight at once
        #[arg(long)]
        concurrency: Option<u32>,
        /// Azure OpenAI's api-version
        #[arg(long)]
        azure_api_version: Option<String>,
    },
    /// Store a vendor's API key in the system keychain, read from standard input (never from
    /// the command line, where other users could see it)
    Key { vendor: String },
    /// Remove a vendor, its key and its routes
    Remove { vendor: String },
    /// Check a vendor's key and address with one cheap call
    Test {
        vendor: String,
        #[arg(long)]
        model: Option<String>,
    },
    /// Set the models for a task (twin_dialogue, moderation, analysis, extraction, embeddings),
    /// first choice first, as vendor/model; none means the local model
    Route { task: String, models: Vec<String> },
    /// Make a workspace answer with its own model first (vendor/model), or clear it
    Workspace {
        /// Workspace id or exact name
        workspace: String,
        /// vendor/model; leave out to go back to the models per task
        model: Option<String>,
    },
    /// Download a GGUF model into the models folder (resumes after a dropped connection)
    Download {
        url: String,
        /// The file's SHA-256, checked before the file is used
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Use a GGUF file as the local chat model; no file: back to the bundled SmolLM2
    Local { file: Option<PathBuf> },
    /// Send model-call traces to an OpenTelemetry collector (Langfuse or any OTLP/HTTP
    /// endpoint), or stop (--off)
    Traces {
        /// The collector's OTLP/HTTP address, e.g. https://cloud.langfuse.com/api/public/otel
        #[arg(long, conflicts_with = "off")]
        endpoint: Option<String>,
        /// The share of traces sent, 0 to 1
        #[arg(long, default_value_t = 0.5)]
        sample_rate: f64,
        /// Read headers ("Name: value" lines, e.g. Authorization) from standard input into the
        /// keychain
        #[arg(long)]
        headers_from_stdin: bool,
        #[arg(long)]
        off: bool,
    },
    /// Keep every model call on this machine (on), or allow cloud vendors again (off)
    Offline { state: String },
    /// Ask a question through the gateway and print the answer
    Ask {
        question: String,
        /// twin_dialogue, moderation, analysis or extraction
        #[arg(long, default_value = "analysis")]
        task: String,
        /// Workspace id or exact name (its default model and cache apply)
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        max_tokens: Option<u32>,
        #[arg(long)]
        seed: Option<i64>,
    },
    /// What a workspace's model calls cost, per model and per study
    Spend {
        /// Workspace id or exact name
        workspace: String,
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// The model catalogue: context windows and prices per million tokens
    Prices,
}

#[derive(Subcommand)]
enum WorkspaceCommand {
    /// List workspaces
    List,
    /// Create an empty workspace
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        brand: String,
        /// ISO 4217 code, e.g. USD
        #[arg(long, default_value = "USD")]
        currency: String,
        /// IANA time zone that report dates are reckoned in, e.g. Europe/Paris
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Write a workspace to one file that imports back losslessly
    Export {
        /// Workspace id or exact name
        workspace: String,
        /// Destination file (.pwx)
        file: PathBuf,
    },
    /// Import a workspace file; a malformed or conflicting file changes nothing
    Import { file: PathBuf },
    /// Delete a workspace and all its data
    Delete {
        /// Workspace id or exact name
        workspace: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List recent jobs (newest first)
    List {
        /// Only jobs in this state: queued, running, succeeded, failed, cancelled
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Put a failed or cancelled job back in its lane
    Retry { id: String },
    /// Cancel a queued or running job
    Cancel { id: String },
    /// Run the job workers in this process until no job is queued or running
    Work,
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Internal => 1,
        ErrorKind::NotFound => 3,
        ErrorKind::InvalidInput => 4,
        ErrorKind::Conflict => 5,
        ErrorKind::Unavailable => 6,
        ErrorKind::Cancelled => 7,
        ErrorKind::Corrupt => 8,
        ErrorKind::NotConfigured => 9,
        ErrorKind::BudgetReached => 10,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let telemetry = match pw_telemetry::Telemetry::init(filter) {
        Ok(telemetry) => Arc::new(telemetry),
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            return ExitCode::from(1);
        }
    };
    let result = run(cli, telemetry.clone()).await;
    telemetry.flush().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            ExitCode::from(exit_code(error.kind()))
        }
    }
}

async fn run(cli: Cli, telemetry: Arc<pw_telemetry::Telemetry>) -> Result<(), EngineError> {
    let mut config = EngineConfig::new(
        cli.data_dir
            .clone()
            .unwrap_or_else(pw_engine::default_data_dir),
    );
    config.trace_export = Some(Arc::new(move |export| {
        let export = export.map(|e| pw_telemetry::OtlpExport {
            endpoint: e.endpoint,
            headers: e.headers,
            sample_rate: e.sample_rate,
            service_name: "profitwheel-cli".into(),
        });
        if let Err(error) = telemetry.set_export(export) {
            tracing::warn!(%error, "trace export stays off");
        }
    }));
    if let Some(seconds) = cli.job_lease_secs {
        config.runner.lease = Duration::from_secs(seconds.max(1));
        config.runner.heartbeat = Duration::from_millis((seconds * 1000 / 3).max(200));
        config.runner.recovery_interval = Duration::from_millis((seconds * 1000 / 2).max(200));
    }
    let engine = Engine::open(config).await?;
    let result = dispatch(&engine, &cli).await;
    engine.shutdown().await;
    result
}

async fn dispatch(engine: &Arc<Engine>, cli: &Cli) -> Result<(), EngineError> {
    let out = output::Output { json: cli.json };
    match &cli.command {
        Command::Demo {
            from_sandbox: true,
            days,
        } => connectors::sandbox_demo(engine, &out, *days).await?,
        Command::Demo { .. } => {
            engine.start_workers().await;
            let job = engine.workspaces().start_demo().await?;
            let done = engine.jobs().wait(&job.id, |j| out.progress(j)).await?;
            if done.state != JobState::Succeeded {
                return Err(job_error(&done));
            }
            let workspace_id = done.workspace_id.as_deref().unwrap_or_default().parse()?;
            let overview = engine.workspaces().overview(workspace_id).await?;
            let dashboard = engine.workspaces().dashboard(workspace_id, None).await?;
            out.kpis(&overview, &dashboard);
        }
        Command::Kpis {
            workspace,
            from,
            to,
        } => {
            let overview = engine.workspaces().find(workspace).await?;
            let range = match (from, to) {
                (Some(from), Some(to)) => Some(
                    DateRange::parse(from, to)
                        .map_err(|e| EngineError::InvalidInput(e.to_string()))?,
                ),
                _ => None,
            };
            let dashboard = engine
                .workspaces()
                .dashboard(overview.workspace.id, range)
                .await?;
            out.kpis(&overview, &dashboard);
        }
        Command::Workspace(command) => match command {
            WorkspaceCommand::List => out.workspaces(&engine.workspaces().list().await?),
            WorkspaceCommand::Create {
                name,
                brand,
                currency,
                time_zone,
            } => {
                let created = engine
                    .workspaces()
                    .create(CreateWorkspace {
                        name: name.clone(),
                        brand: brand.clone(),
                        currency: currency.clone(),
                        time_zone: time_zone.clone(),
                    })
                    .await?;
                out.workspaces(std::slice::from_ref(&created));
            }
            WorkspaceCommand::Export { workspace, file } => {
                let overview = engine.workspaces().find(workspace).await?;
                let exported = engine
                    .workspaces()
                    .export(overview.workspace.id, file)
                    .await?;
                out.line(&format!(
                    "Exported “{}” ({} rows, {} files) to {}",
                    overview.workspace.name,
                    exported.row_count(),
                    exported.blobs,
                    file.display()
                ));
            }
            WorkspaceCommand::Import { file } => {
                let imported = engine.workspaces().import(file).await?;
                out.workspaces(std::slice::from_ref(&imported));
            }
            WorkspaceCommand::Delete { workspace } => {
                // By id, deleting needs nothing of the row, so a damaged workspace can go too.
                if let Ok(id) = workspace.parse::<pw_engine::workspaces::WorkspaceId>() {
                    engine.workspaces().delete(id).await?;
                    out.line(&format!("Deleted {id}"));
                } else {
                    let overview = engine.workspaces().find(workspace).await?;
                    engine.workspaces().delete(overview.workspace.id).await?;
                    out.line(&format!("Deleted “{}”", overview.workspace.name));
                }
            }
        },
        Command::Models(command) => models::run(engine, &out, command).await?,
        Command::Signals(command) => evidence::signals(engine, &out, command).await?,
        Command::Search {
            workspace,
            query,
            kind,
            facet,
            from,
            to,
            limit,
            hybrid,
        } => {
            evidence::search(
                engine,
                &out,
                workspace,
                query,
                kind,
                facet,
                from.as_deref(),
                to.as_deref(),
                *limit,
                *hybrid,
            )
            .await?
        }
        Command::Reports(command) => evidence::reports(engine, &out, command).await?,
        Command::Index(command) => evidence::index(engine, &out, command).await?,
        Command::Twins(command) => twins::run(engine, &out, command).await?,
        Command::FocusGroup(command) => sessions::focus_group(engine, &out, command).await?,
        Command::Survey(command) => surveys::run(engine, &out, command).await?,
        Command::Connect(args) => connectors::connect(engine, &out, args).await?,
        Command::Enrich(command) => connectors::enrich(engine, &out, command).await?,
        Command::Ask {
            workspace,
            question,
        } => agents::ask(engine, &out, workspace, question).await?,
        Command::Agents(command) => agents::run(engine, &out, command).await?,
        Command::Deck(command) => decks::run(engine, &out, command).await?,
        Command::Export(args) => decks::export(engine, &out, args).await?,
        Command::Sandbox(args) => connectors::sandbox(&out, args).await?,
        Command::Connections(command) => connectors::connections(engine, &out, command).await?,
        Command::Sync(args) => connectors::sync(engine, &out, args).await?,
        Command::Insights {
            study,
            format,
            out: file,
            rewrite,
        } => sessions::insights(engine, &out, study, format, file.as_deref(), *rewrite).await?,
        Command::Interview {
            workspace,
            twin,
            questions,
            seed,
            budget,
        } => sessions::interview(engine, &out, workspace, twin, questions, *seed, *budget).await?,
        Command::Jobs(command) => match command {
            JobsCommand::List { state, limit } => {
                let state = state
                    .as_deref()
                    .map(str::parse::<JobState>)
                    .transpose()
                    .map_err(EngineError::InvalidInput)?;
                out.jobs(&engine.jobs().list(state, *limit).await?);
            }
            JobsCommand::Retry { id } => out.jobs(&[engine.jobs().retry(id).await?]),
            JobsCommand::Cancel { id } => out.jobs(&[engine.jobs().cancel(id).await?]),
            JobsCommand::Work => {
                engine.start_workers().await;
                // Leases of jobs a killed process left behind expire within one lease; keep
                // going until nothing is queued or running.
                loop {
                    let queued = engine.jobs().list(Some(JobState::Queued), 1).await?;
                    let running = engine.jobs().list(Some(JobState::Running), 1).await?;
                    if queued.is_empty() && running.is_empty() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                out.jobs(&engine.jobs().list(None, 20).await?);
            }
        },
    }
    Ok(())
}

fn job_error(job: &pw_engine::jobs::Job) -> EngineError {
    match job.state {
        JobState::Cancelled => {
            EngineError::InvalidInput(format!("job “{}” was cancelled", job.title))
        }
        _ => EngineError::InvalidInput(format!(
            "job “{}” failed: {}",
            job.title,
            job.last_error.as_deref().unwrap_or("unknown error")
        )),
    }
}
