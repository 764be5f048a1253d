//! Scheduled delivery: a deck rebuilt on a cron schedule (the job queue's, in the workspace)
//! for a period relative to the day it runs ("every Monday, the last 7 days"), written into a
//! folder the user picked and kept as the next version of its deck. A delivery that fails
//! fails its job with the reason in words (the folder is gone, the disk is full, a study in
//! the spec was deleted), which the jobs panel shows.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{Days, NaiveDate};
use pw_domain::WorkspaceId;
use pw_jobs::{
    Job, JobContext, JobError, JobHandler, JobKind, JobSpec, JobState, Lane, Schedule, Supervision,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{DeckFormat, DeckSpec, DecksFacade, SectionSpec};
use crate::Engine;
use crate::error::{EngineError, Result};
use crate::jobs::live_engine;

pub const DELIVERY_JOB_KIND: &str = "decks.deliver";

/// Building a deck reads stored results and writes one file: seconds. Ten minutes means
/// something is stuck.
const DELIVERY_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(600));

/// The longest period a delivery covers: a year of days.
const LONGEST_PERIOD_DAYS: u32 = 366;

/// What a schedule delivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// The delivery's name in the workspace ("Monday client review").
    pub name: String,
    pub spec: DeckSpec,
    pub format: DeckFormat,
    /// Where each delivered file is written.
    pub folder: PathBuf,
    /// The dashboard's period: the this-many days ending the day before the delivery runs.
    /// `None` keeps the spec's own dates (or the dashboard's last 30 days with data).
    #[serde(default)]
    pub period_days: Option<u32>,
}

/// A delivery with its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledDelivery {
    pub delivery: Delivery,
    /// Five fields, the computer's local time.
    pub cron: String,
    /// Why the schedule could not fire at its last tick, if it could not.
    pub schedule_error: Option<String>,
    /// False for a delivery that came in an imported workspace: it writes into a folder of
    /// this machine only once its user saves it again.
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeliveryPayload {
    workspace_id: WorkspaceId,
    delivery: Delivery,
    /// The schedule's fire this job is for (`pw_jobs::FIRE_AT_FIELD`, set by the scheduler);
    /// for Deliver now, when it was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fire_at_ms: Option<i64>,
}

fn schedule_name(name: &str) -> String {
    format!("decks:{}", name.trim())
}

pub(crate) fn job_kinds(engine: Weak<Engine>) -> Vec<(String, JobKind)> {
    let handler: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = engine.clone();
        async move { run_job(live_engine(&engine)?, ctx).await }
    });
    // A failed delivery is told, not retried: the same folder would refuse the same file.
    vec![(
        DELIVERY_JOB_KIND.to_owned(),
        JobKind::new(handler, DELIVERY_SUPERVISION).attempts(1),
    )]
}

/// The `days` days ending the day before `today`.
pub fn period_before(today: NaiveDate, days: u32) -> Option<(NaiveDate, NaiveDate)> {
    let to = today.checked_sub_days(Days::new(1))?;
    let from = to.checked_sub_days(Days::new(u64::from(days.max(1)) - 1))?;
    Some((from, to))
}

/// The spec with every dashboard section set to the period.
fn for_period(spec: &DeckSpec, period: Option<(NaiveDate, NaiveDate)>) -> DeckSpec {
    let mut spec = spec.clone();
    if let Some((from, to)) = period {
        for section in &mut spec.sections {
            if let SectionSpec::Dashboard { from: f, to: t } = section {
                *f = Some(from);
                *t = Some(to);
            }
        }
    }
    spec
}

/// "Monday review 2026-11-30": the deck's title as a file name takes it (`file_safe`) and
/// the day the period ends.
fn delivery_stem(title: &str, day: NaiveDate) -> String {
    format!("{} {day}", pw_decks::file_safe(title))
}

/// The folder is there and is a folder; otherwise why not, in words.
fn check_folder(folder: &Path) -> Result<()> {
    if !folder.is_absolute() {
        return Err(EngineError::InvalidInput(format!(
            "the delivery folder must be a full path (not {})",
            folder.display()
        )));
    }
    match std::fs::metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(EngineError::InvalidInput(format!(
            "{} is a file, not a folder",
            folder.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(EngineError::InvalidInput(format!(
                "the delivery folder {} is not there (moved, renamed, or on a drive that is not connected)",
                folder.display()
            )))
        }
        Err(source) => Err(EngineError::Io {
            path: folder.to_owned(),
            source,
        }),
    }
}

async fn run_job(engine: Arc<Engine>, ctx: JobContext) -> std::result::Result<Value, JobError> {
    let payload: DeliveryPayload = ctx.payload()?;
    let delivery = &payload.delivery;
    ctx.progress(0.0, format!("{}: gathering the results", delivery.name))
        .await;
    // The period is counted from the day the delivery was due (the schedule's fire, even one a
    // sleeping machine caught up on later or a person retried days after; for Deliver now,
    // when it was asked), in the computer's time zone as the schedule is.
    let queued =
        chrono::DateTime::from_timestamp_millis(payload.fire_at_ms.unwrap_or(ctx.job().created_at))
            .unwrap_or_else(chrono::Utc::now)
            .with_timezone(&chrono::Local)
            .date_naive();
    let period = match delivery.period_days {
        Some(days) => Some(period_before(queued, days).ok_or_else(|| {
            JobError::permanent(format!("no period of {days} days ends before {queued}"))
        })?),
        None => None,
    };
    let spec = for_period(&delivery.spec, period);
    let day = period.map_or(queued, |(_, to)| to);
    let delivered = async {
        check_folder(&delivery.folder)?;
        let stem = delivery_stem(&spec.title, day);
        engine
            .decks()
            .build_write_new_and_keep(
                payload.workspace_id,
                &spec,
                delivery.format,
                &delivery.folder,
                &stem,
            )
            .await
    }
    .await;
    let (kept, path) = delivered
        .map_err(|e| JobError::permanent(format!("{} was not delivered: {e}", delivery.name)))?;
    ctx.link_workspace(&payload.workspace_id.to_string())
        .await?;
    ctx.progress(
        1.0,
        delivered_line(&path.display().to_string(), &kept.built.warnings),
    )
    .await;
    Ok(json!({
        "path": path,
        "version": kept.file.version,
        "file_id": kept.file.id,
        "warnings": kept.built.warnings,
        "moved": kept.file.changes.as_ref().map(|c| c.moved.len()),
    }))
}

/// What the computer tells the person when a delivery ends: a schedule fires while nobody
/// watches the app, so the shell shows this as a system notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryNotice {
    pub title: String,
    pub body: String,
}

/// "Delivered to PATH" and the build's warnings: nobody watches a scheduled delivery, so what
/// was done instead of what was asked is said where the jobs panel and the notification show it.
fn delivered_line(path: &str, warnings: &[impl AsRef<str>]) -> String {
    match warnings {
        [] => format!("Delivered to {path}"),
        [one] => format!("Delivered to {path} (with a warning: {})", one.as_ref()),
        [first, rest @ ..] => format!(
            "Delivered to {path} (with {} warnings; the first: {})",
            rest.len() + 1,
            first.as_ref()
        ),
    }
}

/// The notice for a delivery job that has just ended: delivered (where, with any warning) or not
/// (why). `None` for other jobs, for a delivery still under way, and for one the person
/// cancelled (they know).
pub fn delivery_notice(job: &Job) -> Option<DeliveryNotice> {
    if job.kind != DELIVERY_JOB_KIND {
        return None;
    }
    let name = job.payload["delivery"]["name"]
        .as_str()
        .unwrap_or(&job.title)
        .to_owned();
    match job.state {
        JobState::Succeeded => Some(DeliveryNotice {
            title: format!("{name} delivered"),
            // From the job's result, which the handler returns whole; its last progress line
            // may be lost or replaced ("Finished before it could be cancelled").
            body: match job.result.as_ref().and_then(|r| r["path"].as_str()) {
                Some(path) => {
                    let warnings: Vec<&str> = job
                        .result
                        .as_ref()
                        .and_then(|r| r["warnings"].as_array())
                        .map(|w| w.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    delivered_line(path, &warnings)
                }
                None => "The deck is in its folder.".to_owned(),
            },
        }),
        JobState::Failed => Some(DeliveryNotice {
            title: format!("{name} was not delivered"),
            // The job's error already begins "NAME was not delivered: "; the title says that.
            body: job
                .last_error
                .as_deref()
                .map(|e| {
                    e.strip_prefix(&format!("{name} was not delivered: "))
                        .unwrap_or(e)
                        .to_owned()
                })
                .unwrap_or_else(|| "The jobs panel says why.".to_owned()),
        }),
        JobState::Queued | JobState::Running | JobState::Cancelled => None,
    }
}

impl DecksFacade<'_> {
    /// Delivers `delivery` on `cron` (five fields, the computer's local time), replacing the
    /// delivery of that name. The spec, the folder and the schedule are checked now; the
    /// deck is gathered only when it is delivered, from the data as it is then.
    pub async fn schedule_delivery(
        &self,
        workspace: WorkspaceId,
        delivery: &Delivery,
        cron: &str,
    ) -> Result<ScheduledDelivery> {
        self.engine.workspaces().overview(workspace).await?;
        let name = delivery.name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(EngineError::InvalidInput(
                "a delivery needs a name of one line, at most 80 characters".into(),
            ));
        }
        if let Some(days) = delivery.period_days
            && !(1..=LONGEST_PERIOD_DAYS).contains(&days)
        {
            return Err(EngineError::InvalidInput(format!(
                "a delivery's period is 1 to {LONGEST_PERIOD_DAYS} days, not {days}"
            )));
        }
        check_folder(&delivery.folder)?;
        // The deck is gathered once now, so a spec naming a deleted study (or a workbook with
        // no table) is refused here rather than failing every week.
        let gathered = self.gather(workspace, &delivery.spec).await?;
        if delivery.format == DeckFormat::Xlsx && gathered.tables.is_empty() {
            return Err(EngineError::InvalidInput(
                "the deck has no tables to put in a workbook: deliver it as PowerPoint or PDF"
                    .into(),
            ));
        }
        let delivery = Delivery {
            name: name.to_owned(),
            ..delivery.clone()
        };
        let payload = serde_json::to_value(DeliveryPayload {
            workspace_id: workspace,
            delivery: delivery.clone(),
            fire_at_ms: None,
        })
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let cron = cron.trim();
        self.engine
            .scheduler
            .upsert(&Schedule {
                name: schedule_name(name),
                cron: cron.to_owned(),
                kind: DELIVERY_JOB_KIND.to_owned(),
                title: format!("Deliver {name}"),
                lane: Lane::Slow,
                payload,
                workspace_id: Some(workspace.to_string()),
                enabled: true,
                last_fire_at: None,
                last_error: None,
            })
            .await?;
        Ok(ScheduledDelivery {
            delivery,
            cron: cron.to_owned(),
            schedule_error: None,
            enabled: true,
        })
    }

    /// The workspace's deliveries, by name.
    pub async fn deliveries(&self, workspace: WorkspaceId) -> Result<Vec<ScheduledDelivery>> {
        self.engine.workspaces().overview(workspace).await?;
        let scope = workspace.to_string();
        let mut deliveries = Vec::new();
        for schedule in self.engine.scheduler.list().await? {
            if schedule.kind != DELIVERY_JOB_KIND
                || schedule.workspace_id.as_deref() != Some(scope.as_str())
            {
                continue;
            }
            match serde_json::from_value::<DeliveryPayload>(schedule.payload) {
                Ok(payload) => deliveries.push(ScheduledDelivery {
                    delivery: payload.delivery,
                    cron: schedule.cron,
                    schedule_error: schedule.last_error,
                    enabled: schedule.enabled,
                }),
                // A schedule this build cannot read (written by a later version) is skipped,
                // not a failure of the whole list.
                Err(e) => {
                    tracing::warn!(schedule = %schedule.name, error = %e, "unreadable delivery")
                }
            }
        }
        deliveries.sort_by(|a, b| a.delivery.name.cmp(&b.delivery.name));
        Ok(deliveries)
    }

    /// Stops a delivery's schedule (by its name alone: one whose payload this build cannot
    /// read can still be stopped).
    pub async fn remove_delivery(&self, workspace: WorkspaceId, name: &str) -> Result<()> {
        self.engine.workspaces().overview(workspace).await?;
        let scope = workspace.to_string();
        let exists = self.engine.scheduler.list().await?.into_iter().any(|s| {
            s.kind == DELIVERY_JOB_KIND
                && s.workspace_id.as_deref() == Some(scope.as_str())
                && s.name == schedule_name(name)
        });
        if !exists {
            return Err(EngineError::Decks(pw_decks::DeckError::NotFound(format!(
                "there is no delivery \"{name}\" in this workspace"
            ))));
        }
        self.engine
            .scheduler
            .remove(Some(&workspace.to_string()), &schedule_name(name))
            .await?;
        Ok(())
    }

    /// Delivers now, as the schedule would (the period counted from today): a job in the
    /// background, its outcome in the jobs panel.
    pub async fn deliver_now(&self, workspace: WorkspaceId, name: &str) -> Result<Job> {
        let scheduled = self.delivery_named(workspace, name).await?;
        if !scheduled.enabled {
            return Err(EngineError::InvalidInput(format!(
                "\"{name}\" came with an imported workspace and is off: check its folder and save it again to turn it on"
            )));
        }
        let payload = serde_json::to_value(DeliveryPayload {
            workspace_id: workspace,
            delivery: scheduled.delivery.clone(),
            fire_at_ms: Some(pw_jobs::now_ms()),
        })
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let mut spec = JobSpec::new(
            DELIVERY_JOB_KIND,
            format!("Deliver {}", scheduled.delivery.name),
            Lane::Slow,
        );
        spec.payload = payload;
        spec.workspace_id = Some(workspace.to_string());
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    async fn delivery_named(
        &self,
        workspace: WorkspaceId,
        name: &str,
    ) -> Result<ScheduledDelivery> {
        let deliveries = self.deliveries(workspace).await?;
        let names: Vec<String> = deliveries.iter().map(|d| d.delivery.name.clone()).collect();
        deliveries
            .into_iter()
            .find(|d| d.delivery.name == name.trim())
            .ok_or_else(|| {
                EngineError::Decks(pw_decks::DeckError::NotFound(format!(
                    "there is no delivery \"{name}\" in this workspace{}",
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!("; there are: {}", names.join(", "))
                    }
                )))
            })
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly at the line that broke"
)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn delivery_job(state: JobState, result: Option<Value>, error: Option<&str>) -> Job {
        Job {
            id: "j1".into(),
            kind: DELIVERY_JOB_KIND.into(),
            title: "Deliver Weekly client deck".into(),
            lane: Lane::Default,
            priority: 0,
            payload: json!({"delivery": {"name": "Weekly client deck"}}),
            workspace_id: None,
            state,
            attempts: 1,
            max_attempts: 1,
            run_at: 0,
            timeout_ms: 0,
            cancel_requested: false,
            progress: 1.0,
            // What a cancel asked too late leaves: the result, not the delivery's last line, says
            // where the deck went.
            progress_message: Some("Finished before it could be cancelled".into()),
            checkpoint: None,
            last_error: error.map(str::to_owned),
            result,
            created_at: 0,
            started_at: None,
            finished_at: None,
            attempt_token: None,
        }
    }

    #[test]
    fn an_ended_delivery_says_where_its_deck_went_or_why_it_did_not_go() {
        let delivered = delivery_job(
            JobState::Succeeded,
            Some(json!({"path": "/srv/decks/Review 2026-11-30.pdf", "version": 3, "warnings": []})),
            None,
        );
        assert_eq!(
            delivery_notice(&delivered),
            Some(DeliveryNotice {
                title: "Weekly client deck delivered".into(),
                body: "Delivered to /srv/decks/Review 2026-11-30.pdf".into(),
            })
        );
        let failed = delivery_job(
            JobState::Failed,
            None,
            Some(
                "Weekly client deck was not delivered: the delivery folder /srv/decks is not there",
            ),
        );
        assert_eq!(
            delivery_notice(&failed),
            Some(DeliveryNotice {
                title: "Weekly client deck was not delivered".into(),
                body: "the delivery folder /srv/decks is not there".into(),
            })
        );
        let warned = delivery_job(
            JobState::Succeeded,
            Some(
                json!({"path": "/srv/decks/R.pdf", "warnings": ["the client logo could not be read", "no Arial"]}),
            ),
            None,
        );
        assert_eq!(
            delivery_notice(&warned).unwrap().body,
            "Delivered to /srv/decks/R.pdf (with 2 warnings; the first: the client logo could not be read)"
        );
        for quiet in [JobState::Queued, JobState::Running, JobState::Cancelled] {
            assert_eq!(delivery_notice(&delivery_job(quiet, None, None)), None);
        }
        let other = Job {
            kind: "surveys.run".into(),
            ..delivered
        };
        assert_eq!(delivery_notice(&other), None, "only deliveries notify");
    }

    #[test]
    fn a_weeks_period_is_the_seven_days_before_the_delivery() {
        assert_eq!(
            period_before(day(2026, 11, 30), 7),
            Some((day(2026, 11, 23), day(2026, 11, 29)))
        );
        assert_eq!(
            period_before(day(2026, 3, 1), 1),
            Some((day(2026, 2, 28), day(2026, 2, 28)))
        );
    }

    #[test]
    fn a_dashboard_takes_the_period_and_other_sections_keep_theirs() {
        let spec = DeckSpec {
            title: "Weekly".into(),
            subtitle: String::new(),
            objectives: Vec::new(),
            slides: Vec::new(),
            slide_order: Vec::new(),
            sections: vec![
                SectionSpec::Dashboard {
                    from: None,
                    to: None,
                },
                SectionSpec::AgentReport {
                    agent: "budget".into(),
                },
            ],
        };
        let set = for_period(&spec, Some((day(2026, 11, 23), day(2026, 11, 29))));
        assert_eq!(
            set.sections[0],
            SectionSpec::Dashboard {
                from: Some(day(2026, 11, 23)),
                to: Some(day(2026, 11, 29))
            }
        );
        assert_eq!(set.sections[1], spec.sections[1]);
        assert_eq!(for_period(&spec, None), spec);
    }

    #[test]
    fn a_deliverys_file_is_named_by_its_title_and_day_in_characters_every_disk_takes() {
        assert_eq!(
            delivery_stem("Weekly: review", day(2026, 11, 29)),
            "Weekly- review 2026-11-29"
        );
        let long = "x".repeat(400);
        assert!(delivery_stem(&long, day(2026, 11, 29)).chars().count() < 200);
    }

    #[test]
    fn a_folder_that_is_not_there_is_said_so() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("unplugged");
        let said = check_folder(&gone).unwrap_err().to_string();
        assert!(said.contains("is not there"), "{said}");
        assert!(check_folder(Path::new("relative/folder")).is_err());
        assert!(check_folder(dir.path()).is_ok());
    }
}
