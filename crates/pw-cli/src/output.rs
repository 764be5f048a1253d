//! How the CLI prints: aligned tables for people, JSON for scripts (`--json`).

use std::io::Write;

use pw_engine::jobs::Job;
use pw_engine::workspaces::{Dashboard, WorkspaceOverview};
use pw_engine::{Currency, KpiKey, KpiNumber, KpiUnit, Micros};
use serde_json::json;

pub(crate) struct Output {
    pub json: bool,
}

fn write_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`profitwheel ... | head`) is not an error worth a panic.
    let _ = writeln!(stdout, "{text}");
}

/// `1234567.891` as `1,234,567.89`.
pub(crate) fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && value.abs() >= 0.5 * 10f64.powi(-(decimals as i32)) {
        "-"
    } else {
        ""
    };
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

fn kpi_unit_name(unit: KpiUnit) -> &'static str {
    match unit {
        KpiUnit::Money => "money_micros",
        KpiUnit::Count => "count",
        KpiUnit::Ratio => "ratio",
        KpiUnit::Multiple => "multiple",
    }
}

fn kpi_text(unit: KpiUnit, value: Option<KpiNumber>, currency: &str) -> String {
    match value {
        None => "—".to_owned(),
        Some(KpiNumber::Money(micros)) => format!("{currency} {}", grouped_money(micros, currency)),
        Some(KpiNumber::Number(v)) => match unit {
            KpiUnit::Count | KpiUnit::Money => grouped(v, if v.fract() == 0.0 { 0 } else { 1 }),
            KpiUnit::Ratio => format!("{:.2}%", v * 100.0),
            KpiUnit::Multiple => format!("{v:.2}×"),
        },
    }
}

/// An amount in its currency's own decimals (none for KRW, three for KWD) with thousands
/// grouped, in integer arithmetic: exact at any size.
pub(crate) fn grouped_money(amount: Micros, currency: &str) -> String {
    let digits = currency
        .parse::<Currency>()
        .map_or(2, |currency| currency.minor_digits());
    let text = amount.to_decimal(digits);
    let (sign, unsigned) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = unsigned
        .split_once('.')
        .map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A KPI for `--json`: money as integer micros (exact in JSON), other values as numbers.
fn kpi_json(value: Option<KpiNumber>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(KpiNumber::Money(micros)) => json!(micros.0),
        Some(KpiNumber::Number(v)) => json!(v),
    }
}

fn date_ms(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

impl Output {
    pub fn line(&self, text: &str) {
        if self.json {
            write_out(&json!({ "message": text }).to_string());
        } else {
            write_out(text);
        }
    }

    /// A structured result for `--json` (callers print their own text otherwise).
    pub fn value(&self, value: &serde_json::Value) {
        write_out(&value.to_string());
    }

    /// Progress goes to stderr so stdout stays clean for the result.
    pub fn progress(&self, job: &Job) {
        if self.json {
            return;
        }
        let message = job.progress_message.as_deref().unwrap_or("");
        let _ = writeln!(
            std::io::stderr(),
            "[{:>3.0}%] {} {}",
            job.progress * 100.0,
            job.state,
            message
        );
    }

    pub fn workspaces(&self, workspaces: &[WorkspaceOverview]) {
        if self.json {
            let rows: Vec<_> = workspaces
                .iter()
                .map(|w| {
                    json!({
                        "id": w.workspace.id, "name": w.workspace.name, "brand": w.workspace.brand,
                        "currency": w.workspace.currency.as_str(), "time_zone": w.workspace.time_zone,
                        "is_demo": w.workspace.is_demo, "campaigns": w.campaign_count,
                        "data_from": w.data_range.map(|r| r.start.to_string()),
                        "data_to": w.data_range.map(|r| r.end.to_string()),
                    })
                })
                .collect();
            write_out(&serde_json::Value::Array(rows).to_string());
            return;
        }
        if workspaces.is_empty() {
            write_out(
                "No workspaces yet. Create one with `profitwheel workspace create --name ...` or try `profitwheel demo`.",
            );
            return;
        }
        write_out(&format!(
            "{:<36}  {:<32}  {:>9}  {:<23}  {}",
            "ID", "NAME", "CAMPAIGNS", "DATA", "CURRENCY"
        ));
        for w in workspaces {
            let data = w
                .data_range
                .map(|r| format!("{} – {}", r.start, r.end))
                .unwrap_or_else(|| "no data".into());
            write_out(&format!(
                "{:<36}  {:<32}  {:>9}  {:<23}  {}",
                w.workspace.id, w.workspace.name, w.campaign_count, data, w.workspace.currency
            ));
        }
    }

    pub fn kpis(&self, overview: &WorkspaceOverview, dashboard: &Dashboard) {
        if self.json {
            let sections: Vec<_> = dashboard
                .sections
                .iter()
                .map(|section| {
                    let kpis: Vec<_> = section
                        .kpis
                        .iter()
                        .map(|k| {
                            json!({
                                "key": KpiKey::label(k.key), "unit": kpi_unit_name(k.unit),
                                "current": kpi_json(k.current), "previous": kpi_json(k.previous),
                                "change": k.change(),
                            })
                        })
                        .collect();
                    json!({"currency": section.currency, "kpis": kpis})
                })
                .collect();
            write_out(
                &json!({
                    "workspace": overview.workspace.name, "workspace_id": overview.workspace.id,
                    "currency": dashboard.currency, "from": dashboard.range.start.to_string(),
                    "to": dashboard.range.end.to_string(), "sections": sections,
                })
                .to_string(),
            );
            return;
        }
        write_out(&format!(
            "{} — {} to {} (compared with {} to {})",
            overview.workspace.name,
            dashboard.range.start,
            dashboard.range.end,
            dashboard.previous_range.start,
            dashboard.previous_range.end
        ));
        let several = dashboard.sections.len() > 1;
        if several {
            write_out("  Amounts in different currencies are shown apart, never added together.");
        }
        for section in &dashboard.sections {
            if several {
                write_out(&format!("  In {}:", section.currency));
            }
            for kpi in &section.kpis {
                let change = kpi
                    .change()
                    .map(|c| format!("{:+.1}%", c * 100.0))
                    .unwrap_or_else(|| "—".into());
                write_out(&format!(
                    "  {:<12} {:>22}   {:>8} vs previous period",
                    KpiKey::label(kpi.key),
                    kpi_text(kpi.unit, kpi.current, section.currency.as_str()),
                    change
                ));
            }
        }
    }

    pub fn jobs(&self, jobs: &[Job]) {
        if self.json {
            write_out(&serde_json::to_string(jobs).unwrap_or_else(|_| "[]".into()));
            return;
        }
        if jobs.is_empty() {
            write_out("No jobs.");
            return;
        }
        write_out(&format!(
            "{:<36}  {:<9}  {:<7}  {:>4}  {:>8}  {:<19}  {}",
            "ID", "STATE", "LANE", "DONE", "ATTEMPTS", "CREATED", "TITLE"
        ));
        for job in jobs {
            write_out(&format!(
                "{:<36}  {:<9}  {:<7}  {:>3.0}%  {:>8}  {:<19}  {}{}",
                job.id,
                job.state,
                job.lane,
                job.progress * 100.0,
                format!("{}/{}", job.attempts, job.max_attempts),
                date_ms(Some(job.created_at)),
                job.title,
                job.last_error
                    .as_deref()
                    .map(|e| format!("  ({e})"))
                    .unwrap_or_default()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-1000.5, 1), "-1,000.5");
        assert_eq!(grouped(0.0, 2), "0.00");
    }
}
