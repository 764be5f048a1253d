//! A report as a grid of (period, entity) cells, read a page at a time: a page starts at a
//! grid position and computes only the cells it looks at, so no report is ever materialised.
//! Cells without delivery are skipped, as the platforms omit those rows.

use chrono::{Duration, NaiveDate};

use crate::data::World;
use crate::metrics::{Cell, entity_day, entity_range};
use crate::{Level, SandboxPlatform};

pub(crate) struct Grid<'a> {
    pub world: &'a World,
    pub platform: SandboxPlatform,
    pub account: u32,
    pub level: Level,
    /// The periods, in order: single days for daily reports, one span for totals.
    pub periods: Vec<(NaiveDate, NaiveDate)>,
    /// The entity indexes reported, in id order.
    pub entities: Vec<u64>,
}

pub(crate) struct Row {
    pub period: (NaiveDate, NaiveDate),
    pub entity: u64,
    pub cell: Cell,
}

/// How a report splits its range into rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Periods {
    /// One row per `n` days.
    Days(u32),
    /// One row for the whole range.
    Total,
}

pub(crate) fn periods(
    world: &World,
    from: NaiveDate,
    until: NaiveDate,
    split: Periods,
) -> Vec<(NaiveDate, NaiveDate)> {
    match split {
        Periods::Total => vec![(from, until)],
        Periods::Days(step) => {
            // Days outside the data can hold no row, so they are not walked at all.
            let Some((from, until)) = world.clamp(from, until) else {
                return Vec::new();
            };
            let step = i64::from(step.max(1));
            let mut out = Vec::new();
            let mut start = from;
            while start <= until {
                let end = (start + Duration::days(step - 1)).min(until);
                out.push((start, end));
                start = end + Duration::days(1);
            }
            out
        }
    }
}

impl Grid<'_> {
    pub fn len(&self) -> u64 {
        self.periods.len() as u64 * self.entities.len() as u64
    }

    /// Period-major order, as the platforms sort daily reports by date first.
    pub fn at(&self, position: u64) -> Option<Row> {
        let width = self.entities.len() as u64;
        if width == 0 || position >= self.len() {
            return None;
        }
        let period = self.periods[(position / width) as usize];
        let entity = self.entities[(position % width) as usize];
        let cell = if period.0 == period.1 {
            entity_day(
                self.world,
                self.platform,
                self.account,
                self.level,
                entity,
                period.0,
            )
        } else {
            entity_range(
                self.world,
                self.platform,
                self.account,
                self.level,
                entity,
                period,
            )
        };
        Some(Row {
            period,
            entity,
            cell,
        })
    }

    /// Up to `max` rows with delivery from `start`, and the position of the next such row if
    /// there is one (the cursor of the next page).
    pub fn page(&self, start: u64, max: usize) -> (Vec<Row>, Option<u64>) {
        let mut rows = Vec::new();
        let mut position = start;
        while position < self.len() {
            if let Some(row) = self.at(position)
                && row.cell.has_delivery()
            {
                if rows.len() == max {
                    return (rows, Some(position));
                }
                rows.push(row);
            }
            position += 1;
        }
        (rows, None)
    }

    /// Rows with delivery in the whole grid.
    pub fn count(&self) -> u64 {
        (0..self.len())
            .filter(|position| {
                self.at(*position)
                    .is_some_and(|row| row.cell.has_delivery())
            })
            .count() as u64
    }

    /// The position of the `skip`-th row with delivery (0-based), for page-number paging.
    pub fn position_of(&self, skip: u64) -> u64 {
        let mut seen = 0;
        for position in 0..self.len() {
            if self.at(position).is_some_and(|row| row.cell.has_delivery()) {
                if seen == skip {
                    return position;
                }
                seen += 1;
            }
        }
        self.len()
    }
}
