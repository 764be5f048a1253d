//! Themes from embeddings (mentions, survey open ends), IO-free: spherical k-means (cosine similarity on unit
//! vectors) with a deterministic k-means++ start, the number of themes chosen by the mean
//! silhouette, and each theme's representative quotes taken as the members closest to its
//! centre. Deterministic for the same input, so rebuilding signals from the same mentions finds
//! the same themes and keeps their ids.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A group of mentions that talk about the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Indices into the input, closest to the centre first.
    pub members: Vec<usize>,
    /// Mean cosine similarity of the members to the centre: how tight the theme is.
    pub cohesion: f64,
}

impl Theme {
    /// The `n` members closest to the theme's centre: its most typical quotes.
    pub fn representatives(&self, n: usize) -> &[usize] {
        &self.members[..n.min(self.members.len())]
    }
}

/// How themes are found.
#[derive(Debug, Clone, Copy)]
pub struct ThemeSettings {
    pub min_themes: usize,
    pub max_themes: usize,
    /// A cluster smaller than this is noise, not a theme; its mentions stay unthemed.
    pub min_members: usize,
    pub seed: u64,
}

impl Default for ThemeSettings {
    fn default() -> Self {
        ThemeSettings {
            min_themes: 2,
            max_themes: 12,
            min_members: 3,
            seed: 0x5eed_7e4e,
        }
    }
}

/// Silhouettes are quadratic; past this many points they are computed on an even sample.
const SILHOUETTE_SAMPLE: usize = 1_500;
const ITERATIONS: usize = 50;

/// Groups unit-length `vectors` into themes, largest first. Fewer than `2 * min_members`
/// vectors make no themes. Zero vectors (an empty text) are left out.
pub fn find_themes(vectors: &[Vec<f32>], settings: ThemeSettings) -> Vec<Theme> {
    let usable: Vec<usize> = (0..vectors.len())
        .filter(|&i| vectors[i].iter().any(|v| *v != 0.0))
        .collect();
    if usable.len() < 2 * settings.min_members.max(1) {
        return Vec::new();
    }
    let points: Vec<&[f32]> = usable.iter().map(|&i| vectors[i].as_slice()).collect();
    let most = settings
        .max_themes
        .min(points.len() / settings.min_members.max(1))
        .max(settings.min_themes);
    let sample = even_sample(points.len(), SILHOUETTE_SAMPLE);
    // Distances between sampled points do not depend on k: computed once, not once per k.
    let distances = pairwise_distances(&points, &sample);

    let mut best: Option<(f64, Vec<usize>, Vec<Vec<f32>>)> = None;
    for k in settings.min_themes.max(2)..=most {
        if k > points.len() {
            break;
        }
        let (assignment, centres) = spherical_k_means(&points, k, settings.seed);
        let score = mean_silhouette(&distances, &assignment, k, &sample);
        if best.as_ref().is_none_or(|(top, _, _)| score > *top + 1e-9) {
            best = Some((score, assignment, centres));
        }
    }
    let Some((_, assignment, centres)) = best else {
        return Vec::new();
    };

    let mut themes: Vec<Theme> = centres
        .iter()
        .enumerate()
        .filter_map(|(cluster, centre)| {
            let mut members: Vec<(usize, f64)> = assignment
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == cluster)
                .map(|(point, _)| (usable[point], dot(points[point], centre)))
                .collect();
            if members.len() < settings.min_members {
                return None;
            }
            members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let cohesion = members.iter().map(|(_, s)| s).sum::<f64>() / members.len() as f64;
            Some(Theme {
                members: members.into_iter().map(|(i, _)| i).collect(),
                cohesion,
            })
        })
        .collect();
    themes.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    themes
}

/// The mean of unit vectors, normalised: the direction a theme points in.
pub fn centroid(vectors: &[&[f32]]) -> Vec<f32> {
    let dimensions = vectors.first().map_or(0, |v| v.len());
    let mut sum = vec![0f32; dimensions];
    for vector in vectors {
        for (s, v) in sum.iter_mut().zip(vector.iter()) {
            *s += v;
        }
    }
    normalise(&mut sum);
    sum
}

pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for v in vector.iter_mut() {
            *v /= norm;
        }
    }
}

fn even_sample(len: usize, at_most: usize) -> Vec<usize> {
    if len <= at_most {
        return (0..len).collect();
    }
    (0..at_most).map(|i| i * len / at_most).collect()
}

/// SplitMix64: a tiny deterministic generator, so the same mentions give the same themes on
/// every machine and every version of a random-number crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn spherical_k_means(points: &[&[f32]], k: usize, seed: u64) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut rng = SplitMix(seed ^ (k as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    // k-means++ on cosine distance (1 - similarity).
    let mut centres: Vec<Vec<f32>> =
        vec![points[(rng.next() % points.len() as u64) as usize].to_vec()];
    let mut distance: Vec<f64> = points
        .iter()
        .map(|p| (1.0 - dot(p, &centres[0])).max(0.0))
        .collect();
    while centres.len() < k {
        let total: f64 = distance.iter().map(|d| d * d).sum();
        let chosen = if total <= 0.0 {
            (rng.next() % points.len() as u64) as usize
        } else {
            let mut target = rng.unit() * total;
            let mut chosen = points.len() - 1;
            for (i, d) in distance.iter().enumerate() {
                target -= d * d;
                if target <= 0.0 {
                    chosen = i;
                    break;
                }
            }
            chosen
        };
        let centre = points[chosen].to_vec();
        for (d, p) in distance.iter_mut().zip(points) {
            *d = d.min((1.0 - dot(p, &centre)).max(0.0));
        }
        centres.push(centre);
    }

    let mut assignment = vec![usize::MAX; points.len()];
    for _ in 0..ITERATIONS {
        let mut changed = false;
        for (i, p) in points.iter().enumerate() {
            let nearest = nearest_centre(p, &centres);
            if assignment[i] != nearest {
                assignment[i] = nearest;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        for (cluster, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&[f32]> = points
                .iter()
                .zip(&assignment)
                .filter(|(_, c)| **c == cluster)
                .map(|(p, _)| *p)
                .collect();
            // An emptied cluster keeps its old centre; the silhouette will judge this k.
            if !members.is_empty() {
                *centre = centroid(&members);
            }
        }
    }
    (assignment, centres)
}

fn nearest_centre(point: &[f32], centres: &[Vec<f32>]) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (index, centre) in centres.iter().enumerate() {
        let similarity = dot(point, centre);
        if similarity > best.1 {
            best = (index, similarity);
        }
    }
    best.0
}

/// Cosine distances between the sampled points, row-major (`sample.len()` squared).
fn pairwise_distances(points: &[&[f32]], sample: &[usize]) -> Vec<f32> {
    let n = sample.len();
    let mut distances = vec![0f32; n * n];
    for a in 0..n {
        for b in (a + 1)..n {
            let distance = (1.0 - dot(points[sample[a]], points[sample[b]])) as f32;
            distances[a * n + b] = distance;
            distances[b * n + a] = distance;
        }
    }
    distances
}

/// The mean silhouette over `sample`, with cosine distance: near 1 when every point sits far
/// closer to its own cluster than to the next one, near 0 when clusters overlap.
fn mean_silhouette(distances: &[f32], assignment: &[usize], k: usize, sample: &[usize]) -> f64 {
    let n = sample.len();
    let mut total = 0.0;
    let mut counted = 0usize;
    for (a, &i) in sample.iter().enumerate() {
        let mut sums = vec![0.0f64; k];
        let mut counts = vec![0usize; k];
        for (b, &j) in sample.iter().enumerate() {
            if a == b {
                continue;
            }
            sums[assignment[j]] += f64::from(distances[a * n + b]);
            counts[assignment[j]] += 1;
        }
        let own = assignment[i];
        if counts[own] == 0 {
            // A point alone in its cluster scores 0 by convention.
            counted += 1;
            continue;
        }
        let inside = sums[own] / counts[own] as f64;
        let nearest = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if nearest.is_finite() {
            total += (nearest - inside) / inside.max(nearest).max(f64::EPSILON);
        }
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got",
    "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "just", "me", "more", "my", "no", "not", "now", "of", "on", "one", "or", "our", "out", "so",
    "than", "that", "the", "their", "them", "then", "there", "they", "this", "to", "too", "up",
    "us", "very", "was", "we", "were", "what", "when", "which", "who", "will", "with", "would",
    "you", "your", "it's", "i'm", "im", "really", "still", "even", "actually", "honestly", "only",
    "like", "anything", "tried", "couldn't", "can't", "don't", "didn't", "isn't", "wasn't",
    "won't", "around", "before", "comes", "big", "crazy", "asking", "some", "much", "every",
    "ever", "been", "being", "because", "got", "into", "over", "way", "thing", "things", "make",
    "makes", "made", "need", "want", "know", "think", "thought", "same", "love", "loved", "good",
    "great", "best", "better", "new", "time", "day", "days", "week",
];

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() > 2 && !STOP_WORDS.contains(&w.as_str()))
}

/// The words that set `members` apart from all `texts`: frequent in the theme, rarer outside.
pub fn keywords(members: &[&str], texts: &[&str], n: usize) -> Vec<String> {
    let mut inside: BTreeMap<String, f64> = BTreeMap::new();
    for text in members {
        for word in words(text).collect::<BTreeSet<_>>() {
            *inside.entry(word).or_default() += 1.0;
        }
    }
    let mut everywhere: HashMap<String, f64> = HashMap::new();
    for text in texts {
        for word in words(text).collect::<BTreeSet<_>>() {
            *everywhere.entry(word).or_default() += 1.0;
        }
    }
    let mut scored: Vec<(String, f64)> = inside
        .into_iter()
        .filter(|(_, n)| *n >= 2.0)
        .map(|(word, n)| {
            let all = everywhere.get(&word).copied().unwrap_or(n);
            let score = (n / members.len().max(1) as f64) * (n / all);
            (word, score)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().take(n).map(|(w, _)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points scattered tightly around `centres`, unit length.
    fn blobs(centres: &[Vec<f32>], per_blob: usize, spread: f32) -> Vec<Vec<f32>> {
        let mut rng = SplitMix(7);
        let mut out = Vec::new();
        for centre in centres {
            for _ in 0..per_blob {
                let mut v: Vec<f32> = centre
                    .iter()
                    .map(|c| c + spread * (rng.unit() as f32 - 0.5))
                    .collect();
                normalise(&mut v);
                out.push(v);
            }
        }
        out
    }

    fn axis(dimensions: usize, at: usize) -> Vec<f32> {
        let mut v = vec![0.0; dimensions];
        v[at] = 1.0;
        v
    }

    #[test]
    fn finds_the_groups_that_are_there() {
        let centres: Vec<Vec<f32>> = (0..4).map(|i| axis(16, i)).collect();
        let points = blobs(&centres, 20, 0.3);
        let themes = find_themes(&points, ThemeSettings::default());
        assert_eq!(themes.len(), 4, "{themes:?}");
        for theme in &themes {
            assert_eq!(theme.members.len(), 20);
            let blob = theme.members[0] / 20;
            assert!(
                theme.members.iter().all(|m| m / 20 == blob),
                "mixed: {theme:?}"
            );
            assert!(theme.cohesion > 0.9);
        }
    }

    #[test]
    fn the_same_input_gives_the_same_themes() {
        let centres: Vec<Vec<f32>> = (0..3).map(|i| axis(8, i)).collect();
        let points = blobs(&centres, 15, 0.5);
        assert_eq!(
            find_themes(&points, ThemeSettings::default()),
            find_themes(&points, ThemeSettings::default())
        );
    }

    #[test]
    fn representatives_are_the_members_closest_to_the_centre() {
        let mut points = vec![axis(4, 0); 3];
        points.extend(vec![axis(4, 1); 3]);
        // Far from its group's centre, so it must not be the first quote.
        let mut off = vec![0.6, 0.0, 0.8, 0.0];
        normalise(&mut off);
        points.push(off);
        let themes = find_themes(
            &points,
            ThemeSettings {
                max_themes: 2,
                ..ThemeSettings::default()
            },
        );
        let first = themes
            .iter()
            .find(|t| t.members.contains(&6))
            .expect("theme");
        assert_eq!(*first.members.last().expect("members"), 6);
        assert_eq!(first.representatives(3).len(), 3);
        assert!(!first.representatives(3).contains(&6));
    }

    #[test]
    fn too_few_mentions_make_no_themes_and_small_clusters_are_noise() {
        assert!(find_themes(&vec![axis(4, 0); 5], ThemeSettings::default()).is_empty());
        let mut points = blobs(&[axis(8, 0), axis(8, 1)], 10, 0.2);
        points.push(axis(8, 5));
        let themes = find_themes(&points, ThemeSettings::default());
        assert!(
            themes.iter().all(|t| !t.members.contains(&20)),
            "{themes:?}"
        );
        assert_eq!(themes.iter().map(|t| t.members.len()).sum::<usize>(), 20);
    }

    #[test]
    fn empty_texts_are_left_out() {
        let mut points = blobs(&[axis(8, 0), axis(8, 1)], 10, 0.2);
        points.push(vec![0.0; 8]);
        let themes = find_themes(&points, ThemeSettings::default());
        assert!(themes.iter().all(|t| !t.members.contains(&20)));
    }
}
