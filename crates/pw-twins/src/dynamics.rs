//! Group dynamics of a focus-group transcript, shown beside it so a marketer can see when a group
//! was dominated by one voice, talked in paragraphs, or converged too easily (issue 13 §5).
//! Synthetic groups are known to run long (median turn about 240 words against about 49 for
//! people) and to agree more than people do (`../shared/reference/synthetic-research.md` §4,
//! §8): these figures make both visible.
//!
//! Everything is computed over participant turns; the moderator's turns only break runs and are
//! counted apart.

use std::collections::BTreeMap;

use thiserror::Error;

/// Stances run from strongly against (−2) to strongly for (+2).
pub const STANCE_RANGE: std::ops::RangeInclusive<i8> = -2..=2;
/// The ceiling for the median participant turn, in words.
pub const MEDIAN_TURN_TARGET_WORDS: f64 = 80.0;
/// The median turn of people in real focus groups, in words (48.9 in the benchmark cited).
pub const HUMAN_MEDIAN_TURN_WORDS: f64 = 49.0;

/// One transcript turn, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Turn {
    /// The participant speaking (an index below the participant count), `None` for the
    /// moderator.
    pub speaker: Option<usize>,
    pub words: u32,
    /// Which guide question the turn belongs to, unique across the guide (number questions
    /// through all sections). Stances are compared only within one question: a twin against an
    /// ad's price and for its design has not changed its mind. A moderator turn's question does
    /// not matter.
    pub question: u32,
    /// The speaker's stance on the current question, −2..=2, when one was coded.
    pub stance: Option<i8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DynamicsError {
    #[error("turn {turn} is spoken by participant {speaker}, but there are {participants}")]
    UnknownSpeaker {
        turn: usize,
        speaker: usize,
        participants: usize,
    },
    #[error("turn {turn} has stance {stance}; stances run from -2 to 2")]
    StanceOutOfRange { turn: usize, stance: i8 },
}

/// One participant's part in the session.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Participation {
    pub turns: usize,
    pub words: u64,
    /// This participant's turns over all participant turns (0 when no participant spoke).
    pub turn_share: f64,
    /// This participant's words over all participant words (0 when none were said).
    pub word_share: f64,
    /// Times this participant stated a different stance on a question than its previous one.
    pub stance_changes: usize,
    /// Of those, changes that moved toward the others' majority stance (see [`Herding`]).
    pub changes_toward_majority: usize,
}

/// The longest stretch of turns in a row by one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    pub participant: usize,
    pub turns: usize,
    /// Index of the run's first turn in the transcript.
    pub first_turn: usize,
}

/// Stance changes and how many of them went the group's way.
///
/// Precisely: going through the turns in order, each participant's latest stated stance on the
/// current question is kept (all are forgotten when the question changes). A *stance change*
/// is a turn whose stance differs from its speaker's latest stance on the same question. At
/// that moment the *majority stance* is the value held by the most of the other participants
/// who have stated a stance on the question (a plurality; when two values tie for most, or no
/// one else has a stance yet, there is no majority and the change is not *eligible*). A change
/// *moves toward the majority* when the new stance is strictly closer to it than the old one.
/// The herding rate is toward-majority changes over eligible changes.
///
/// It is a heuristic, not a test: stances are coded from what twins say, a change toward the
/// majority may be honest persuasion, and with five stance values a random change moves toward
/// a given point about half the time or more. A rate near 1 over several changes says the group
/// may have converged too easily; a rate over one or two changes says little.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Herding {
    pub stance_changes: usize,
    /// Changes made while the others had a majority stance.
    pub eligible_changes: usize,
    pub changes_toward_majority: usize,
    /// `changes_toward_majority / eligible_changes`, `None` without eligible changes.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostics {
    /// By participant index.
    pub participants: Vec<Participation>,
    pub participant_turns: usize,
    pub moderator_turns: usize,
    /// Gini coefficient of the participants' words (population formula): 0 when everyone
    /// spoke equally, approaching 1 when one participant did all the talking; silent
    /// participants count.
    pub word_gini: f64,
    /// Median words per participant turn (the mean of the middle two for an even count);
    /// `None` without participant turns.
    pub median_turn_words: Option<f64>,
    pub longest_run: Option<Run>,
    pub herding: Herding,
}

impl Diagnostics {
    /// Whether participant turns stay within the target length.
    pub fn turns_short_enough(&self) -> bool {
        self.median_turn_words
            .is_none_or(|median| median <= MEDIAN_TURN_TARGET_WORDS)
    }
}

/// How much the participants agreed, against how much their audiences' data predicts two
/// people from those audiences would.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Agreement {
    /// Of the pairs of participants who both took a position on a question (their last stance
    /// on it), the share whose positions have the same sign (both for, both against, both
    /// neutral), over every question.
    pub observed: f64,
    /// The 95% Wilson interval of `observed`, on the comparisons that are independent: pairs
    /// share people, so a question on which `m` participants took a position counts `m − 1`
    /// (twelve twins agreeing on one question are eleven agreements, not sixty-six).
    pub observed_low: f64,
    pub observed_high: f64,
    /// How many pairs there were.
    pub pairs: usize,
    /// The share of those same pairs expected to take the same side, from what their audiences
    /// say about the brand: two mentions, one from each twin's audience, land in the same
    /// sentiment band this often (see [`SideShares`]). `None` when fewer than half the pairs
    /// have audiences with [`MIN_MENTIONS`] mentions or more to predict from.
    pub expected: Option<f64>,
    /// The mentions the expectation rests on (each audience's counted once).
    pub expected_mentions: u32,
    /// The mean share of evidence two participants were cast on in common (Jaccard of their
    /// anchors): twins built on different evidence have less reason to agree.
    pub evidence_overlap: f64,
}

impl Agreement {
    /// The group agreed more than its audiences' data predicts: even the low end of the
    /// observed share's 95% interval is above the expected share, a sign it converged too
    /// easily. Without mentions to predict from, agreement above the evidence overlap by more
    /// than half the scale raises the same flag.
    pub fn beyond_evidence(&self) -> bool {
        match self.expected {
            Some(expected) => self.observed_low > expected,
            None => self.observed - self.evidence_overlap > 0.5,
        }
    }

    /// The agreement in a sentence a marketer reads: the share with its interval, what the
    /// audiences' mentions predict, and whether the group converged too easily.
    pub fn describe(&self) -> String {
        let pct = |v: f64| format!("{:.0}%", v * 100.0);
        let observed = format!(
            "{} of {} pairs of twins took the same side (95% interval {}–{})",
            pct(self.observed),
            self.pairs,
            pct(self.observed_low),
            pct(self.observed_high)
        );
        let against = match self.expected {
            Some(expected) => format!(
                "two of their audiences' mentions of the brand take the same side {} of the time ({} mentions)",
                pct(expected),
                self.expected_mentions
            ),
            None => format!(
                "too few mentions to predict from; their evidence overlaps {}",
                pct(self.evidence_overlap)
            ),
        };
        let verdict = if self.beyond_evidence() {
            ": more than the data supports, so treat the consensus with care."
        } else {
            "."
        };
        format!("Agreement: {observed}; {against}{verdict}")
    }
}

/// Mentions whose sentiment lies within this distance of 0 are neutral (the evidence layer's
/// band).
pub const NEUTRAL_SENTIMENT: f64 = 0.2;
/// An audience needs this many mentions with a sentiment before its split predicts anything:
/// with fewer, the shares themselves are too uncertain to hold a group against.
pub const MIN_MENTIONS: u32 = 30;

/// How an audience's mentions divide between against, neutral and for, by the sentiment bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SideShares {
    pub against: f64,
    pub neutral: f64,
    pub for_: f64,
    pub mentions: u32,
}

impl SideShares {
    /// The chance that one mention from each of two audiences lands in the same band.
    fn same_side(&self, other: &SideShares) -> f64 {
        self.against * other.against + self.neutral * other.neutral + self.for_ * other.for_
    }
}

/// The side shares of mentions with these sentiments (−1..1); `None` without any.
pub fn side_shares(sentiments: &[f64]) -> Option<SideShares> {
    let counted: Vec<f64> = sentiments
        .iter()
        .copied()
        .filter(|s| s.is_finite())
        .collect();
    if counted.is_empty() {
        return None;
    }
    let n = counted.len() as f64;
    let share =
        |keep: &dyn Fn(f64) -> bool| counted.iter().filter(|s| keep(**s)).count() as f64 / n;
    Some(SideShares {
        against: share(&|s| s < -NEUTRAL_SENTIMENT),
        neutral: share(&|s| (-NEUTRAL_SENTIMENT..=NEUTRAL_SENTIMENT).contains(&s)),
        for_: share(&|s| s > NEUTRAL_SENTIMENT),
        mentions: u32::try_from(counted.len()).unwrap_or(u32::MAX),
    })
}

/// A participant as the agreement sees it: their audience, and how its mentions divide.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seat {
    pub audience: Option<String>,
    pub shares: Option<SideShares>,
}

/// The 95% Wilson score interval of `successes` in `trials` (both may be fractional, as
/// effective counts are); the whole range when there is nothing to count.
fn wilson(successes: f64, trials: f64) -> (f64, f64) {
    pw_statistics::Rate::wilson(successes, trials).map_or((0.0, 1.0), |rate| (rate.low, rate.high))
}

/// Agreement on the questions discussed (`None` when no two participants took a position on
/// the same question), against what the seats' audiences predict for the same pairs, and the
/// evidence overlap.
pub fn agreement(turns: &[Turn], seats: &[Seat], evidence_overlap: f64) -> Option<Agreement> {
    let mut last: BTreeMap<(u32, usize), i8> = BTreeMap::new();
    for turn in turns {
        if let (Some(speaker), Some(stance)) = (turn.speaker, turn.stance)
            && speaker < seats.len()
        {
            last.insert((turn.question, speaker), stance);
        }
    }
    let mut by_question: BTreeMap<u32, Vec<(usize, i8)>> = BTreeMap::new();
    for ((question, speaker), stance) in last {
        by_question
            .entry(question)
            .or_default()
            .push((speaker, stance));
    }
    let predictive = |seat: &Seat| seat.shares.filter(|s| s.mentions >= MIN_MENTIONS);
    let (mut pairs, mut agreeing, mut independent) = (0usize, 0usize, 0usize);
    let (mut predicted_pairs, mut predicted_total) = (0usize, 0.0);
    let mut audiences: BTreeMap<&str, u32> = BTreeMap::new();
    for positions in by_question.values() {
        independent += positions.len().saturating_sub(1);
        for a in 0..positions.len() {
            for b in a + 1..positions.len() {
                let ((x, stance_x), (y, stance_y)) = (positions[a], positions[b]);
                pairs += 1;
                if stance_x.signum() == stance_y.signum() {
                    agreeing += 1;
                }
                if let (Some(px), Some(py)) = (predictive(&seats[x]), predictive(&seats[y])) {
                    predicted_pairs += 1;
                    predicted_total += px.same_side(&py);
                    for seat in [&seats[x], &seats[y]] {
                        if let (Some(audience), Some(shares)) = (&seat.audience, seat.shares) {
                            audiences.insert(audience, shares.mentions);
                        }
                    }
                }
            }
        }
    }
    if pairs == 0 {
        return None;
    }
    let observed = agreeing as f64 / pairs as f64;
    let (observed_low, observed_high) = wilson(observed * independent as f64, independent as f64);
    let predicted = predicted_pairs * 2 >= pairs && predicted_pairs > 0;
    let expected_mentions: u32 = audiences.values().sum();
    Some(Agreement {
        observed,
        observed_low,
        observed_high,
        pairs,
        expected: predicted.then(|| predicted_total / predicted_pairs as f64),
        expected_mentions: if predicted { expected_mentions } else { 0 },
        evidence_overlap,
    })
}

/// The dynamics of `turns` among `participants` participants.
pub fn diagnose(turns: &[Turn], participants: usize) -> Result<Diagnostics, DynamicsError> {
    validate(turns, participants)?;
    let mut people = vec![Participation::default(); participants];
    let mut moderator_turns = 0;
    let mut lengths = Vec::new();
    for turn in turns {
        match turn.speaker {
            Some(speaker) => {
                people[speaker].turns += 1;
                people[speaker].words += u64::from(turn.words);
                lengths.push(turn.words);
            }
            None => moderator_turns += 1,
        }
    }
    let participant_turns = lengths.len();
    let total_words: u64 = people.iter().map(|p| p.words).sum();
    for person in &mut people {
        person.turn_share = share(person.turns as f64, participant_turns as f64);
        person.word_share = share(person.words as f64, total_words as f64);
    }
    let herding = herding(turns, &mut people);
    let words: Vec<f64> = people.iter().map(|p| p.words as f64).collect();
    Ok(Diagnostics {
        word_gini: gini(&words),
        median_turn_words: median(&lengths),
        longest_run: longest_run(turns),
        participants: people,
        participant_turns,
        moderator_turns,
        herding,
    })
}

fn validate(turns: &[Turn], participants: usize) -> Result<(), DynamicsError> {
    for (index, turn) in turns.iter().enumerate() {
        if let Some(speaker) = turn.speaker
            && speaker >= participants
        {
            return Err(DynamicsError::UnknownSpeaker {
                turn: index,
                speaker,
                participants,
            });
        }
        if let Some(stance) = turn.stance
            && !STANCE_RANGE.contains(&stance)
        {
            return Err(DynamicsError::StanceOutOfRange {
                turn: index,
                stance,
            });
        }
    }
    Ok(())
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Gini coefficient by the population formula, `Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ)`, computed from the
/// sorted values as `2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n` (i from 1). 0 for no values or when
/// all are 0: nobody talked more than anyone else.
pub fn gini(values: &[f64]) -> f64 {
    let total: f64 = values.iter().sum();
    if values.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let ranked: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    2.0 * ranked / (n * total) - (n + 1.0) / n
}

/// The median of `values`, the mean of the middle two for an even count; `None` when empty.
pub fn median(values: &[u32]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        len if len % 2 == 1 => Some(f64::from(sorted[middle])),
        _ => Some((f64::from(sorted[middle - 1]) + f64::from(sorted[middle])) / 2.0),
    }
}

/// The longest run of consecutive turns by one participant; a moderator turn ends a run. Ties
/// go to the earlier run.
fn longest_run(turns: &[Turn]) -> Option<Run> {
    let mut best: Option<Run> = None;
    let mut current: Option<Run> = None;
    for (index, turn) in turns.iter().enumerate() {
        current = match (turn.speaker, current) {
            (None, _) => None,
            (Some(speaker), Some(run)) if run.participant == speaker => Some(Run {
                turns: run.turns + 1,
                ..run
            }),
            (Some(speaker), _) => Some(Run {
                participant: speaker,
                turns: 1,
                first_turn: index,
            }),
        };
        if let Some(run) = current
            && best.is_none_or(|kept| run.turns > kept.turns)
        {
            best = Some(run);
        }
    }
    best
}

/// Counts stance changes, overall and per participant, as [`Herding`] defines them.
fn herding(turns: &[Turn], people: &mut [Participation]) -> Herding {
    // Latest stances per question, kept for the whole session: a group may come back to a
    // question, and a moderator turn in between changes nobody's mind.
    let mut by_question: BTreeMap<u32, Vec<Option<i8>>> = BTreeMap::new();
    let mut herding = Herding::default();
    for turn in turns {
        let (Some(speaker), Some(stance)) = (turn.speaker, turn.stance) else {
            continue;
        };
        let latest = by_question
            .entry(turn.question)
            .or_insert_with(|| vec![None; people.len()]);
        if let Some(previous) = latest[speaker]
            && previous != stance
        {
            herding.stance_changes += 1;
            people[speaker].stance_changes += 1;
            if let Some(majority) = majority_of_others(latest, speaker) {
                herding.eligible_changes += 1;
                if (stance - majority).abs() < (previous - majority).abs() {
                    herding.changes_toward_majority += 1;
                    people[speaker].changes_toward_majority += 1;
                }
            }
        }
        latest[speaker] = Some(stance);
    }
    herding.rate = (herding.eligible_changes > 0)
        .then(|| herding.changes_toward_majority as f64 / herding.eligible_changes as f64);
    herding
}

/// The stance most of the other participants hold, when one value is held by more of them than
/// any other.
fn majority_of_others(latest: &[Option<i8>], speaker: usize) -> Option<i8> {
    let mut counts = [0usize; 5];
    for (participant, stance) in latest.iter().enumerate() {
        if participant != speaker
            && let Some(stance) = stance
        {
            // Validated to −2..=2, so the offset is 0..=4; anything else is left uncounted.
            if let Some(count) = usize::try_from(i16::from(*stance) + 2)
                .ok()
                .and_then(|offset| counts.get_mut(offset))
            {
                *count += 1;
            }
        }
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 || counts.iter().filter(|&&count| count == most).count() > 1 {
        return None;
    }
    counts
        .iter()
        .position(|&count| count == most)
        .map(|offset| offset as i8 - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seats(n: usize) -> Vec<Seat> {
        vec![Seat::default(); n]
    }

    fn audience(name: &str, shares: SideShares) -> Seat {
        Seat {
            audience: Some(name.into()),
            shares: Some(shares),
        }
    }

    #[test]
    fn agreement_counts_pairs_of_last_positions_per_question() {
        let turn = |speaker, question, stance| Turn {
            speaker: Some(speaker),
            words: 10,
            question,
            stance: Some(stance),
        };
        let turns = [
            // Question 1: 0 against then for (its last position counts), 1 for, 2 against.
            turn(0, 1, -2),
            turn(1, 1, 2),
            turn(2, 1, -1),
            turn(0, 1, 1),
            // Question 2: 0 and 1 neutral; 2 took no position.
            turn(0, 2, 0),
            turn(1, 2, 0),
            Turn {
                speaker: Some(2),
                words: 5,
                question: 2,
                stance: None,
            },
            // The moderator has no position.
            Turn {
                speaker: None,
                words: 5,
                question: 2,
                stance: Some(2),
            },
        ];
        let found = agreement(&turns, &seats(3), 0.1).unwrap();
        // Question 1: pairs (0,1) agree, (0,2) and (1,2) do not; question 2: (0,1) agree.
        assert_eq!(found.pairs, 4);
        assert!((found.observed - 0.5).abs() < 1e-12);
        // Independent comparisons: 3 − 1 on question 1 and 2 − 1 on question 2, so the
        // interval is Wilson's for 1.5 of 3.
        let (low, high) = wilson(1.5, 3.0);
        assert_eq!((found.observed_low, found.observed_high), (low, high));
        assert!(!found.beyond_evidence());
        let unanimous = agreement(&[turn(0, 1, 2), turn(1, 1, 1)], &seats(2), 0.2).unwrap();
        assert_eq!(unanimous.observed, 1.0);
        assert!(
            unanimous.beyond_evidence(),
            "full agreement on 20% shared evidence"
        );
        assert_eq!(agreement(&[turn(0, 1, 2)], &seats(2), 0.0), None);
    }

    #[test]
    fn the_wilson_interval_matches_its_known_values() {
        // 8 of 10: 0.4902 to 0.9433 (Wilson 1927; as statsmodels' proportion_confint gives).
        let (low, high) = wilson(8.0, 10.0);
        assert!(
            (low - 0.4902).abs() < 1e-4 && (high - 0.9433).abs() < 1e-4,
            "{low} {high}"
        );
        assert_eq!(wilson(0.0, 5.0).0, 0.0);
        assert!((wilson(5.0, 5.0).1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn audiences_predict_agreement_for_the_pairs_observed() {
        // Sentiments band at ±0.2: 2 against, 1 neutral (0.2 itself), 1 for.
        let shares = side_shares(&[-0.9, -0.5, 0.2, 0.7]).unwrap();
        assert_eq!(
            (shares.against, shares.neutral, shares.for_),
            (0.5, 0.25, 0.25)
        );
        assert_eq!(side_shares(&[]), None);
        let mostly_for = SideShares {
            against: 0.1,
            neutral: 0.1,
            for_: 0.8,
            mentions: 40,
        };
        let split = SideShares {
            against: 0.5,
            neutral: 0.0,
            for_: 0.5,
            mentions: 30,
        };
        let turn = |speaker, question, stance| Turn {
            speaker: Some(speaker),
            words: 10,
            question,
            stance: Some(stance),
        };
        // Two twins of an audience that is 80% for: 0.01 + 0.01 + 0.64 = 0.66.
        let same = [audience("a", mostly_for), audience("a", mostly_for)];
        let found = agreement(&[turn(0, 1, 2), turn(1, 1, 1)], &same, 0.0).unwrap();
        assert!((found.expected.unwrap() - 0.66).abs() < 1e-12);
        assert_eq!(
            found.expected_mentions, 40,
            "one audience's mentions, counted once"
        );
        // Three seats, two audiences, one twin without an audience who never took a position:
        // the observed pairs are (0,1) at 0.66 and (0,2), (1,2) at 0.05 + 0.4 = 0.45.
        let mixed = [
            audience("a", mostly_for),
            audience("a", mostly_for),
            audience("b", split),
            Seat::default(),
        ];
        let turns = [turn(0, 1, 2), turn(1, 1, 2), turn(2, 1, -2)];
        let found = agreement(&turns, &mixed, 0.0).unwrap();
        assert!((found.expected.unwrap() - (0.66 + 0.45 + 0.45) / 3.0).abs() < 1e-12);
        assert_eq!(found.expected_mentions, 70);
        // An audience with too few mentions predicts nothing; nor do pairs it makes up most of.
        let thin = SideShares {
            mentions: MIN_MENTIONS - 1,
            ..split
        };
        let found = agreement(
            &turns,
            &[
                audience("a", mostly_for),
                audience("c", thin),
                audience("c", thin),
            ],
            0.0,
        )
        .unwrap();
        assert_eq!((found.expected, found.expected_mentions), (None, 0));
    }

    #[test]
    fn a_group_is_flagged_only_when_its_agreement_clears_the_prediction_beyond_doubt() {
        let shares = SideShares {
            against: 0.3,
            neutral: 0.26,
            for_: 0.44,
            mentions: 30,
        };
        // 0.09 + 0.0676 + 0.1936 = 0.3512 expected for every pair.
        let turn = |speaker, question| Turn {
            speaker: Some(speaker),
            words: 10,
            question,
            stance: Some(2),
        };
        // Twelve twins unanimous on one question: 66 pairs but 11 independent agreements,
        // low end 0.74: beyond 0.35.
        let twelve: Vec<Seat> = (0..12).map(|_| audience("a", shares)).collect();
        let turns: Vec<Turn> = (0..12).map(|s| turn(s, 1)).collect();
        let one = agreement(&turns, &twelve, 0.0).unwrap();
        assert_eq!(one.pairs, 66);
        assert!((one.observed_low - wilson(11.0, 11.0).0).abs() < 1e-12);
        assert!(one.beyond_evidence(), "{one:?}");
        // Two twins agreeing once: one comparison, low end 0.21: not beyond.
        let two = agreement(&[turn(0, 1), turn(1, 1)], &twelve[..2], 0.0).unwrap();
        assert!(!two.beyond_evidence(), "{two:?}");
        assert_eq!(
            one.describe(),
            "Agreement: 100% of 66 pairs of twins took the same side (95% interval 74%–100%); two of their audiences' mentions of the brand take the same side 35% of the time (30 mentions): more than the data supports, so treat the consensus with care."
        );
        assert!(
            two.describe().ends_with("(30 mentions)."),
            "{}",
            two.describe()
        );
    }

    fn said(speaker: usize, words: u32) -> Turn {
        Turn {
            speaker: Some(speaker),
            words,
            ..Turn::default()
        }
    }

    fn moderator(words: u32) -> Turn {
        Turn {
            speaker: None,
            words,
            ..Turn::default()
        }
    }

    fn said_by_moderator() -> Turn {
        Turn {
            speaker: None,
            words: 12,
            ..Turn::default()
        }
    }

    fn stance(speaker: usize, stance: i8) -> Turn {
        Turn {
            speaker: Some(speaker),
            words: 30,
            question: 0,
            stance: Some(stance),
        }
    }

    #[test]
    fn gini_is_zero_for_equal_airtime_and_three_quarters_when_one_of_four_talks() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        assert!((gini(&[0.0, 0.0, 0.0, 1.0]) - 0.75).abs() < 1e-12);
        // Pairwise: |1-2|+|1-3|+|2-3| = 4, doubled 8, over 2·9·2 = 36 -> 2/9.
        assert!((gini(&[3.0, 1.0, 2.0]) - 2.0 / 9.0).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn median_takes_the_middle_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[40, 10, 30, 20]), Some(25.0));
        assert_eq!(median(&[90, 10, 49]), Some(49.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn shares_gini_median_and_runs_over_a_small_session() {
        let turns = [
            moderator(25),
            said(0, 60),
            said(1, 20),
            said(1, 40),
            said(1, 20),
            moderator(10),
            said(0, 60),
            said(2, 0),
        ];
        let diagnostics = diagnose(&turns, 4).unwrap();
        assert_eq!(diagnostics.participant_turns, 6);
        assert_eq!(diagnostics.moderator_turns, 2);
        let people = &diagnostics.participants;
        assert_eq!((people[0].turns, people[0].words), (2, 120));
        assert_eq!((people[1].turns, people[1].words), (3, 80));
        assert!((people[1].turn_share - 0.5).abs() < 1e-12);
        assert!((people[0].word_share - 0.6).abs() < 1e-12);
        assert_eq!((people[3].turns, people[3].word_share), (0, 0.0));
        // Words [120, 80, 0, 0]: sorted [0, 0, 80, 120], 2·(3·80 + 4·120)/(4·200) - 5/4 = 0.55.
        assert!((diagnostics.word_gini - 0.55).abs() < 1e-12);
        // Participant turns [60, 20, 40, 20, 60, 0]: sorted middle two 20 and 40.
        assert_eq!(diagnostics.median_turn_words, Some(30.0));
        assert!(diagnostics.turns_short_enough());
        assert_eq!(
            diagnostics.longest_run,
            Some(Run {
                participant: 1,
                turns: 3,
                first_turn: 2
            })
        );
    }

    #[test]
    fn a_moderator_turn_ends_a_run_and_ties_go_to_the_earlier_run() {
        let turns = [said(0, 5), said(0, 5), moderator(5), said(1, 5), said(1, 5)];
        let run = diagnose(&turns, 2).unwrap().longest_run;
        assert_eq!(
            run,
            Some(Run {
                participant: 0,
                turns: 2,
                first_turn: 0
            })
        );
        assert_eq!(diagnose(&[moderator(5)], 2).unwrap().longest_run, None);
    }

    #[test]
    fn herding_counts_changes_toward_the_others_majority() {
        let turns = [
            stance(0, -2),
            stance(1, 1),
            stance(2, 1),
            // 0 moves -2 -> 0; the others hold 1 and 1: majority 1, closer. Toward.
            stance(0, 0),
            // 1 moves 1 -> 2; the others hold 0 and 1: a tie, no majority. Not eligible.
            stance(1, 2),
            // 2 moves 1 -> -1; the others hold 0 and 2: a tie. Not eligible.
            stance(2, -1),
            // 0 moves 0 -> 0: no change.
            stance(0, 0),
            // 1 moves 2 -> -2; the others hold 0 and -1: a tie. Not eligible.
            stance(1, -2),
            // 2 moves -1 -> 2; the others hold 0 and -2: a tie. Not eligible.
            stance(2, 2),
            // 0 moves 0 -> -1; the others hold -2 and 2: a tie. Not eligible.
            stance(0, -1),
        ];
        let herding = diagnose(&turns, 3).unwrap().herding;
        assert_eq!(herding.stance_changes, 6);
        assert_eq!(herding.eligible_changes, 1);
        assert_eq!(herding.changes_toward_majority, 1);
        assert_eq!(herding.rate, Some(1.0));

        let turns = [
            stance(0, 2),
            stance(1, -1),
            stance(2, -1),
            stance(3, 2),
            // 3 moves 2 -> 1; others hold 2, -1, -1: majority -1, closer. Toward.
            stance(3, 1),
            // 0 moves 2 -> -1; others hold -1, -1, 1: majority -1, reached. Toward.
            stance(0, -1),
            // 1 moves -1 -> -2; others hold -1, -1, 1: majority -1, further. Away.
            stance(1, -2),
            // 3 moves 1 -> 2; others hold -1, -2, -1: majority -1, further. Away.
            stance(3, 2),
        ];
        let diagnostics = diagnose(&turns, 4).unwrap();
        let herding = diagnostics.herding;
        assert_eq!((herding.stance_changes, herding.eligible_changes), (4, 4));
        assert_eq!(herding.changes_toward_majority, 2);
        assert_eq!(herding.rate, Some(0.5));
        let per_participant: Vec<(usize, usize)> = diagnostics
            .participants
            .iter()
            .map(|p| (p.stance_changes, p.changes_toward_majority))
            .collect();
        assert_eq!(per_participant, vec![(1, 1), (1, 0), (0, 0), (2, 1)]);
    }

    #[test]
    fn stances_on_different_questions_are_not_changes() {
        let mut turns = [stance(0, -2), stance(1, 2), stance(0, 2)];
        turns[2].question = 1;
        let herding = diagnose(&turns, 2).unwrap().herding;
        assert_eq!(herding.stance_changes, 0);
        assert_eq!(herding.rate, None);
        // On the same question it is a change toward the only other participant.
        turns[2].question = 0;
        assert_eq!(diagnose(&turns, 2).unwrap().herding.rate, Some(1.0));
    }

    #[test]
    fn a_moderator_turn_or_another_question_in_between_changes_nobody_s_mind() {
        let mut moderator = said_by_moderator();
        moderator.question = 7;
        let mut aside = stance(1, -1);
        aside.question = 3;
        // Participant 0 goes from −2 to 2 on question 0, with the moderator and an aside on
        // another question in between: still one change, toward participant 1's 2.
        let turns = [stance(0, -2), stance(1, 2), moderator, aside, stance(0, 2)];
        let herding = diagnose(&turns, 2).unwrap().herding;
        assert_eq!(herding.stance_changes, 1);
        assert_eq!(herding.rate, Some(1.0));
    }

    #[test]
    fn unknown_speakers_and_stances_out_of_range_are_errors() {
        assert_eq!(
            diagnose(&[said(0, 5), said(2, 5)], 2),
            Err(DynamicsError::UnknownSpeaker {
                turn: 1,
                speaker: 2,
                participants: 2
            })
        );
        assert_eq!(
            diagnose(&[stance(0, 3)], 1),
            Err(DynamicsError::StanceOutOfRange { turn: 0, stance: 3 })
        );
        let empty = diagnose(&[], 3).unwrap();
        assert_eq!(
            (empty.word_gini, empty.median_turn_words, empty.longest_run),
            (0.0, None, None)
        );
    }
}
