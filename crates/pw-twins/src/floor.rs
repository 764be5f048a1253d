//! Who speaks next in a focus group. Not round-robin: after each turn every participant rates
//! its urge to speak about what was just said (one cheap batched call, 0 to 9), and the floor
//! goes to the strongest urge, raised for a participant the moderator invited or a peer
//! addressed, lowered for whoever just spoke. When no one's urge is strong enough, or
//! participants have talked among themselves for long enough, the moderator takes the floor (to
//! probe, draw in a quiet participant or move on). A participant the moderator addresses by
//! name takes the floor outright, and after two moderator turns in a row the bar drops, so a
//! quiet group cannot leave the moderator talking to itself. The threshold, bonuses, the run
//! of six and the lowered bar follow the moderated multi-agent focus groups in
//! `../shared/reference/synthetic-research.md` §5 (LauraLP08's orchestrator); the penalty for
//! having just spoken is ours.

/// An urge at or above this (after bonuses) takes the floor.
pub const THRESHOLD: f64 = 0.55;
/// Added for a participant the moderator just invited to speak.
pub const INVITED_BONUS: f64 = 0.15;
/// Added for a participant another participant just addressed.
pub const ADDRESSED_BONUS: f64 = 0.15;
/// Taken from the participant who spoke last, so one voice does not hold the floor.
pub const JUST_SPOKE_PENALTY: f64 = 0.3;
/// Participant turns in a row after which the moderator speaks whatever the urges.
pub const MAX_PARTICIPANT_RUN: u32 = 6;
/// Moderator turns in a row after which the bar drops to [`LOWERED_THRESHOLD`].
pub const MODERATOR_TURNS_BEFORE_LOWERING: u32 = 2;
pub const LOWERED_THRESHOLD: f64 = 0.2;

/// One participant's claim to the next turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bid {
    /// Urge to speak, 0 (nothing to add) to 9 (must answer this); higher values are read as 9.
    pub urge: u8,
    pub invited: bool,
    /// The moderator asked this participant alone, by name: it answers, whatever its urge.
    pub named: bool,
    pub addressed: bool,
    pub spoke_last: bool,
    /// Was drawn in last time and did not take the floor: not the one to draw in again.
    pub declined_last: bool,
    /// Words this participant has said in the session so far.
    pub words_so_far: u32,
}

/// Who has the next turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Floor {
    /// The participant at this index of the bids.
    Participant(usize),
    Moderator,
}

/// A bid's strength: its urge over 9 with the bonuses and the penalty, at most 1.
pub fn strength(bid: &Bid) -> f64 {
    let mut strength = f64::from(bid.urge.min(9)) / 9.0;
    if bid.invited {
        strength += INVITED_BONUS;
    }
    if bid.addressed {
        strength += ADDRESSED_BONUS;
    }
    if bid.spoke_last {
        strength -= JUST_SPOKE_PENALTY;
    }
    strength.min(1.0)
}

/// The next speaker, given the bids, how many participant turns came in a row since the
/// moderator last spoke, and how many moderator turns in a row came last. Ties go to the
/// participant who has said less so far, then to the earlier bid, so the same bids always give
/// the same floor.
pub fn next_speaker(bids: &[Bid], participant_run: u32, moderator_run: u32) -> Floor {
    if let Some(named) = bids.iter().position(|bid| bid.named) {
        return Floor::Participant(named);
    }
    if participant_run >= MAX_PARTICIPANT_RUN {
        return Floor::Moderator;
    }
    let threshold = if moderator_run >= MODERATOR_TURNS_BEFORE_LOWERING {
        LOWERED_THRESHOLD
    } else {
        THRESHOLD
    };
    let best = (0..bids.len())
        .filter(|&i| strength(&bids[i]) >= threshold)
        .min_by(|&a, &b| {
            strength(&bids[b])
                .total_cmp(&strength(&bids[a]))
                .then(bids[a].words_so_far.cmp(&bids[b].words_so_far))
                .then(a.cmp(&b))
        });
    match best {
        Some(index) => Floor::Participant(index),
        None => Floor::Moderator,
    }
}

/// The participant a moderator should draw in: the one who has said least, never the one who
/// just spoke or the one who just declined (unless no one else is left). `None` without
/// participants.
pub fn quietest(bids: &[Bid]) -> Option<usize> {
    let candidates: Vec<usize> = (0..bids.len())
        .filter(|&i| !bids[i].spoke_last && !bids[i].declined_last)
        .collect();
    let pool = if candidates.is_empty() {
        (0..bids.len()).collect()
    } else {
        candidates
    };
    pool.into_iter().min_by(|&a, &b| {
        bids[a]
            .words_so_far
            .cmp(&bids[b].words_so_far)
            .then(a.cmp(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bid(urge: u8, words_so_far: u32) -> Bid {
        Bid {
            urge,
            words_so_far,
            ..Bid::default()
        }
    }

    #[test]
    fn the_strongest_urge_speaks_not_the_next_in_line() {
        let bids = [bid(3, 0), bid(8, 120), bid(6, 10)];
        assert_eq!(next_speaker(&bids, 0, 0), Floor::Participant(1));
    }

    #[test]
    fn whoever_just_spoke_yields_to_an_almost_as_eager_peer() {
        let mut eager = bid(9, 200);
        eager.spoke_last = true;
        // 9/9 - 0.3 = 0.70 against 7/9 = 0.78.
        let bids = [eager, bid(7, 40)];
        assert_eq!(next_speaker(&bids, 1, 0), Floor::Participant(1));
    }

    #[test]
    fn an_invitation_lifts_a_middling_urge_over_the_threshold() {
        // 4/9 = 0.44 alone is below 0.55; invited it is 0.59.
        let mut invited = bid(4, 0);
        assert_eq!(next_speaker(&[invited], 0, 0), Floor::Moderator);
        invited.invited = true;
        assert_eq!(next_speaker(&[invited], 0, 0), Floor::Participant(0));
        let mut addressed = bid(4, 0);
        addressed.addressed = true;
        assert!((strength(&addressed) - (4.0 / 9.0 + 0.15)).abs() < 1e-12);
    }

    #[test]
    fn with_no_strong_urge_or_after_a_long_run_the_moderator_speaks() {
        assert_eq!(
            next_speaker(&[bid(2, 0), bid(4, 0)], 0, 0),
            Floor::Moderator
        );
        assert_eq!(
            next_speaker(&[bid(9, 0)], MAX_PARTICIPANT_RUN, 0),
            Floor::Moderator
        );
        assert_eq!(next_speaker(&[], 0, 0), Floor::Moderator);
    }

    #[test]
    fn ties_go_to_the_quieter_participant_then_the_earlier_bid() {
        assert_eq!(
            next_speaker(&[bid(7, 90), bid(7, 30)], 0, 0),
            Floor::Participant(1)
        );
        assert_eq!(
            next_speaker(&[bid(7, 30), bid(7, 30)], 0, 0),
            Floor::Participant(0)
        );
        // Urges above 9 count as 9.
        assert_eq!(strength(&bid(200, 0)), 1.0);
    }

    #[test]
    fn a_participant_named_by_the_moderator_answers_whatever_its_urge() {
        let mut named = bid(2, 0);
        named.named = true;
        assert_eq!(
            next_speaker(&[bid(8, 0), named], 0, 0),
            Floor::Participant(1)
        );
        // Even after a long run of participants: the moderator just asked them.
        assert_eq!(
            next_speaker(&[named], MAX_PARTICIPANT_RUN, 0),
            Floor::Participant(0)
        );
    }

    #[test]
    fn after_two_moderator_turns_in_a_row_a_weaker_urge_takes_the_floor() {
        // 2/9 = 0.22: below the usual bar, above the lowered one.
        let quiet = [bid(2, 0), bid(1, 0)];
        assert_eq!(next_speaker(&quiet, 0, 1), Floor::Moderator);
        assert_eq!(next_speaker(&quiet, 0, 2), Floor::Participant(0));
        // An invited 9 counts no more than an uninvited 9.
        let mut invited = bid(9, 50);
        invited.invited = true;
        assert_eq!(strength(&invited), 1.0);
        assert_eq!(
            next_speaker(&[invited, bid(9, 10)], 0, 0),
            Floor::Participant(1)
        );
    }

    #[test]
    fn the_moderator_draws_in_whoever_has_said_least_but_not_the_last_speaker() {
        let mut last = bid(0, 0);
        last.spoke_last = true;
        assert_eq!(quietest(&[bid(5, 80), last, bid(1, 15)]), Some(2));
        assert_eq!(quietest(&[last]), Some(0));
        assert_eq!(quietest(&[]), None);
        // Not the one who was just drawn in and declined.
        let mut declined = bid(0, 15);
        declined.declined_last = true;
        assert_eq!(quietest(&[bid(5, 80), last, declined]), Some(0));
    }
}
