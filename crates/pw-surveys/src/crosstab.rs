//! Weighted crosstabs: an answer (rows) by a grouping such as age band or segment (columns),
//! with the tests a market-research table carries. IO-free.
//!
//! - Pearson's χ² test of independence on the weighted table, adjusted for the weighting:
//!   weighted counts are not that many independent people, so the statistic is divided by the
//!   Kish design effect of the weights of the respondents in this table (a first-order
//!   correction in the spirit of Rao and Scott 1981, which use the mean generalised design
//!   effect; the table's own weights, not the whole sample's, since a crosstab often covers
//!   only those shown the question). Expected counts under 5 are counted and reported.
//! - For each answer category, every pair of columns compared by the pooled two-proportion
//!   z-test on the columns' effective sample sizes (Kish, (Σw)²/Σw² within the column), with
//!   Benjamini–Hochberg across all the tests in the table; a cell is marked higher than each
//!   column it beats at q < 0.05, as tables letter their columns A, B, C. A column whose
//!   effective base is under [`MIN_EFFECTIVE_BASE`] is not tested (and says so): letters on a
//!   dozen effective people would be read as findings.
//!
//! One answer per respondent (single choice, a scale point, a band): a multiple-choice
//! question is tabulated one option at a time as a yes/no answer.

use pw_statistics::{Rate, benjamini_hochberg, chi_square_sf, two_proportion_test};
use thiserror::Error;

/// The false discovery rate at which a difference between columns is marked.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;
/// The smallest effective base a column is tested on, as market-research tables flag bases
/// under 30.
pub const MIN_EFFECTIVE_BASE: f64 = 30.0;
/// An expected count under this makes χ²'s approximation doubtful (Cochran's rule).
pub const MIN_EXPECTED_COUNT: f64 = 5.0;

/// A categorical variable over the respondents: the answer or the grouping of a crosstab.
#[derive(Debug, Clone, PartialEq)]
pub struct CrosstabVariable {
    /// The name the user knows ("Purchase intent", "Age band").
    pub name: String,
    /// The category labels.
    pub categories: Vec<String>,
    /// Each respondent's category, as an index into `categories`, one per respondent.
    pub values: Vec<usize>,
}

/// Pearson's χ² test of independence, before and after the design-effect correction.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChiSquareTest {
    /// Pearson's χ² on the weighted table scaled to the number of respondents.
    pub statistic: f64,
    /// The Kish design effect of the table's weights, n·Σw²/(Σw)², that it was divided by.
    pub design_effect: f64,
    /// `statistic / design_effect`.
    pub corrected_statistic: f64,
    /// Cells whose expected count is under [`MIN_EXPECTED_COUNT`]: with any, read the p-value
    /// with care.
    pub small_expected_cells: usize,
    /// (rows − 1)·(columns − 1) of the table after dropping empty rows and columns.
    pub degrees_of_freedom: usize,
    /// P(χ² ≥ corrected statistic).
    pub p_value: f64,
}

/// One column-proportion test: the share of answer `row` in column `first` against `second`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ColumnComparison {
    /// The answer category (index into [`Crosstab::rows`]).
    pub row: usize,
    /// The first column (index into [`Crosstab::columns`]).
    pub first: usize,
    /// The second column, always after `first`.
    pub second: usize,
    /// Positive when `first` has the higher share.
    pub z: f64,
    /// Two-sided, unadjusted.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted across every comparison of the table.
    pub q_value: f64,
}

/// A weighted crosstab with its tests.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Crosstab {
    /// The answer variable's name.
    pub answer: String,
    /// The grouping variable's name.
    pub grouping: String,
    /// The answer categories kept (with some weight), in the order given.
    pub rows: Vec<String>,
    /// The grouping categories kept (with some weight), in the order given.
    pub columns: Vec<String>,
    /// The letter of each kept column: A, B, … Z, AA, AB, …
    pub column_letters: Vec<String>,
    /// Answer categories nobody (with weight) gave, left out of the table and the tests.
    pub dropped_rows: Vec<String>,
    /// Groups with no weight, left out of the table and the tests.
    pub dropped_columns: Vec<String>,
    /// Σ weights per cell, `[row][column]`, in the units of the weights given.
    pub weighted_counts: Vec<Vec<f64>>,
    /// Σ weights per column.
    pub column_totals: Vec<f64>,
    /// Each cell's share of its column, `[row][column]`.
    pub column_shares: Vec<Vec<f64>>,
    /// Kish's effective sample size of each column, (Σw)²/Σw².
    pub effective_column_sizes: Vec<f64>,
    /// Columns (indices into [`Crosstab::columns`]) whose effective base is under
    /// [`MIN_EFFECTIVE_BASE`]: left out of the column tests.
    pub low_base_columns: Vec<usize>,
    /// `None` with fewer than two rows or two columns: nothing to be independent of.
    pub chi_square: Option<ChiSquareTest>,
    /// Every pairwise column test that could be run (a pair where the answer is 0% or 100% in
    /// both columns has nothing to test).
    pub comparisons: Vec<ColumnComparison>,
    /// `[row][column]`: the columns this cell's share is significantly higher than.
    pub higher_than: Vec<Vec<Vec<usize>>>,
}

impl Crosstab {
    /// The letters of the columns a cell is significantly higher than, e.g. "AC"; empty when
    /// none (or the cell does not exist).
    pub fn significance_letters(&self, row: usize, column: usize) -> String {
        self.higher_than
            .get(row)
            .and_then(|cells| cells.get(column))
            .map(|beaten| {
                beaten
                    .iter()
                    .filter_map(|&index| self.column_letters.get(index).map(String::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Why a crosstab could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CrosstabError {
    /// A variable or the weights do not cover the same respondents as the answer.
    #[error("\"{variable}\" has values for {found} respondents but the answer has {expected}")]
    LengthMismatch {
        /// The variable (or "weights").
        variable: String,
        /// Respondents with the answer.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A category index past the category list.
    #[error(
        "respondent {respondent} has category number {index} on \"{variable}\", which has only {categories} categories"
    )]
    UnknownCategory {
        /// The variable.
        variable: String,
        /// The respondent's position, from 1.
        respondent: usize,
        /// The index given.
        index: usize,
        /// How many categories the variable has.
        categories: usize,
    },
    /// A weight that is not a weight.
    #[error("respondent {respondent} has weight {weight}: weights must be finite and not negative")]
    InvalidWeight {
        /// The respondent's position, from 1.
        respondent: usize,
        /// The weight given.
        weight: f64,
    },
    /// No respondent carries any weight.
    #[error(
        "no respondent with weight answered \"{answer}\" by \"{grouping}\": the table is empty"
    )]
    EmptyTable {
        /// The answer variable.
        answer: String,
        /// The grouping variable.
        grouping: String,
    },
}

/// Tabulates `answer` by `grouping` with one weight per respondent (all 1 for unweighted
/// data; the raked weights otherwise) and runs the tests.
pub fn crosstab(
    answer: &CrosstabVariable,
    grouping: &CrosstabVariable,
    weights: &[f64],
) -> Result<Crosstab, CrosstabError> {
    validate(answer, grouping, weights)?;
    let row_count = answer.categories.len();
    let column_count = grouping.categories.len();
    let mut counts = vec![vec![0.0; column_count]; row_count];
    let mut column_sum_of_squares = vec![0.0; column_count];
    let mut weighted_respondents = 0_usize;
    for ((&row, &column), &weight) in answer.values.iter().zip(&grouping.values).zip(weights) {
        counts[row][column] += weight;
        column_sum_of_squares[column] += weight * weight;
        if weight > 0.0 {
            weighted_respondents += 1;
        }
    }
    let kept_rows: Vec<usize> = (0..row_count)
        .filter(|&row| counts[row].iter().sum::<f64>() > 0.0)
        .collect();
    let kept_columns: Vec<usize> = (0..column_count)
        .filter(|&column| counts.iter().map(|cells| cells[column]).sum::<f64>() > 0.0)
        .collect();
    if kept_rows.is_empty() || kept_columns.is_empty() {
        return Err(CrosstabError::EmptyTable {
            answer: answer.name.clone(),
            grouping: grouping.name.clone(),
        });
    }
    let dropped = |categories: &[String], kept: &[usize]| -> Vec<String> {
        (0..categories.len())
            .filter(|index| !kept.contains(index))
            .map(|index| categories[index].clone())
            .collect()
    };
    let weighted_counts: Vec<Vec<f64>> = kept_rows
        .iter()
        .map(|&row| {
            kept_columns
                .iter()
                .map(|&column| counts[row][column])
                .collect()
        })
        .collect();
    let column_totals: Vec<f64> = (0..kept_columns.len())
        .map(|column| weighted_counts.iter().map(|cells| cells[column]).sum())
        .collect();
    let column_shares: Vec<Vec<f64>> = weighted_counts
        .iter()
        .map(|cells| {
            cells
                .iter()
                .zip(&column_totals)
                .map(|(cell, total)| cell / total)
                .collect()
        })
        .collect();
    let effective_column_sizes: Vec<f64> = kept_columns
        .iter()
        .zip(&column_totals)
        .map(|(&column, total)| total * total / column_sum_of_squares[column])
        .collect();

    let (design_effect, _) = crate::raking::kish_design_effect(weights);
    let chi_square =
        pearson_chi_square(&weighted_counts, weighted_respondents as f64, design_effect);
    let low_base_columns: Vec<usize> = (0..effective_column_sizes.len())
        .filter(|&column| effective_column_sizes[column] < MIN_EFFECTIVE_BASE)
        .collect();
    let comparisons = column_comparisons(&column_shares, &effective_column_sizes)
        .into_iter()
        .filter(|c| !low_base_columns.contains(&c.first) && !low_base_columns.contains(&c.second))
        .collect::<Vec<_>>();
    // Benjamini–Hochberg over the tests actually run.
    let adjusted = benjamini_hochberg(&comparisons.iter().map(|c| c.p_value).collect::<Vec<_>>());
    let comparisons: Vec<ColumnComparison> = comparisons
        .into_iter()
        .zip(adjusted)
        .map(|(c, q_value)| ColumnComparison { q_value, ..c })
        .collect();
    let mut higher_than = vec![vec![Vec::new(); kept_columns.len()]; kept_rows.len()];
    for comparison in &comparisons {
        if comparison.q_value < SIGNIFICANCE_LEVEL {
            let (winner, loser) = if comparison.z > 0.0 {
                (comparison.first, comparison.second)
            } else {
                (comparison.second, comparison.first)
            };
            higher_than[comparison.row][winner].push(loser);
        }
    }
    for cells in &mut higher_than {
        for beaten in cells {
            beaten.sort_unstable();
        }
    }
    Ok(Crosstab {
        answer: answer.name.clone(),
        grouping: grouping.name.clone(),
        rows: kept_rows
            .iter()
            .map(|&row| answer.categories[row].clone())
            .collect(),
        columns: kept_columns
            .iter()
            .map(|&column| grouping.categories[column].clone())
            .collect(),
        column_letters: (0..kept_columns.len()).map(column_letter).collect(),
        dropped_rows: dropped(&answer.categories, &kept_rows),
        dropped_columns: dropped(&grouping.categories, &kept_columns),
        weighted_counts,
        column_totals,
        column_shares,
        effective_column_sizes,
        low_base_columns,
        chi_square,
        comparisons,
        higher_than,
    })
}

/// The spreadsheet-style letter of a column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut remaining = index + 1;
    while remaining > 0 {
        let digit = (remaining - 1) % 26;
        // digit < 26, so the addition stays within ASCII capitals.
        letters.push(char::from(b'A' + digit as u8));
        remaining = (remaining - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn validate(
    answer: &CrosstabVariable,
    grouping: &CrosstabVariable,
    weights: &[f64],
) -> Result<(), CrosstabError> {
    let expected = answer.values.len();
    for (name, found) in [
        (grouping.name.as_str(), grouping.values.len()),
        ("weights", weights.len()),
    ] {
        if found != expected {
            return Err(CrosstabError::LengthMismatch {
                variable: name.to_owned(),
                expected,
                found,
            });
        }
    }
    for variable in [answer, grouping] {
        if let Some((respondent, &index)) = variable
            .values
            .iter()
            .enumerate()
            .find(|&(_, &index)| index >= variable.categories.len())
        {
            return Err(CrosstabError::UnknownCategory {
                variable: variable.name.clone(),
                respondent: respondent + 1,
                index,
                categories: variable.categories.len(),
            });
        }
    }
    if let Some((respondent, &weight)) = weights
        .iter()
        .enumerate()
        .find(|&(_, &weight)| !(weight >= 0.0 && weight.is_finite()))
    {
        return Err(CrosstabError::InvalidWeight {
            respondent: respondent + 1,
            weight,
        });
    }
    Ok(())
}

/// Pearson's χ² on the table rescaled to `respondents` in all (weighted counts as if they
/// were people would make the statistic depend on the scale of the weights), divided by the
/// design effect.
fn pearson_chi_square(
    counts: &[Vec<f64>],
    respondents: f64,
    design_effect: f64,
) -> Option<ChiSquareTest> {
    let row_count = counts.len();
    let column_count = counts.first().map_or(0, Vec::len);
    if row_count < 2 || column_count < 2 {
        return None;
    }
    let total: f64 = counts.iter().flatten().sum();
    let scale = respondents / total;
    let row_totals: Vec<f64> = counts
        .iter()
        .map(|cells| cells.iter().sum::<f64>() * scale)
        .collect();
    let column_totals: Vec<f64> = (0..column_count)
        .map(|column| counts.iter().map(|cells| cells[column]).sum::<f64>() * scale)
        .collect();
    let mut statistic = 0.0;
    let mut small_expected_cells = 0;
    for (cells, row_total) in counts.iter().zip(&row_totals) {
        for (cell, column_total) in cells.iter().zip(&column_totals) {
            let expected = row_total * column_total / respondents;
            if expected < MIN_EXPECTED_COUNT {
                small_expected_cells += 1;
            }
            let observed = cell * scale;
            statistic += (observed - expected).powi(2) / expected;
        }
    }
    let degrees_of_freedom = (row_count - 1) * (column_count - 1);
    let corrected_statistic = statistic / design_effect;
    Some(ChiSquareTest {
        statistic,
        design_effect,
        corrected_statistic,
        small_expected_cells,
        degrees_of_freedom,
        p_value: chi_square_sf(corrected_statistic, degrees_of_freedom as f64),
    })
}

/// Every pair of columns for every row, with Benjamini–Hochberg across the lot.
fn column_comparisons(shares: &[Vec<f64>], effective_sizes: &[f64]) -> Vec<ColumnComparison> {
    let mut comparisons = Vec::new();
    for (row, row_shares) in shares.iter().enumerate() {
        let rates: Vec<Option<Rate>> = row_shares
            .iter()
            .zip(effective_sizes)
            .map(|(share, size)| Rate::wilson(share * size, *size))
            .collect();
        for first in 0..rates.len() {
            for second in first + 1..rates.len() {
                let (Some(first_rate), Some(second_rate)) = (rates[first], rates[second]) else {
                    continue;
                };
                if let Some((z, p_value)) = two_proportion_test(first_rate, second_rate) {
                    comparisons.push(ColumnComparison {
                        row,
                        first,
                        second,
                        z,
                        p_value,
                        q_value: 1.0,
                    });
                }
            }
        }
    }
    let p_values: Vec<f64> = comparisons
        .iter()
        .map(|comparison| comparison.p_value)
        .collect();
    for (comparison, q_value) in comparisons.iter_mut().zip(benjamini_hochberg(&p_values)) {
        comparison.q_value = q_value;
    }
    comparisons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|&name| name.to_owned()).collect()
    }

    /// Respondents from a table of counts `[row][column]`, answer and grouping values.
    fn respondents(counts: &[&[usize]]) -> (Vec<usize>, Vec<usize>) {
        let mut rows = Vec::new();
        let mut columns = Vec::new();
        for (row, cells) in counts.iter().enumerate() {
            for (column, &count) in cells.iter().enumerate() {
                rows.extend(std::iter::repeat_n(row, count));
                columns.extend(std::iter::repeat_n(column, count));
            }
        }
        (rows, columns)
    }

    fn two_by_two() -> (CrosstabVariable, CrosstabVariable) {
        let (rows, columns) = respondents(&[&[10, 20], &[30, 40]]);
        (
            CrosstabVariable {
                name: "Bought".to_owned(),
                categories: labels(&["Yes", "No"]),
                values: rows,
            },
            CrosstabVariable {
                name: "Segment".to_owned(),
                categories: labels(&["Young", "Old"]),
                values: columns,
            },
        )
    }

    #[test]
    fn a_two_by_two_table_matches_the_hand_computed_chi_square() {
        // Counts [[10, 20], [30, 40]]: row totals 30, 70, column totals 40, 60, n = 100.
        // Expected counts (row × column / n): [[12, 18], [28, 42]].
        // χ² = 2²/12 + 2²/18 + 2²/28 + 2²/42 = 0.793651, df 1,
        // p = erfc(sqrt(0.793651 / 2)) = 0.3730.
        let (answer, grouping) = two_by_two();
        let table = crosstab(&answer, &grouping, &[1.0; 100]).expect("table");
        let test = table.chi_square.expect("a 2x2 table is testable");
        assert!(close(test.statistic, 0.793_651, 1e-6), "{}", test.statistic);
        assert_eq!(test.degrees_of_freedom, 1);
        assert!(close(test.p_value, 0.3730, 1e-4), "{}", test.p_value);
        assert_eq!(
            table.weighted_counts,
            vec![vec![10.0, 20.0], vec![30.0, 40.0]]
        );
        assert_eq!(table.column_totals, vec![40.0, 60.0]);
        assert!(close(table.column_shares[0][0], 0.25, 1e-12));
        assert!(close(table.column_shares[0][1], 1.0 / 3.0, 1e-12));
        // The two-proportion z-test of a 2x2 table is the square root of its χ²: 10/40 against
        // 20/60, pooled 0.3, z = -0.08333 / sqrt(0.3 · 0.7 · (1/40 + 1/60)) = -0.8909.
        let first_row = table
            .comparisons
            .iter()
            .find(|c| c.row == 0)
            .expect("tested");
        assert!(close(first_row.z, -0.890_871, 1e-5), "{}", first_row.z);
        assert!(close(first_row.z * first_row.z, test.statistic, 1e-9));
        assert!(table.higher_than.iter().flatten().all(Vec::is_empty));
    }

    #[test]
    fn unequal_weights_divide_chi_square_by_the_table_s_design_effect() {
        // Each respondent of [[10, 20], [30, 40]] twice, once with weight 1 and once with 3:
        // the weighted table is 4 × the counts, rescaled to the 200 respondents it is 2 × the
        // counts, so χ² = 2 · 0.793651 = 1.587302. Kish deff = n·Σw²/(Σw)² = 200 · (100·1 +
        // 100·9) / 400² = 1.25, so the corrected χ² is 1.269841, p = erfc(sqrt(1.269841/2)).
        let (answer, grouping) = two_by_two();
        let doubled = |v: &CrosstabVariable| CrosstabVariable {
            values: [v.values.clone(), v.values.clone()].concat(),
            ..v.clone()
        };
        let weights: Vec<f64> = [vec![1.0; 100], vec![3.0; 100]].concat();
        let test = crosstab(&doubled(&answer), &doubled(&grouping), &weights)
            .expect("table")
            .chi_square
            .expect("testable");
        assert!(close(test.statistic, 1.587_302, 1e-6), "{}", test.statistic);
        assert!(close(test.design_effect, 1.25, 1e-12));
        assert!(close(test.corrected_statistic, 1.269_841, 1e-6));
        assert!(close(test.p_value, 0.259_8, 1e-4), "{}", test.p_value);
        assert_eq!(test.small_expected_cells, 0);
    }

    #[test]
    fn a_column_with_a_low_effective_base_is_not_lettered() {
        // 10 respondents in column A (all "Yes") against 100 in B (10% "Yes"): a huge gap, but
        // A's base of 10 is under 30, so no test is run on it and no letter is given.
        let (rows, columns) = respondents(&[&[10, 10], &[0, 90]]);
        let answer = CrosstabVariable {
            name: "Bought".to_owned(),
            categories: labels(&["Yes", "No"]),
            values: rows,
        };
        let grouping = CrosstabVariable {
            name: "Segment".to_owned(),
            categories: labels(&["Few", "Many"]),
            values: columns,
        };
        let table = crosstab(&answer, &grouping, &[1.0; 110]).expect("table");
        assert_eq!(table.low_base_columns, vec![0]);
        assert!(table.comparisons.is_empty());
        assert_eq!(table.significance_letters(0, 0), "");
        // Expected count of ("No", "Few") = 90 · 10 / 110 = 8.2; of ("Yes", "Few") = 20 · 10 /
        // 110 = 1.8 < 5: one small cell.
        assert_eq!(table.chi_square.expect("testable").small_expected_cells, 1);
    }

    #[test]
    fn weights_of_two_tabulate_double_but_test_the_same() {
        // χ² is computed on the table rescaled to the 100 respondents, and equal weights have
        // an effective size equal to the count: doubling every weight changes only the counts.
        let (answer, grouping) = two_by_two();
        let table = crosstab(&answer, &grouping, &[2.0; 100]).expect("table");
        assert_eq!(
            table.weighted_counts,
            vec![vec![20.0, 40.0], vec![60.0, 80.0]]
        );
        assert!(close(
            table.chi_square.expect("testable").statistic,
            0.793_651,
            1e-6
        ));
        assert!(close(table.effective_column_sizes[0], 40.0, 1e-9));
        assert!(close(table.effective_column_sizes[1], 60.0, 1e-9));
    }

    #[test]
    fn a_column_that_differs_gets_its_letters() {
        // Three groups of 100: "Yes" 30, 32 and 60. A fourth group's five respondents weigh 0
        // and nobody answered "Don't know": both are dropped.
        let (mut rows, mut columns) = respondents(&[&[30, 32, 60], &[70, 68, 40]]);
        rows.extend([0; 5]);
        columns.extend([3; 5]);
        let mut weights = vec![1.0; 300];
        weights.extend([0.0; 5]);
        let answer = CrosstabVariable {
            name: "Would recommend".to_owned(),
            categories: labels(&["Yes", "No", "Don't know"]),
            values: rows,
        };
        let grouping = CrosstabVariable {
            name: "Age band".to_owned(),
            categories: labels(&["18-34", "35-54", "55+", "Other"]),
            values: columns,
        };
        let table = crosstab(&answer, &grouping, &weights).expect("table");
        assert_eq!(table.dropped_rows, labels(&["Don't know"]));
        assert_eq!(table.dropped_columns, labels(&["Other"]));
        assert_eq!(table.column_letters, labels(&["A", "B", "C"]));

        // Expected "Yes" 122/3 = 40.667 and "No" 178/3 = 59.333 per column:
        // χ² = (10.667² + 8.667² + 19.333²)·(1/40.667 + 1/59.333) = 23.3192, df 2,
        // p = e^(-χ²/2) = 8.636e-6 (the χ² survival function with 2 df).
        let test = table.chi_square.expect("testable");
        assert_eq!(test.degrees_of_freedom, 2);
        assert!(close(test.statistic, 23.319_21, 1e-4), "{}", test.statistic);
        assert!(close(test.p_value, 8.6357e-6, 1e-9), "{}", test.p_value);

        // Pairwise, n = 100 each (pooled z, the same |z| for "Yes" and "No"):
        //   A-B: 0.30 vs 0.32, pooled 0.31, z = -0.02 / 0.065406 = -0.3058, p = 0.7598
        //   A-C: 0.30 vs 0.60, pooled 0.45, z = -0.30 / 0.070356 = -4.2640, p = 2.008e-5
        //   B-C: 0.32 vs 0.60, pooled 0.46, z = -0.28 / 0.070484 = -3.9725, p = 7.111e-5
        // Benjamini–Hochberg over the six p-values (each twice), m = 6:
        //   A-C: 2.008e-5 · 6/2 = 6.02e-5; B-C: 7.111e-5 · 6/4 = 1.067e-4; A-B: 0.7598.
        assert_eq!(table.comparisons.len(), 6);
        let find = |row: usize, first: usize, second: usize| {
            table
                .comparisons
                .iter()
                .find(|c| c.row == row && c.first == first && c.second == second)
                .copied()
                .expect("tested")
        };
        let a_b = find(0, 0, 1);
        let a_c = find(0, 0, 2);
        let b_c = find(0, 1, 2);
        assert!(close(a_b.z, -0.305_78, 1e-4) && close(a_b.q_value, 0.7598, 1e-4));
        assert!(close(a_c.z, -4.264_01, 1e-4) && close(a_c.q_value, 6.024e-5, 1e-7));
        assert!(close(b_c.z, -3.972_53, 1e-4) && close(b_c.q_value, 1.0667e-4, 1e-7));
        assert!(close(find(1, 0, 2).z, 4.264_01, 1e-4));

        // So "Yes" in C beats A and B; "No" in A and in B beats C; A and B do not differ.
        assert_eq!(table.significance_letters(0, 0), "");
        assert_eq!(table.significance_letters(0, 1), "");
        assert_eq!(table.significance_letters(0, 2), "AB");
        assert_eq!(table.significance_letters(1, 0), "C");
        assert_eq!(table.significance_letters(1, 1), "C");
        assert_eq!(table.significance_letters(1, 2), "");
    }

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn bad_inputs_are_refused() {
        let (answer, grouping) = two_by_two();
        assert_eq!(
            crosstab(&answer, &grouping, &[1.0; 99]).unwrap_err(),
            CrosstabError::LengthMismatch {
                variable: "weights".to_owned(),
                expected: 100,
                found: 99,
            }
        );
        let mut short = grouping.clone();
        short.values.pop();
        assert!(matches!(
            crosstab(&answer, &short, &[1.0; 100]).unwrap_err(),
            CrosstabError::LengthMismatch { variable, .. } if variable == "Segment"
        ));
        let mut unknown = grouping.clone();
        unknown.values[3] = 7;
        assert!(matches!(
            crosstab(&answer, &unknown, &[1.0; 100]).unwrap_err(),
            // The fourth respondent, counted from 1 as people count.
            CrosstabError::UnknownCategory {
                respondent: 4,
                index: 7,
                ..
            }
        ));
        let mut weights = vec![1.0; 100];
        weights[5] = -1.0;
        assert!(matches!(
            crosstab(&answer, &grouping, &weights).unwrap_err(),
            CrosstabError::InvalidWeight { respondent: 6, .. }
        ));
        weights[5] = f64::NAN;
        assert!(matches!(
            crosstab(&answer, &grouping, &weights).unwrap_err(),
            CrosstabError::InvalidWeight { respondent: 6, .. }
        ));
        let error = crosstab(&answer, &grouping, &[0.0; 100]).unwrap_err();
        assert!(matches!(error, CrosstabError::EmptyTable { .. }));
        assert!(error.to_string().contains("\"Bought\" by \"Segment\""));
    }
}
