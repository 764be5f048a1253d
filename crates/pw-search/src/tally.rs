//! A collector that counts, in the same pass as the hits, how many matching documents carry each
//! facet value and fall on each day. Exact by construction (every match is counted), unlike a
//! terms aggregation with a shard size.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::query::{FacetField, HistogramInterval};
use crate::schema::{DAY, day_from_epoch};

/// Per-day counts are kept in a dense array when the days of a segment span at most this many
/// days (about 550 years); anything wider (a stray year-1 date) falls back to a map.
const DENSE_DAY_SPAN: i64 = 200_000;

/// What a search counted over all its matches.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub total: u64,
    pub facets: BTreeMap<FacetField, HashMap<String, u64>>,
    pub days: BTreeMap<i64, u64>,
}

pub(crate) struct TallyCollector;

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let fast_fields = segment.fast_fields();
        let mut facets = Vec::with_capacity(FacetField::ALL.len());
        for field in FacetField::ALL {
            // A segment where no document has the field has no column for it.
            if let Some(column) = fast_fields.str(field.as_str())? {
                let counts = vec![0u32; column.num_terms()];
                facets.push(FacetColumn {
                    field,
                    ords: column.ords().clone(),
                    column,
                    counts,
                });
            }
        }
        let day = fast_fields.i64(DAY)?;
        let (min, max) = (day.min_value(), day.max_value());
        let days = if max.saturating_sub(min) < DENSE_DAY_SPAN {
            let span = usize::try_from(max - min + 1).unwrap_or(0);
            DayCounts::Dense {
                min,
                counts: vec![0; span],
            }
        } else {
            DayCounts::Sparse(HashMap::new())
        };
        Ok(SegmentTally {
            total: 0,
            facets,
            day,
            days,
            ord_buffer: Vec::new(),
            day_buffer: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut merged = Tally::default();
        for fruit in segment_fruits {
            merged.total += fruit.total;
            for (field, values) in fruit.facets {
                let into = merged.facets.entry(field).or_default();
                for (value, count) in values {
                    *into.entry(value).or_default() += count;
                }
            }
            for (day, count) in fruit.days {
                *merged.days.entry(day).or_default() += count;
            }
        }
        Ok(merged)
    }
}

struct FacetColumn {
    field: FacetField,
    column: StrColumn,
    ords: Column<u64>,
    counts: Vec<u32>,
}

enum DayCounts {
    Dense { min: i64, counts: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

impl DayCounts {
    fn add(&mut self, day: i64) {
        match self {
            DayCounts::Dense { min, counts } => {
                let slot = usize::try_from(day - *min)
                    .ok()
                    .and_then(|slot| counts.get_mut(slot));
                if let Some(slot) = slot {
                    *slot += 1;
                }
            }
            DayCounts::Sparse(map) => *map.entry(day).or_default() += 1,
        }
    }
}

pub(crate) struct SegmentTally {
    total: u64,
    facets: Vec<FacetColumn>,
    day: Column<i64>,
    days: DayCounts,
    ord_buffer: Vec<Option<u64>>,
    day_buffer: Vec<Option<i64>>,
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for facet in &mut self.facets {
            if let Some(ord) = facet.ords.first(doc)
                && let Some(count) = usize::try_from(ord)
                    .ok()
                    .and_then(|ord| facet.counts.get_mut(ord))
            {
                *count += 1;
            }
        }
        if let Some(day) = self.day.first(doc) {
            self.days.add(day);
        }
    }

    // Unscored searches (filters only, the common dashboard case) hand docs over in blocks;
    // reading the columns a block at a time is several times faster than doc by doc.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len() as u64;
        self.ord_buffer.clear();
        self.ord_buffer.resize(docs.len(), None);
        for facet in &mut self.facets {
            facet.ords.first_vals(docs, &mut self.ord_buffer);
            for ord in self.ord_buffer.iter().flatten() {
                if let Some(count) = usize::try_from(*ord)
                    .ok()
                    .and_then(|ord| facet.counts.get_mut(ord))
                {
                    *count += 1;
                }
            }
        }
        self.day_buffer.clear();
        self.day_buffer.resize(docs.len(), None);
        self.day.first_vals(docs, &mut self.day_buffer);
        for day in self.day_buffer.iter().flatten() {
            self.days.add(*day);
        }
    }

    fn harvest(self) -> Tally {
        let mut facets = BTreeMap::new();
        for facet in self.facets {
            let mut values = HashMap::new();
            let mut text = String::new();
            for (ord, count) in facet.counts.iter().enumerate() {
                if *count == 0 {
                    continue;
                }
                text.clear();
                match facet.column.ord_to_str(ord as u64, &mut text) {
                    Ok(true) => {
                        values.insert(text.clone(), u64::from(*count));
                    }
                    Ok(false) => tracing::warn!(
                        field = facet.field.as_str(),
                        ord,
                        "facet ordinal without a term"
                    ),
                    Err(error) => {
                        tracing::warn!(field = facet.field.as_str(), %error, "could not read a facet term")
                    }
                }
            }
            facets.insert(facet.field, values);
        }
        let days = match self.days {
            DayCounts::Dense { min, counts } => counts
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(offset, count)| (min + offset as i64, u64::from(*count)))
                .collect(),
            DayCounts::Sparse(map) => map
                .into_iter()
                .map(|(day, count)| (day, u64::from(count)))
                .collect(),
        };
        Tally {
            total: self.total,
            facets,
            days,
        }
    }
}

/// Counts over every document of a searcher without visiting documents one by one: when nothing
/// is filtered and nothing is deleted, a facet's counts are a histogram of its column's values,
/// read in bulk. `None` when a segment has deleted documents (their values are still in the
/// columns); the caller then collects as usual.
pub(crate) fn tally_everything(searcher: &Searcher) -> tantivy::Result<Option<Tally>> {
    if searcher
        .segment_readers()
        .iter()
        .any(|segment| segment.alive_bitset().is_some())
    {
        return Ok(None);
    }
    let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let mut tally = TallyCollector.for_segment(ord as SegmentOrdinal, segment)?;
        tally.count_every_value(segment.num_docs());
        fruits.push(tally.harvest());
    }
    TallyCollector.merge_fruits(fruits).map(Some)
}

/// Values read per bulk call.
const VALUE_CHUNK: usize = 4_096;

impl SegmentTally {
    fn count_every_value(&mut self, num_docs: u32) {
        self.total = u64::from(num_docs);
        let mut ords = vec![0u64; VALUE_CHUNK];
        for facet in &mut self.facets {
            let values = &facet.ords.values;
            let count = u64::from(values.num_vals());
            let mut start = 0u64;
            while start < count {
                let length = (count - start).min(VALUE_CHUNK as u64) as usize;
                values.get_range(start, &mut ords[..length]);
                for ord in &ords[..length] {
                    if let Some(slot) = usize::try_from(*ord)
                        .ok()
                        .and_then(|ord| facet.counts.get_mut(ord))
                    {
                        *slot += 1;
                    }
                }
                start += length as u64;
            }
        }
        let mut days = vec![0i64; VALUE_CHUNK];
        let values = &self.day.values;
        let count = u64::from(values.num_vals());
        let mut start = 0u64;
        while start < count {
            let length = (count - start).min(VALUE_CHUNK as u64) as usize;
            values.get_range(start, &mut days[..length]);
            for day in &days[..length] {
                self.days.add(*day);
            }
            start += length as u64;
        }
    }
}

/// Folds per-day counts into buckets of the interval, from the first to the last non-empty
/// bucket, with empty buckets in between present as zeros (a chart needs the gaps).
pub(crate) fn histogram(
    days: &BTreeMap<i64, u64>,
    interval: HistogramInterval,
) -> Vec<(NaiveDate, u64)> {
    let mut buckets: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for (day, count) in days {
        let Some(date) = day_from_epoch(*day) else {
            continue;
        };
        *buckets.entry(bucket_start(date, interval)).or_default() += count;
    }
    let (Some(first), Some(last)) = (
        buckets.keys().next().copied(),
        buckets.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        out.push((start, buckets.get(&start).copied().unwrap_or(0)));
        match next_bucket(start, interval) {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

fn bucket_start(date: NaiveDate, interval: HistogramInterval) -> NaiveDate {
    match interval {
        HistogramInterval::Day => date,
        HistogramInterval::Week => {
            let back = chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
            date.checked_sub_days(back).unwrap_or(date)
        }
        HistogramInterval::Month => date.with_day(1).unwrap_or(date),
    }
}

fn next_bucket(start: NaiveDate, interval: HistogramInterval) -> Option<NaiveDate> {
    match interval {
        HistogramInterval::Day => start.checked_add_days(chrono::Days::new(1)),
        HistogramInterval::Week => start.checked_add_days(chrono::Days::new(7)),
        HistogramInterval::Month => start.checked_add_months(Months::new(1)),
    }
}
