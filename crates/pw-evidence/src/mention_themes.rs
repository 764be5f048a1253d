//! Mention themes as signals, IO-free: keys that survive a rebuild, names from keywords when no
//! model names them, and each theme's share, sentiment, weekly volume and typical quotes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use pw_domain::AudienceId;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::derive::{RawRow, count, percent};
use crate::signals::{
    Interval, RowRef, SignalDraft, SignalKind, SourceTable, Support, SupportUnit,
};
use crate::statistics::Rate;
use pw_statistics::themes::Theme;

/// Sentiment scores run from -1 to 1; within ±0.2 a mention reads as neutral.
pub const NEUTRAL_BAND: f64 = 0.2;

/// Who named a theme.
#[derive(Debug, Clone, PartialEq)]
pub enum NamedBy {
    /// A model, from the theme's typical quotes (vendor and model).
    Model(String),
    /// Its most distinctive words, when no model answered (a recorded non-response).
    Keywords,
}

/// A theme's name and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeName {
    pub name: String,
    pub named_by: NamedBy,
}

/// An earlier build's theme: its key and the mentions in it.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierTheme {
    pub key: String,
    pub name: String,
    /// Who named it: a vendor/model, or "keywords".
    pub named_by: String,
    pub members: BTreeSet<String>,
}

/// A theme's key for its members: the same mentions give the same key.
pub fn fresh_key(members: &BTreeSet<String>) -> String {
    let mut hasher = Sha256::new();
    for id in members {
        hasher.update(id.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("theme/{hex}")
}

/// Keys for `themes` (mention-id sets), reusing an earlier theme's key when most of its
/// mentions are still together (Jaccard at least one half), so a theme that gained a few
/// mentions keeps its id, and the reports citing it stay linked. Each earlier key is used once,
/// by the theme that overlaps it most.
pub fn keys_for(
    themes: &[BTreeSet<String>],
    earlier: &[EarlierTheme],
) -> Vec<(String, Option<usize>)> {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (t, members) in themes.iter().enumerate() {
        for (e, old) in earlier.iter().enumerate() {
            let shared = members.intersection(&old.members).count() as f64;
            let union = members.union(&old.members).count() as f64;
            if union > 0.0 && shared / union >= 0.5 {
                pairs.push((shared / union, t, e));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut chosen: HashMap<usize, usize> = HashMap::new();
    let mut used = BTreeSet::new();
    for (_, t, e) in pairs {
        if !chosen.contains_key(&t) && used.insert(e) {
            chosen.insert(t, e);
        }
    }
    themes
        .iter()
        .enumerate()
        .map(|(t, members)| match chosen.get(&t) {
            Some(&e) => (earlier[e].key.clone(), Some(e)),
            None => (fresh_key(members), None),
        })
        .collect()
}

/// The words that set a theme's members apart (shared with survey open ends).
pub use pw_statistics::themes::keywords;

/// The name a theme gets when no model names it: its three most distinctive words.
pub fn keyword_name(keywords: &[String]) -> ThemeName {
    let name = if keywords.is_empty() {
        "Unnamed theme".to_owned()
    } else {
        keywords
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ")
    };
    ThemeName {
        name,
        named_by: NamedBy::Keywords,
    }
}

fn week_of(day: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
}

/// The signal for one theme among `mentions` (all the scope's mentions; `theme.members` index
/// into them).
pub fn theme_signal(
    audience: Option<(AudienceId, &str)>,
    mentions: &[RawRow],
    theme: &Theme,
    key: String,
    name: &ThemeName,
    keywords: &[String],
) -> Option<SignalDraft> {
    let total = mentions.len() as f64;
    let members: Vec<&RawRow> = theme
        .members
        .iter()
        .filter_map(|&i| mentions.get(i))
        .collect();
    let rate = Rate::wilson(members.len() as f64, total)?;

    let mut bands = BTreeMap::from([
        ("negative", 0u32),
        ("neutral", 0),
        ("positive", 0),
        ("unknown", 0),
    ]);
    for mention in &members {
        let band = match mention.sentiment {
            Some(s) if s < -NEUTRAL_BAND => "negative",
            Some(s) if s > NEUTRAL_BAND => "positive",
            Some(_) => "neutral",
            None => "unknown",
        };
        *bands.entry(band).or_default() += 1;
    }
    let (leading_band, leading_count) = bands
        .iter()
        .filter(|(band, _)| **band != "unknown")
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(b, c)| (*b, *c))
        .unwrap_or(("neutral", 0));

    let mut weekly: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for mention in &members {
        if let Some(week) = week_of(&mention.occurred_on) {
            *weekly.entry(week).or_default() += 1;
        }
    }
    let quotes: Vec<_> = theme
        .representatives(3)
        .iter()
        .filter_map(|&i| mentions.get(i))
        .map(|m| json!({"id": m.id, "text": m.text, "occurred_on": m.occurred_on, "sentiment": m.sentiment}))
        .collect();
    let scope = audience.map_or_else(String::new, |(_, name)| format!(" with {name}"));
    let mood = if leading_count > 0 {
        format!(
            "; {} of them are {leading_band}",
            percent(f64::from(leading_count) / members.len() as f64)
        )
    } else {
        String::new()
    };
    Some(SignalDraft {
        audience_id: audience.map(|(id, _)| id),
        kind: SignalKind::MentionTheme,
        key,
        statement: format!(
            "The theme “{}” covers {} of mentions{scope} ({} of {}, 95% CI {}–{}){mood}.",
            name.name,
            percent(rate.estimate),
            count(rate.successes),
            count(total),
            percent(rate.low),
            percent(rate.high),
        ),
        strength: rate.estimate,
        support: Support::of(rate.successes, total, SupportUnit::Mentions),
        support_share: Some(rate.estimate),
        interval: Some(Interval {
            estimate: rate.estimate,
            low: rate.low,
            high: rate.high,
        }),
        q_value: None,
        detail: json!({
            "finding": "theme",
            "name": name.name,
            "named_by": match &name.named_by {
                NamedBy::Model(model) => model.clone(),
                NamedBy::Keywords => "keywords".to_owned(),
            },
            "keywords": keywords,
            "cohesion": theme.cohesion,
            "sentiment": bands,
            "weekly": weekly.iter().map(|(week, n)| json!({"week": week.to_string(), "mentions": n})).collect::<Vec<_>>(),
            "quotes": quotes,
        }),
        rows: members
            .iter()
            .map(|m| RowRef::segment(SourceTable::AudienceSignals, m.id.clone()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn mention(id: &str, text: &str, sentiment: f64, day: &str) -> RawRow {
        RawRow {
            id: id.into(),
            audience_id: None,
            source: "review".into(),
            text: text.into(),
            sentiment: Some(sentiment),
            intent: None,
            volume: None,
            occurred_on: day.into(),
            metadata: Value::Null,
        }
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_theme_that_kept_most_of_its_mentions_keeps_its_key() {
        let earlier = vec![EarlierTheme {
            key: "theme/old".into(),
            name: "Shipping".into(),
            named_by: "local/tiny".into(),
            members: set(&["a", "b", "c", "d"]),
        }];
        let keys = keys_for(
            &[set(&["a", "b", "c", "d", "e"]), set(&["x", "y", "z"])],
            &earlier,
        );
        assert_eq!(keys[0], ("theme/old".to_owned(), Some(0)));
        assert_eq!(keys[1].0, fresh_key(&set(&["x", "y", "z"])));
        // A theme that lost most of its mentions is a new theme.
        let keys = keys_for(&[set(&["a", "x", "y"])], &earlier);
        assert_eq!(keys[0].1, None);
        // The same mentions give the same key.
        assert_eq!(fresh_key(&set(&["b", "a"])), fresh_key(&set(&["a", "b"])));
    }

    #[test]
    fn an_earlier_key_goes_to_the_theme_that_overlaps_it_most() {
        let earlier = vec![EarlierTheme {
            key: "theme/old".into(),
            name: "Shipping".into(),
            named_by: "local/tiny".into(),
            members: set(&["a", "b", "c", "d"]),
        }];
        let keys = keys_for(
            &[set(&["a", "b", "x"]), set(&["a", "b", "c", "d"])],
            &earlier,
        );
        assert_eq!(keys[1].0, "theme/old");
        assert_ne!(keys[0].0, "theme/old");
    }

    #[test]
    fn keywords_are_what_sets_a_theme_apart() {
        let members = [
            "Shipping took ages",
            "Slow shipping again",
            "shipping was slow",
        ];
        let all = [
            "Shipping took ages",
            "Slow shipping again",
            "shipping was slow",
            "Great taste again",
            "Lovely taste",
        ];
        let words = keywords(&members, &all, 3);
        assert_eq!(words[0], "shipping");
        assert!(words.contains(&"slow".to_owned()), "{words:?}");
        assert!(!words.contains(&"again".to_owned()) || words.len() == 3);
        assert_eq!(keyword_name(&words).named_by, NamedBy::Keywords);
    }

    #[test]
    fn a_theme_signal_counts_shares_sentiment_and_weeks_from_its_mentions() {
        let mentions = vec![
            mention("m1", "Shipping took ages", -0.8, "2026-11-02"),
            mention("m2", "Slow shipping again", -0.5, "2026-11-03"),
            mention("m3", "shipping was fine", 0.1, "2026-11-10"),
            mention("m4", "Great taste", 0.9, "2026-11-10"),
        ];
        let theme = Theme {
            members: vec![1, 0, 2],
            cohesion: 0.8,
        };
        let name = ThemeName {
            name: "Slow shipping".into(),
            named_by: NamedBy::Model("local/smollm2".into()),
        };
        let draft =
            theme_signal(None, &mentions, &theme, "theme/x".into(), &name, &[]).expect("a theme");
        assert!(
            draft
                .statement
                .starts_with("The theme “Slow shipping” covers 75% of mentions (3 of 4"),
            "{}",
            draft.statement
        );
        assert!(draft.statement.contains("67% of them are negative"));
        assert_eq!(draft.support_rows(), 3);
        assert_eq!(
            draft.support,
            Support {
                count: 3,
                total: Some(4),
                unit: SupportUnit::Mentions
            }
        );
        assert_eq!(draft.detail["sentiment"]["negative"], 2);
        assert_eq!(draft.detail["sentiment"]["neutral"], 1);
        // 2026-11-02 is a Monday; the 10th is in the next week.
        assert_eq!(draft.detail["weekly"][0]["week"], "2026-11-02");
        assert_eq!(draft.detail["weekly"][0]["mentions"], 2);
        assert_eq!(draft.detail["weekly"][1]["mentions"], 1);
        // Quotes in the theme's own order: closest to its centre first.
        assert_eq!(draft.detail["quotes"][0]["id"], "m2");
        assert_eq!(draft.detail["named_by"], "local/smollm2");
    }
}
