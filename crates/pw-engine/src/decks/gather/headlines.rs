//! Slide titles stated from stored figures, with only what the figures can bear: a lead is
//! called a lead when the top answer's 95% interval clears the next one's, "too close to
//! call" when they overlap, a tie a tie; each kind of question in its own words. IO-free, so
//! it is tested on known answers.

use pw_decks::{NumberFormat, Value};

use crate::surveys::{QuestionResult, QuestionType, Share};

/// The items whose `key` is the largest (more than one on a tie), in their order.
pub(super) fn leaders<T, K: PartialOrd + Copy>(items: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let Some(top) = items
        .iter()
        .map(&key)
        .reduce(|a, b| if b > a { b } else { a })
    else {
        return Vec::new();
    };
    items.iter().filter(|item| key(item) >= top).collect()
}

/// "A", "A and B", "A, B and C".
pub(super) fn listed<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

fn percent(share: f64) -> String {
    NumberFormat::Percent { places: 0 }.display(&Value::from(share))
}

fn quoted(label: &str) -> String {
    format!("“{label}”")
}

/// Shares closer than this are equal: weighted shares are sums of floats.
const SAME_SHARE: f64 = 1e-9;

/// The title of a set of shares: `lead` says what leading is for this kind of answer
/// ("led", "was chosen most").
fn lead_title(shares: &[Share], lead: &str) -> Option<String> {
    let mut ordered: Vec<&Share> = shares.iter().collect();
    ordered.sort_by(|a, b| b.share.total_cmp(&a.share));
    let top = *ordered.first()?;
    let tied: Vec<&Share> = ordered
        .iter()
        .copied()
        .take_while(|s| top.share - s.share < SAME_SHARE)
        .collect();
    if tied.len() > 1 {
        let names: Vec<String> = tied.iter().map(|s| quoted(&s.label)).collect();
        return Some(format!("{} tied at {}", listed(&names), percent(top.share)));
    }
    match ordered.get(1) {
        Some(next) if next.high >= top.low => Some(format!(
            "{} and {} are too close to call: {} and {}, within each other's 95% intervals",
            quoted(&top.label),
            quoted(&next.label),
            percent(top.share),
            percent(next.share)
        )),
        _ => Some(format!(
            "{} {lead}: {} (95% interval {} to {})",
            quoted(&top.label),
            percent(top.share),
            percent(top.low),
            percent(top.high)
        )),
    }
}

/// A question's chart title from its stored results.
pub(super) fn question_headline(question: &QuestionResult) -> String {
    if question.answered == 0 {
        return format!("No one answered: {}", question.text);
    }
    let titled = match question.kind {
        QuestionType::Nps => question.net_promoter.map(|nps| {
            format!(
                "Net Promoter Score {:+.0} (95% interval {:+.0} to {:+.0}): {} promoters, {} detractors",
                nps.score,
                nps.low,
                nps.high,
                percent(nps.promoters),
                percent(nps.detractors)
            )
        }),
        QuestionType::MultipleChoice => lead_title(&question.shares, "was chosen most"),
        QuestionType::Ranking => lead_title(&question.shares, "was ranked first most often"),
        QuestionType::Matrix => {
            let rated: Vec<(&str, f64)> = question
                .rows
                .iter()
                .filter_map(|r| r.mean.map(|m| (r.label.as_str(), m.value)))
                .collect();
            let top = leaders(&rated, |(_, mean)| *mean);
            let names: Vec<String> = top.iter().map(|(label, _)| quoted(label)).collect();
            top.first().map(|(_, mean)| {
                format!(
                    "{} rated highest: mean {}",
                    listed(&names),
                    NumberFormat::Decimal { places: 2 }.display(&Value::from(*mean))
                )
            })
        }
        QuestionType::Open => question
            .themes
            .as_ref()
            .and_then(|themes| {
                let shares: Vec<Share> = themes.iter().map(|t| t.share.clone()).collect();
                lead_title(&shares, "was the most common theme")
            }),
        _ => lead_title(&question.shares, "led"),
    };
    titled.unwrap_or_else(|| question.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::{Mean, NetPromoter, RowResult};

    fn share(label: &str, share: f64, low: f64, high: f64) -> Share {
        Share {
            key: label.to_lowercase(),
            label: label.into(),
            share,
            low,
            high,
            count: share * 100.0,
        }
    }

    fn question(kind: QuestionType, shares: Vec<Share>) -> QuestionResult {
        QuestionResult {
            table: "Q1".into(),
            question: "q".into(),
            text: "Where do you buy beans?".into(),
            kind,
            asked: 100,
            answered: 100,
            non_responses: Vec::new(),
            effective_base: 100.0,
            shares,
            mean: None,
            net_promoter: None,
            ranks: Vec::new(),
            rows: Vec::new(),
            themes: None,
        }
    }

    #[test]
    fn a_lead_is_a_lead_only_when_the_intervals_part() {
        let clear = question(
            QuestionType::SingleChoice,
            vec![
                share("Online", 0.2, 0.13, 0.29),
                share("A shop", 0.6, 0.5, 0.69),
                share("A store", 0.2, 0.13, 0.29),
            ],
        );
        assert_eq!(
            question_headline(&clear),
            "“A shop” led: 60% (95% interval 50% to 69%)"
        );
        let close = question(
            QuestionType::SingleChoice,
            vec![
                share("A shop", 0.45, 0.35, 0.55),
                share("Online", 0.4, 0.3, 0.5),
            ],
        );
        assert_eq!(
            question_headline(&close),
            "“A shop” and “Online” are too close to call: 45% and 40%, within each other's 95% intervals"
        );
    }

    #[test]
    fn ties_are_named_as_ties_and_no_answers_as_none() {
        let tied = question(
            QuestionType::SingleChoice,
            vec![
                share("A", 0.4, 0.3, 0.5),
                share("B", 0.2, 0.1, 0.3),
                share("C", 0.4, 0.3, 0.5),
            ],
        );
        assert_eq!(question_headline(&tied), "“A” and “C” tied at 40%");
        let mut empty = question(QuestionType::SingleChoice, vec![share("A", 0.0, 0.0, 0.0)]);
        empty.answered = 0;
        assert_eq!(
            question_headline(&empty),
            "No one answered: Where do you buy beans?"
        );
    }

    #[test]
    fn each_kind_is_told_in_its_own_words() {
        let several = question(
            QuestionType::MultipleChoice,
            vec![
                share("Price", 0.7, 0.6, 0.78),
                share("Taste", 0.5, 0.4, 0.58),
            ],
        );
        assert_eq!(
            question_headline(&several),
            "“Price” was chosen most: 70% (95% interval 60% to 78%)"
        );
        let ranked = question(
            QuestionType::Ranking,
            vec![
                share("Taste", 0.5, 0.4, 0.6),
                share("Price", 0.2, 0.12, 0.3),
            ],
        );
        assert_eq!(
            question_headline(&ranked),
            "“Taste” was ranked first most often: 50% (95% interval 40% to 60%)"
        );
        let mut nps = question(QuestionType::Nps, vec![share("10", 0.3, 0.2, 0.4)]);
        nps.net_promoter = Some(NetPromoter {
            score: -12.4,
            low: -20.0,
            high: -4.6,
            promoters: 0.25,
            detractors: 0.374,
        });
        assert_eq!(
            question_headline(&nps),
            "Net Promoter Score -12 (95% interval -20 to -5): 25% promoters, 37% detractors"
        );
        let mut matrix = question(QuestionType::Matrix, Vec::new());
        let mean = |value: f64| Mean {
            value,
            low: value - 0.2,
            high: value + 0.2,
            standard_deviation: 1.0,
        };
        matrix.rows = vec![
            RowResult {
                key: "taste".into(),
                label: "Taste".into(),
                points: Vec::new(),
                mean: Some(mean(4.2)),
            },
            RowResult {
                key: "price".into(),
                label: "Price".into(),
                points: Vec::new(),
                mean: Some(mean(3.1)),
            },
        ];
        assert_eq!(
            question_headline(&matrix),
            "“Taste” rated highest: mean 4.20"
        );
    }

    #[test]
    fn leaders_keeps_every_item_at_the_top() {
        let spend = [("Meta", 5), ("Google", 9), ("TikTok", 9)];
        let top: Vec<&str> = leaders(&spend, |(_, s)| *s)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(top, ["Google", "TikTok"]);
        assert!(leaders(&[] as &[(&str, i32)], |(_, s)| *s).is_empty());
        assert_eq!(listed(&["A", "B", "C"]), "A, B and C");
    }
}
