//! `profitwheel connect | connections | sync`: ad-platform connections (their secrets read from
//! standard input, never from arguments, and kept in the OS keychain) and their syncs, whose
//! progress goes to stderr and whose end report goes to stdout.

use std::io::{BufRead, Write};
use std::sync::Arc;

use chrono::NaiveDate;
use pw_engine::connectors::{
    AuthKind, ConnectionView, Platform, RunStatus, Secret, SignInConnect, StreamState, SyncReport,
    SyncRun, TokenConnect,
};
use pw_engine::jobs::{Job, JobState};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::evidence::workspace;
use crate::output::Output;
use clap::Subcommand;

#[derive(clap::Args)]
pub(crate) struct ConnectArgs {
    /// meta, google_ads, tiktok, pinterest, linkedin, snapchat, ga4, youtube or dv360
    pub(crate) platform: String,
    /// Workspace id or exact name
    #[arg(long)]
    pub(crate) workspace: String,
    /// Read the access token (Meta: a long-lived or system-user token) from the first line of standard input
    #[arg(long)]
    pub(crate) token_stdin: bool,
    /// Read the refresh token from the next line of standard input (with the app's client id
    /// and secret, the connection renews its access token itself)
    #[arg(long)]
    pub(crate) refresh_token_stdin: bool,
    /// Your app's client id (TikTok: the app id)
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    /// Read your app's client secret from the next line of standard input
    #[arg(long)]
    pub(crate) client_secret_stdin: bool,
    /// Read Google Ads' developer token from the next line of standard input
    #[arg(long)]
    pub(crate) developer_token_stdin: bool,
    /// The API's root when not the platform's own (a sandbox: http://127.0.0.1:PORT)
    #[arg(long, value_name = "URL")]
    pub(crate) api_root: Option<String>,
    /// A name for the connection
    #[arg(long)]
    pub(crate) label: Option<String>,
    /// The loopback port the browser comes back to when signing in (0: any free one). Meta,
    /// LinkedIn, Pinterest, Snapchat and TikTok need http://127.0.0.1:PORT/ registered in the
    /// app; by default PORT is 47615 for them, and any for Google
    #[arg(long, value_name = "PORT")]
    pub(crate) redirect_port: Option<u16>,
}

#[derive(Subcommand)]
pub(crate) enum ConnectionsCommand {
    /// Every connection (of one workspace when named) with its accounts and sync times
    List { workspace: Option<String> },
    /// Remove a connection and its keychain entry (the data it synced stays)
    Remove { id: String },
    /// The accounts a connection reaches; --select A,B syncs only those
    Accounts {
        id: String,
        #[arg(long, value_name = "IDS")]
        select: Option<String>,
    },
    /// When the connection syncs by itself (cron, this computer's time), or --off
    Schedule {
        id: String,
        #[arg(long)]
        cron: Option<String>,
        #[arg(long)]
        off: bool,
    },
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SyncArgs {
    #[command(subcommand)]
    pub(crate) command: Option<SyncCommand>,
    /// Workspace id or exact name
    pub(crate) workspace: Option<String>,
    /// Only this platform's connections
    #[arg(long)]
    pub(crate) platform: Option<String>,
    /// Read from this day (YYYY-MM-DD); a first sync reads the last 90 days without it
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Forget where the last sync got to and read everything again
    #[arg(long)]
    pub(crate) full: bool,
}

#[derive(Subcommand)]
pub(crate) enum SyncCommand {
    /// Each connection's state and its last sync's report
    Status { workspace: String },
}

#[derive(Subcommand)]
pub(crate) enum EnrichCommand {
    /// Save an enrichment service's API key (census or serper), read from standard input
    Key { service: String },
    /// Fetch the Census Bureau's ACS tables of a year (adults by age and sex, education) into
    /// the reference data the survey universe weighs to
    Census {
        #[arg(long, default_value_t = 2024)]
        year: u16,
    },
    /// Search the web (or, with --news, the news) and keep the results as mentions with their
    /// URLs, as evidence of the workspace (of an audience with --audience)
    Search {
        workspace: String,
        query: String,
        #[arg(long)]
        news: bool,
        /// Audience id or exact name
        #[arg(long)]
        audience: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
}

pub async fn enrich(
    engine: &Arc<Engine>,
    out: &Output,
    command: &EnrichCommand,
) -> Result<(), EngineError> {
    use pw_engine::connectors::{EnrichmentService, WebSearchKind};
    match command {
        EnrichCommand::Key { service } => {
            let service: EnrichmentService =
                service
                    .parse()
                    .map_err(|e: pw_engine::connectors::ConnectorError| {
                        EngineError::InvalidInput(e.to_string())
                    })?;
            let key = read_secrets(1)?
                .into_iter()
                .next()
                .ok_or_else(|| EngineError::InvalidInput("no key given".into()))?;
            engine.connectors().set_enrichment_key(service, key).await?;
            out.line(&format!(
                "Saved the {} key in the system keychain.",
                service.display_name()
            ));
        }
        EnrichCommand::Census { year } => {
            let refreshed = engine.connectors().refresh_census(*year).await?;
            if out.json {
                out.value(&json!(refreshed.files.iter().map(|f| json!({"table": f.table, "geography": f.geography, "path": f.path, "rows": f.rows})).collect::<Vec<_>>()));
            } else {
                for file in &refreshed.files {
                    out.line(&format!(
                        "{} by {}: {} rows → {}",
                        file.table,
                        file.geography,
                        file.rows,
                        file.path.display()
                    ));
                }
                out.line("Surveys weigh to these from their next run.");
            }
        }
        EnrichCommand::Search {
            workspace: text,
            query,
            news,
            audience,
            limit,
        } => {
            let workspace_id = workspace(engine, text).await?;
            let audience = match audience {
                Some(name) => Some(crate::evidence::audience(engine, workspace_id, name).await?),
                None => None,
            };
            let kind = if *news {
                WebSearchKind::News
            } else {
                WebSearchKind::Web
            };
            let found = engine
                .connectors()
                .search_web(workspace_id, query, kind, audience, *limit)
                .await?;
            if out.json {
                out.value(&json!(found.mentions.iter().map(|m| json!({"url": m.url, "title": m.title, "snippet": m.snippet, "publisher": m.publisher, "day": m.occurred_on, "new": m.new})).collect::<Vec<_>>()));
            } else {
                out.line(&format!(
                    "{} results for “{}” ({} new), kept as mentions:",
                    found.mentions.len(),
                    found.query,
                    found.new
                ));
                for m in &found.mentions {
                    out.line(&format!("  {}  {} — {}", m.occurred_on, m.title, m.url));
                }
            }
        }
    }
    Ok(())
}

fn platform(text: &str) -> Result<Platform, EngineError> {
    text.replace('-', "_").parse::<Platform>().map_err(|_| {
        EngineError::InvalidInput(format!(
            "'{text}' is not a platform: use one of {}",
            Platform::ALL
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// The secrets asked for, one line of standard input each, in the order asked.
fn read_secrets(count: usize) -> Result<Vec<Secret>, EngineError> {
    let stdin = std::io::stdin();
    let mut secrets = Vec::with_capacity(count);
    let mut lines = stdin.lock().lines();
    for _ in 0..count {
        let line = lines
            .next()
            .transpose()
            .map_err(|e| EngineError::InvalidInput(format!("could not read standard input: {e}")))?
            .unwrap_or_default();
        let line = line.trim().to_owned();
        if line.is_empty() {
            return Err(EngineError::InvalidInput(
                "standard input ended before every secret asked for (one per line: token, refresh token, client secret, developer token)".into(),
            ));
        }
        secrets.push(Secret::new(line));
    }
    Ok(secrets)
}

pub async fn connect(
    engine: &Arc<Engine>,
    out: &Output,
    args: &ConnectArgs,
) -> Result<(), EngineError> {
    let platform = platform(&args.platform)?;
    let workspace_id = workspace(engine, &args.workspace).await?;
    if !args.token_stdin {
        return sign_in(engine, out, args, platform, workspace_id).await;
    }
    let wanted = 1
        + usize::from(args.refresh_token_stdin)
        + usize::from(args.client_secret_stdin)
        + usize::from(args.developer_token_stdin);
    let mut secrets = read_secrets(wanted)?.into_iter();
    let access_token = secrets
        .next()
        .ok_or_else(|| EngineError::InvalidInput("no token given".into()))?;
    let refresh_token = if args.refresh_token_stdin {
        secrets.next()
    } else {
        None
    };
    let client_secret = if args.client_secret_stdin {
        secrets.next()
    } else {
        None
    };
    let developer_token = if args.developer_token_stdin {
        secrets.next()
    } else {
        None
    };
    let view = engine
        .connectors()
        .connect(TokenConnect {
            workspace_id,
            platform,
            access_token,
            refresh_token,
            expires_in: None,
            label: args.label.clone(),
            api_root: args.api_root.clone(),
            client_id: args.client_id.clone(),
            client_secret,
            developer_token,
            auth_kind: AuthKind::Token,
        })
        .await?;
    if out.json {
        out.value(&json!(view));
    } else {
        out.line(&format!(
            "Connected {} ({}): {} account{} — {}.",
            view.connection.label,
            view.connection.id,
            view.accounts.len(),
            if view.accounts.len() == 1 { "" } else { "s" },
            view.accounts
                .iter()
                .map(|a| a.account.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.line(&format!(
            "Sync it now with `profitwheel sync {}`; it also syncs nightly.",
            args.workspace
        ));
    }
    Ok(())
}

/// Connects by signing in in the system browser (the consent page's address printed on stderr
/// for the person to open), with the app's client id and secret.
async fn sign_in(
    engine: &Arc<Engine>,
    out: &Output,
    args: &ConnectArgs,
    platform: Platform,
    workspace_id: pw_engine::connectors::WorkspaceId,
) -> Result<(), EngineError> {
    let Some(client_id) = args.client_id.clone() else {
        return Err(EngineError::InvalidInput(
            "connect with --token-stdin (a token on standard input), or sign in with --client-id ID (and --client-secret-stdin)".into(),
        ));
    };
    let wanted = usize::from(args.client_secret_stdin) + usize::from(args.developer_token_stdin);
    let mut secrets = read_secrets(wanted)?.into_iter();
    let client_secret = if args.client_secret_stdin {
        secrets.next()
    } else {
        None
    };
    let developer_token = if args.developer_token_stdin {
        secrets.next()
    } else {
        None
    };
    let started = engine
        .connectors()
        .begin_sign_in(SignInConnect {
            workspace_id,
            platform,
            client_id,
            client_secret,
            developer_token,
            api_root: args.api_root.clone(),
            label: args.label.clone(),
            redirect_port: args.redirect_port,
        })
        .await?;
    let _ = writeln!(
        std::io::stderr(),
        "Open this address in your browser and approve ProfitWheel (waiting up to 10 minutes):\n{}\n(the browser comes back to {}: your app must have it registered as a redirect address)",
        started.authorize_url,
        started.redirect_uri
    );
    let view = engine
        .connectors()
        .finish_sign_in(&started.sign_in_id, std::time::Duration::from_secs(600))
        .await?;
    if out.json {
        out.value(&json!(view));
    } else {
        out.line(&format!(
            "Connected {} ({}): {} accounts.",
            view.connection.label,
            view.connection.id,
            view.accounts.len()
        ));
    }
    Ok(())
}

/// The demo made by real syncs from the sandbox; progress on stderr, then its KPIs.
pub async fn sandbox_demo(
    engine: &Arc<Engine>,
    out: &Output,
    days: u32,
) -> Result<(), EngineError> {
    let name = format!(
        "Sandbox Coffee Co. ({})",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    let json = out.json;
    let (workspace, reports) = engine
        .connectors()
        .create_sandbox_demo(&name, days, &|fraction, message| {
            let line = if json {
                json!({"progress": fraction, "message": message}).to_string()
            } else {
                format!("[{:>3.0}%] {message}", fraction * 100.0)
            };
            let _ = writeln!(std::io::stderr(), "{line}");
        })
        .await?;
    for report in &reports {
        let _ = writeln!(std::io::stderr(), "{}", report.headline);
    }
    let overview = engine.workspaces().overview(workspace).await?;
    let dashboard = engine.workspaces().dashboard(workspace, None).await?;
    out.kpis(&overview, &dashboard);
    Ok(())
}

#[derive(clap::Args)]
pub(crate) struct SandboxArgs {
    /// Port on 127.0.0.1 (0: any free one)
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Days of history before today
    #[arg(long, default_value_t = 90)]
    days: u32,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// Serves the sandbox until Ctrl-C.
pub async fn sandbox(out: &Output, args: &SandboxArgs) -> Result<(), EngineError> {
    let (port, days, seed) = (args.port, args.days, args.seed);
    use pw_sandbox::{Sandbox, SandboxConfig, SandboxPlatform};
    let sandbox = Sandbox::new(SandboxConfig {
        seed,
        days,
        ..SandboxConfig::default()
    });
    let tokens: Vec<(&str, String)> = [
        ("meta", SandboxPlatform::Meta),
        ("google_ads", SandboxPlatform::GoogleAds),
        ("tiktok", SandboxPlatform::Tiktok),
        ("pinterest", SandboxPlatform::Pinterest),
        ("linkedin", SandboxPlatform::Linkedin),
        ("snapchat", SandboxPlatform::Snapchat),
        ("ga4", SandboxPlatform::Ga4),
        ("youtube", SandboxPlatform::Youtube),
        ("dv360", SandboxPlatform::Dv360),
    ]
    .into_iter()
    .map(|(name, platform)| (name, sandbox.issue_token(platform)))
    .collect();
    let running = sandbox.start(port).await.map_err(|e| {
        EngineError::InvalidInput(format!(
            "the sandbox could not listen on 127.0.0.1:{port}: {e}"
        ))
    })?;
    if out.json {
        out.value(&json!({"base_url": running.base_url, "tokens": tokens.iter().map(|(p, t)| json!({"platform": p, "token": t})).collect::<Vec<_>>()}));
    } else {
        out.line(&format!(
            "The sandbox answers at {} (Meta, Google Ads, TikTok, Pinterest, LinkedIn, Snapchat, GA4, YouTube, DV360). Tokens:",
            running.base_url
        ));
        for (platform, token) in &tokens {
            out.line(&format!("  {platform}: {token}"));
        }
        out.line(&format!(
            "Connect with: echo TOKEN | profitwheel connect meta --workspace W --token-stdin --api-root {}",
            running.base_url
        ));
        out.line("The other platforms also take --client-id ID --client-secret-stdin (any values do here); Google Ads --developer-token-stdin.");
        out.line("Ctrl-C stops it.");
    }
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    Ok(())
}

fn print_connections(out: &Output, views: &[ConnectionView]) {
    if out.json {
        out.value(&json!(views));
        return;
    }
    if views.is_empty() {
        out.line("No connections yet: `profitwheel connect PLATFORM --workspace W --token-stdin`.");
        return;
    }
    for view in views {
        let c = &view.connection;
        let status = match c.status_reason.as_deref() {
            Some(reason) => format!("{} ({reason})", c.status.as_str()),
            None => c.status.as_str().to_owned(),
        };
        out.line(&format!(
            "{}  {}  {}  {}  last sync {}  next {}",
            c.id,
            c.platform.display_name(),
            c.label,
            status,
            c.last_synced_at.map_or("never".to_owned(), |t| t
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()),
            view.next_sync_at.map_or("not scheduled".to_owned(), |t| t
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()),
        ));
        for account in &view.accounts {
            out.line(&format!(
                "    {} {}  {}  {}  {}",
                if account.selected { "[x]" } else { "[ ]" },
                account.account.external_id,
                account.account.name,
                account.account.currency,
                account.account.time_zone
            ));
        }
    }
}

pub async fn connections(
    engine: &Arc<Engine>,
    out: &Output,
    command: &ConnectionsCommand,
) -> Result<(), EngineError> {
    match command {
        ConnectionsCommand::List { workspace: text } => {
            let id = match text {
                Some(text) => Some(workspace(engine, text).await?),
                None => None,
            };
            print_connections(out, &engine.connectors().list(id).await?);
        }
        ConnectionsCommand::Remove { id } => {
            engine.connectors().remove(id).await?;
            out.line(&format!(
                "Removed connection {id}; its token left the keychain. The data it synced stays."
            ));
        }
        ConnectionsCommand::Accounts { id, select } => {
            let view = match select {
                Some(list) => {
                    let ids: Vec<String> = list
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect();
                    engine.connectors().select_accounts(id, &ids).await?
                }
                None => engine.connectors().get(id).await?,
            };
            print_connections(out, std::slice::from_ref(&view));
        }
        ConnectionsCommand::Schedule { id, cron, off } => {
            let cron = match (cron, off) {
                (_, true) => None,
                (Some(cron), false) => Some(cron.as_str()),
                (None, false) => {
                    return Err(EngineError::InvalidInput(
                        "give --cron EXPRESSION or --off".into(),
                    ));
                }
            };
            let view = engine.connectors().set_schedule(id, cron).await?;
            print_connections(out, std::slice::from_ref(&view));
        }
    }
    Ok(())
}

/// Progress on stderr: a line per change, JSON lines with `--json`.
fn progress(out: &Output, job: &Job) {
    let message = job.progress_message.as_deref().unwrap_or("");
    let line = if out.json {
        json!({"progress": job.progress, "state": job.state.to_string(), "message": message})
            .to_string()
    } else {
        format!("[{:>3.0}%] {}", job.progress * 100.0, message)
    };
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn print_report(out: &Output, label: &str, report: &SyncReport) {
    if out.json {
        return;
    }
    out.line(&format!("{label}: {}", report.headline));
    for stream in &report.streams {
        let state = match stream.state {
            StreamState::Done => "done",
            StreamState::Failed => "FAILED",
            StreamState::Skipped => "skipped",
            StreamState::Pending => "not started",
            StreamState::Running => "stopped",
        };
        let mut line = format!(
            "  {} · {}: {} ({} records",
            stream.account_name,
            stream.words(),
            state,
            stream.records
        );
        if stream.issues_count > 0 {
            line.push_str(&format!(", {} values left out", stream.issues_count));
        }
        line.push(')');
        if let Some(problem) = &stream.problem {
            line.push_str(&format!(" — {}", problem.message));
        }
        out.line(&line);
        for issue in stream.issues.iter().take(3) {
            out.line(&format!("      left out: {issue}"));
        }
    }
    for action in &report.actions {
        out.line(&format!("  → {action}"));
    }
}

pub async fn sync(engine: &Arc<Engine>, out: &Output, args: &SyncArgs) -> Result<(), EngineError> {
    if let Some(SyncCommand::Status { workspace: text }) = &args.command {
        return status(engine, out, text).await;
    }
    let Some(text) = &args.workspace else {
        return Err(EngineError::InvalidInput(
            "name the workspace to sync".into(),
        ));
    };
    let workspace_id = workspace(engine, text).await?;
    let only = args.platform.as_deref().map(platform).transpose()?;
    let from = args
        .from
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| EngineError::InvalidInput(format!("--from {d}: use YYYY-MM-DD")))
        })
        .transpose()?;
    let views: Vec<ConnectionView> = engine
        .connectors()
        .list(Some(workspace_id))
        .await?
        .into_iter()
        .filter(|v| only.is_none_or(|p| v.connection.platform == p))
        .collect();
    if views.is_empty() {
        return Err(EngineError::InvalidInput(format!(
            "“{text}” has no {}connection to sync: `profitwheel connect PLATFORM --workspace {text} --token-stdin`",
            only.map(|p| format!("{} ", p.display_name()))
                .unwrap_or_default()
        )));
    }
    engine.start_workers().await;
    let mut runs: Vec<SyncRun> = Vec::new();
    for view in &views {
        let run = engine
            .connectors()
            .start_sync(&view.connection.id, from, args.full)
            .await?;
        let job_id = run.job_id.clone().unwrap_or_default();
        let done = engine.jobs().wait(&job_id, |j| progress(out, j)).await?;
        let run = engine.connectors().run(&run.id).await?;
        match &run.report {
            Some(report) => print_report(out, &view.connection.label, report),
            None if done.state != JobState::Succeeded => out.line(&format!(
                "{}: the sync stopped: {}",
                view.connection.label,
                done.last_error.as_deref().unwrap_or("unknown error")
            )),
            None => {}
        }
        runs.push(run);
    }
    if out.json {
        out.value(&json!(runs));
    }
    if runs.iter().all(|r| {
        r.report
            .as_ref()
            .is_some_and(|rep| rep.status == RunStatus::Failed)
    }) {
        return Err(EngineError::InvalidInput(
            "nothing was synced (see the report above)".into(),
        ));
    }
    Ok(())
}

async fn status(engine: &Arc<Engine>, out: &Output, text: &str) -> Result<(), EngineError> {
    let id = workspace(engine, text).await?;
    let views = engine.connectors().list(Some(id)).await?;
    if out.json {
        out.value(&json!(views));
        return Ok(());
    }
    print_connections(out, &views);
    for view in &views {
        if let Some(report) = view.last_run.as_ref().and_then(|r| r.report.as_ref()) {
            print_report(out, &view.connection.label, report);
        } else if let Some(run) = &view.last_run {
            out.line(&format!(
                "{}: a sync is under way (started {}).",
                view.connection.label,
                run.started_at.format("%H:%M UTC")
            ));
        }
    }
    Ok(())
}
