//! Full-text behaviour on a small known corpus: analyzer, phrases, facets, histograms, dates,
//! snippets and the messages for queries that cannot run.
// Setup helpers outside `#[test]` functions panic on failure, like the tests.
#![allow(clippy::expect_used)]

use crate::support;

use pw_search::{DocKind, FacetField, HistogramInterval, SearchError, SearchIndex, SearchRequest};
use support::{built_index, day, keys, known_corpus};

fn corpus_index() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), known_corpus(), 10);
    (dir, index)
}

fn all(text: &str) -> SearchRequest {
    SearchRequest {
        limit: 100,
        ..SearchRequest::text(text)
    }
}

fn owned(values: &[(&str, u64)]) -> Vec<(String, u64)> {
    values
        .iter()
        .map(|(value, count)| (value.to_string(), *count))
        .collect()
}

#[test]
fn stemming_matches_other_forms_of_a_word() {
    let (_dir, index) = corpus_index();
    let results = index.search(&all("shipping")).expect("search");
    assert_eq!(
        keys(&results.hits),
        [
            "creative:c1",
            "mention:m1",
            "mention:m2",
            "report:r1",
            "search_term:s1"
        ]
    );
    // And the other way round: "shipped" finds "shipping".
    assert_eq!(index.search(&all("shipped")).expect("search").total, 5);
    assert_eq!(
        keys(&index.search(&all("bean")).expect("search").hits),
        ["mention:m3", "mention:m5", "search_term:s2"]
    );
}

#[test]
fn stop_words_are_ignored() {
    let (_dir, index) = corpus_index();
    // "the" is in five bodies, but it is a stop word: on its own it finds nothing...
    assert_eq!(index.search(&all("the")).expect("search").total, 0);
    // ...and next to a real word it does not narrow the search.
    assert_eq!(
        keys(&index.search(&all("the price")).expect("search").hits),
        keys(&index.search(&all("price")).expect("search").hits)
    );
    assert_eq!(index.search(&all("the price")).expect("search").total, 2);
}

#[test]
fn every_word_is_required_and_a_quoted_phrase_needs_adjacent_words() {
    let (_dir, index) = corpus_index();
    let terms = index.search(&all("free shipping")).expect("search");
    assert_eq!(
        keys(&terms.hits),
        ["mention:m1", "mention:m2", "report:r1", "search_term:s1"]
    );
    let phrase = index.search(&all("\"free shipping\"")).expect("search");
    assert_eq!(keys(&phrase.hits), ["mention:m1", "mention:m2"]);
    assert_eq!(phrase.total, 2);
}

#[test]
fn facet_counts_are_exact_and_sorted_by_count() {
    let (_dir, index) = corpus_index();
    let results = index.search(&SearchRequest::default()).expect("search");
    assert_eq!(results.total, 10);
    assert_eq!(
        results.facet(FacetField::Kind),
        owned(&[
            ("mention", 6),
            ("search_term", 2),
            ("creative", 1),
            ("report", 1)
        ])
    );
    assert_eq!(
        results.facet(FacetField::Platform),
        owned(&[("google", 3), ("meta", 3), ("tiktok", 2)])
    );
    assert_eq!(
        results.facet(FacetField::Sentiment),
        owned(&[("positive", 3), ("negative", 2), ("neutral", 1)])
    );
    assert_eq!(
        results.facet(FacetField::Theme),
        owned(&[("shipping", 4), ("price", 2)])
    );
    assert!(results.facet(FacetField::Audience).is_empty());

    // Counted over the matches of the text, not the whole index.
    let shipping = index.search(&all("shipping")).expect("search");
    assert_eq!(
        shipping.facet(FacetField::Kind),
        owned(&[
            ("mention", 2),
            ("creative", 1),
            ("report", 1),
            ("search_term", 1)
        ])
    );
    assert_eq!(
        shipping.facet(FacetField::Platform),
        owned(&[("meta", 3), ("google", 1)])
    );
}

#[test]
fn filters_within_a_field_are_alternatives_and_across_fields_all_apply() {
    let (_dir, index) = corpus_index();
    let meta_shipping = SearchRequest {
        filters: vec![(FacetField::Platform, "meta".to_string())],
        ..all("shipping")
    };
    let results = index.search(&meta_shipping).expect("search");
    assert_eq!(
        keys(&results.hits),
        ["creative:c1", "mention:m1", "mention:m2"]
    );
    assert_eq!(results.facet(FacetField::Platform), owned(&[("meta", 3)]));

    let mentions_on_meta_or_google = SearchRequest {
        kinds: vec![DocKind::Mention],
        filters: vec![
            (FacetField::Platform, "meta".to_string()),
            (FacetField::Platform, "google".to_string()),
        ],
        ..all("")
    };
    let results = index.search(&mentions_on_meta_or_google).expect("search");
    assert_eq!(
        keys(&results.hits),
        ["mention:m1", "mention:m2", "mention:m5"]
    );

    let negative_prices = SearchRequest {
        filters: vec![
            (FacetField::Sentiment, "negative".to_string()),
            (FacetField::Theme, "price".to_string()),
        ],
        ..all("")
    };
    assert_eq!(
        keys(&index.search(&negative_prices).expect("search").hits),
        ["mention:m3"]
    );
    // The same filter typed in the text.
    assert_eq!(
        keys(
            &index
                .search(&all("platform:meta shipping"))
                .expect("search")
                .hits
        ),
        ["creative:c1", "mention:m1", "mention:m2"]
    );
}

#[test]
fn histogram_buckets_are_exact_per_day_week_and_month() {
    let (_dir, index) = corpus_index();
    let daily = index.search(&SearchRequest::default()).expect("search");
    // 2 March to 15 April, gaps filled with zeros.
    assert_eq!(daily.histogram.len(), 45);
    assert_eq!(daily.histogram.first(), Some(&(day("2026-03-02"), 3)));
    assert_eq!(daily.histogram[1], (day("2026-03-03"), 0));
    assert_eq!(daily.histogram[2], (day("2026-03-04"), 2));
    assert_eq!(daily.histogram.last(), Some(&(day("2026-04-15"), 1)));
    assert_eq!(
        daily.histogram.iter().map(|(_, count)| count).sum::<u64>(),
        10
    );

    let weekly = index
        .search(&SearchRequest {
            histogram: HistogramInterval::Week,
            ..SearchRequest::default()
        })
        .expect("search");
    assert_eq!(
        weekly.histogram,
        vec![
            (day("2026-03-02"), 5),
            (day("2026-03-09"), 2),
            (day("2026-03-16"), 0),
            (day("2026-03-23"), 0),
            (day("2026-03-30"), 2),
            (day("2026-04-06"), 0),
            (day("2026-04-13"), 1),
        ]
    );

    let monthly = index
        .search(&SearchRequest {
            histogram: HistogramInterval::Month,
            ..all("shipping")
        })
        .expect("search");
    assert_eq!(
        monthly.histogram,
        vec![(day("2026-03-01"), 4), (day("2026-04-01"), 1)]
    );
}

#[test]
fn date_range_is_inclusive_at_both_ends() {
    let (_dir, index) = corpus_index();
    let march = SearchRequest {
        from: Some(day("2026-03-04")),
        to: Some(day("2026-03-31")),
        ..all("")
    };
    let results = index.search(&march).expect("search");
    assert_eq!(
        keys(&results.hits),
        [
            "creative:c1",
            "mention:m3",
            "mention:m4",
            "mention:m5",
            "search_term:s2"
        ]
    );
    let open_ended = SearchRequest {
        from: Some(day("2026-04-01")),
        ..all("")
    };
    assert_eq!(
        keys(&index.search(&open_ended).expect("search").hits),
        ["mention:m6", "report:r1"]
    );
    let reversed = SearchRequest {
        from: Some(day("2026-04-01")),
        to: Some(day("2026-03-01")),
        ..all("")
    };
    assert!(matches!(
        index.search(&reversed),
        Err(SearchError::InvalidQuery { message }) if message.contains("after the end date")
    ));
}

#[test]
fn without_text_hits_are_newest_first_and_pages_follow() {
    let (_dir, index) = corpus_index();
    let first = index
        .search(&SearchRequest {
            limit: 3,
            ..SearchRequest::default()
        })
        .expect("search");
    let first: Vec<String> = first.hits.iter().map(|hit| hit.key.to_string()).collect();
    assert_eq!(first, ["report:r1", "mention:m6", "mention:m5"]);

    let page = index
        .search(&SearchRequest {
            limit: 2,
            offset: 1,
            ..all("shipping")
        })
        .expect("search");
    let everything = index.search(&all("shipping")).expect("search");
    assert_eq!(page.hits, everything.hits[1..3].to_vec());
    assert_eq!(page.total, 5);

    let count_only = index
        .search(&SearchRequest {
            limit: 0,
            ..all("shipping")
        })
        .expect("search");
    assert!(count_only.hits.is_empty());
    assert_eq!(count_only.total, 5);
}

#[test]
fn snippets_highlight_stemmed_matches_in_the_text_the_caller_supplies() {
    let (_dir, index) = corpus_index();
    let results = index.search(&all("shipping")).expect("search");
    let body = "Free shipping made my day, the parcel shipped fast";
    let snippet = results.highlighter.snippet(body);
    let highlighted: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|range| &snippet.fragment[range.clone()])
        .collect();
    assert_eq!(highlighted, ["shipping", "shipped"]);

    // A text without a match still gives a (plain) snippet.
    let plain = results.highlighter.snippet("Nothing relevant here at all");
    assert_eq!(plain.fragment, "Nothing relevant here at all");
    assert!(plain.highlights.is_empty());

    // Long texts are cut around the match.
    let long = format!(
        "{} our shipping was late {}",
        "word ".repeat(100),
        "tail ".repeat(100)
    );
    let snippet = results.highlighter.snippet(&long);
    assert!(snippet.fragment.len() <= pw_search::SNIPPET_CHARS + 8);
    assert_eq!(snippet.highlights.len(), 1);
    assert_eq!(&snippet.fragment[snippet.highlights[0].clone()], "shipping");
}

fn invalid_message(index: &SearchIndex, text: &str) -> String {
    match index.search(&all(text)) {
        Err(SearchError::InvalidQuery { message }) => message,
        other => panic!("{text:?} should be an invalid query, got {other:?}"),
    }
}

#[test]
fn invalid_queries_explain_themselves() {
    let (_dir, index) = corpus_index();
    assert!(invalid_message(&index, "\"free shipping").contains("a quote is not closed"));
    assert!(invalid_message(&index, "shipping \"").contains("a quote is not closed"));
    assert_eq!(
        invalid_message(&index, "foo:bar"),
        "there is no field 'foo'; you can filter by kind, platform, audience, theme, sentiment"
    );
    assert_eq!(
        invalid_message(&index, "shipping AND key:mention"),
        "there is no field 'key'; you can filter by kind, platform, audience, theme, sentiment"
    );
    assert!(invalid_message(&index, "shipping AND").contains("AND, OR and NOT go between words"));
    // Apostrophes, times and web addresses are text, not syntax.
    assert_eq!(
        index
            .search(&all("parcel's shipped"))
            .expect("search")
            .total,
        0
    );
    assert!(index.search(&all("roaster's 'good'")).is_ok());
    assert!(index.search(&all("10:30")).is_ok());
    assert_eq!(
        keys(
            &index
                .search(&all("https://shop.example/free-shipping"))
                .expect("search")
                .hits
        ),
        Vec::<String>::new()
    );
    assert!(invalid_message(&index, "(((").contains("bracket '(' is not closed"));
    assert!(invalid_message(&index, "free)").contains("closing bracket"));
    assert!(
        invalid_message(&index, &format!("{}a{}", "(".repeat(200), ")".repeat(200)))
            .contains("nested")
    );
    assert!(invalid_message(&index, &"shipping ".repeat(2_000)).contains("too long"));
}

#[test]
fn nasty_input_never_panics() {
    let (_dir, index) = corpus_index();
    let nasty = [
        "\"",
        "\"\"",
        "'",
        "(((",
        ")))",
        "()",
        "field:",
        "platform:",
        "platform: ",
        ":",
        "::::",
        "title:\"",
        "-",
        "-shipping",
        "+",
        "*",
        "shipping*",
        "\"free shi\"*",
        "[",
        "[a TO",
        "{a TO b}",
        "body:[a TO z]",
        "^2",
        "shipping^",
        "shipping~",
        "shipping~2",
        "\"free shipping\"~3",
        "/regex/",
        "AND",
        "OR OR OR",
        "NOT",
        "a AND (b OR",
        "\\",
        "\\\"",
        "🚚🚚 free 📦 shipping",
        "🚚",
        "\u{0}",
        "\u{feff}",
        "ﬁ ligature",
        "ＩＳ full width",
        "IN [a b]",
        "platform: IN [meta tiktok]",
        "$exists(platform)",
        "platform:*",
        "title:*",
        "10:30",
        "don't stop",
        "it's free",
        "meet at 10:30",
        "https://example.com/free-shipping",
        "café crème",
    ];
    let huge_nesting = format!("{}shipping{}", "(".repeat(5_000), ")".repeat(5_000));
    let ten_thousand = "x".repeat(10_000);
    let mixed = "a\"(b:c)^[d TO e}~".repeat(500);
    let owned = [huge_nesting, ten_thousand, mixed];
    for text in nasty
        .iter()
        .copied()
        .chain(owned.iter().map(String::as_str))
    {
        let outcome = index.search(&all(text));
        if std::env::var_os("PW_SEARCH_SHOW_MESSAGES").is_some() {
            println!(
                "{:?} -> {:?}",
                text.chars().take(40).collect::<String>(),
                outcome.as_ref().map(|results| results.total)
            );
        }
        match outcome {
            Ok(_) => {}
            Err(SearchError::InvalidQuery { message }) => {
                assert!(!message.is_empty(), "{text:?} gave an empty message");
                assert!(!message.contains("Syntax"), "{text:?}: {message}");
            }
            Err(other) => panic!("{text:?} failed with {other:?}"),
        }
    }
}

#[test]
fn a_page_without_counts_has_the_same_hits_and_total() {
    let (_dir, index) = corpus_index();
    for text in ["shipping", "", "free shipping", "\"free shipping\""] {
        let with = index.search(&all(text)).expect("search");
        let without = index
            .search(&SearchRequest {
                counts: false,
                ..all(text)
            })
            .expect("search");
        assert_eq!(with.hits, without.hits, "{text:?}");
        assert_eq!(with.total, without.total, "{text:?}");
        assert!(without.facets.is_empty());
        assert!(without.histogram.is_empty());
    }
}

#[test]
fn counts_over_everything_leave_out_deleted_documents() {
    let (_dir, index) = corpus_index();
    index
        .apply(
            vec![pw_search::Change::Delete(pw_search::DocKey::new(
                DocKind::Mention,
                "m1",
            ))],
            10,
            11,
        )
        .expect("delete");
    let results = index.search(&SearchRequest::default()).expect("search");
    assert_eq!(results.total, 9);
    assert_eq!(
        results.facet(FacetField::Platform),
        owned(&[("google", 3), ("meta", 2), ("tiktok", 2)])
    );
    assert_eq!(results.histogram.first(), Some(&(day("2026-03-02"), 2)));
    assert_eq!(
        results
            .histogram
            .iter()
            .map(|(_, count)| count)
            .sum::<u64>(),
        9
    );
}

/// A row without a readable date is still found and counted, but no placeholder date stretches
/// the histogram, and a date range leaves it out.
#[test]
fn an_undated_document_is_found_but_stays_out_of_the_histogram_and_date_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut undated = support::mention("old-1", "a voucher from long ago");
    undated.day = None;
    let dated = support::mention("new-1", "a voucher from this year");
    let index = built_index(dir.path(), vec![undated, dated], 1);
    let everything = index
        .search(&SearchRequest {
            histogram: HistogramInterval::Day,
            ..all("voucher")
        })
        .expect("search");
    assert_eq!(everything.total, 2);
    assert_eq!(everything.histogram, vec![(day("2026-01-01"), 1)]);
    let unfiltered = index.search(&SearchRequest::default()).expect("search");
    assert_eq!(unfiltered.total, 2);
    assert_eq!(unfiltered.histogram.len(), 1);
    let ranged = index
        .search(&SearchRequest {
            from: Some(day("2020-01-01")),
            ..all("voucher")
        })
        .expect("search");
    assert_eq!(keys(&ranged.hits), ["mention:new-1"]);
}

/// Plain words find a document by its title or its text and highlight both; `title:` looks at
/// titles alone.
#[test]
fn plain_words_search_titles_and_texts_and_title_words_only_titles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut creative = support::mention("c1", "Order before Friday and it ships the same day");
    creative.key = pw_search::DocKey::new(DocKind::Creative, "c1");
    creative.title = Some("Free shipping weekend".to_string());
    let plain = support::mention("m1", "Shipping took a week");
    let index = built_index(dir.path(), vec![creative, plain], 1);

    let found = index.search(&all("shipping")).expect("search");
    assert_eq!(found.total, 2);
    let title = found.highlighter.title_snippet("Free shipping weekend");
    assert_eq!(
        title
            .highlights
            .iter()
            .map(|range| &title.fragment[range.clone()])
            .collect::<Vec<_>>(),
        ["shipping"]
    );
    let phrase = index.search(&all("\"free shipping\"")).expect("search");
    assert_eq!(keys(&phrase.hits), ["creative:c1"]);

    assert_eq!(
        keys(&index.search(&all("title:shipping")).expect("search").hits),
        ["creative:c1"]
    );
    assert_eq!(index.search(&all("title:friday")).expect("search").total, 0);
    assert_eq!(index.search(&all("friday")).expect("search").total, 1);
}

fn highlighted_words(snippet: &pw_search::Snippet) -> Vec<&str> {
    snippet
        .highlights
        .iter()
        .map(|range| &snippet.fragment[range.clone()])
        .collect()
}

/// Two-word phrases are looked up as one term of the pairs field; they must still mean "these
/// two words next to each other, in this order", with stemming and stop words as everywhere.
#[test]
fn a_two_word_phrase_finds_exactly_the_adjacent_words_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let documents = vec![
        support::mention("adjacent", "Free shipping on every order"),
        support::mention("reversed", "Shipping free of charge"),
        support::mention("was-free", "Shipping was free"),
        support::mention("apart", "Free fast shipping for members"),
        support::mention("stemmed", "They gave us free shipped samples"),
        support::mention("stop-word", "The price of coffee went up"),
        support::mention("no-stop-word", "Coffee price went up"),
        support::mention("punctuated", "It was free, shipping took a day"),
    ];
    let index = built_index(dir.path(), documents, 1);
    let found = |text: &str| keys(&index.search(&all(text)).expect("search").hits);

    // A comma is not a word, so "free, shipping" is adjacent, as for a phrase query.
    assert_eq!(
        found("\"free shipping\""),
        ["mention:adjacent", "mention:punctuated", "mention:stemmed"]
    );
    // "was" is a stop word, so "shipping was free" holds neither order.
    assert_eq!(found("\"shipping free\""), ["mention:reversed"]);
    assert_eq!(found("\"shipped free\""), ["mention:reversed"]);
    // The removed "of" leaves a gap: "price of coffee" is not the phrase "price coffee"...
    assert!(found("\"price coffee\"").is_empty());
    // ...but the phrase as written still finds it, through the ordinary phrase query.
    assert_eq!(found("\"price of coffee\""), ["mention:stop-word"]);
    assert_eq!(found("\"coffee price\""), ["mention:no-stop-word"]);
    // Leading and trailing stop words do not stop the lookup.
    assert_eq!(found("\"the free shipping\""), found("\"free shipping\""));
    // A phrase next to other words, or excluded, keeps its meaning.
    assert_eq!(found("\"free shipping\" order"), ["mention:adjacent"]);
    assert_eq!(
        found("shipping -\"free shipping\""),
        ["mention:apart", "mention:reversed", "mention:was-free"]
    );
    assert_eq!(
        found("\"free shipping\" OR \"coffee price\""),
        [
            "mention:adjacent",
            "mention:no-stop-word",
            "mention:punctuated",
            "mention:stemmed"
        ]
    );
    // Slop and three-word phrases are still phrase queries.
    assert_eq!(
        found("\"free shipping\"~1"),
        [
            "mention:adjacent",
            "mention:apart",
            "mention:punctuated",
            "mention:stemmed"
        ]
    );
    assert_eq!(found("\"free shipping on every\""), ["mention:adjacent"]);
    // Words the analyzer splits are a phrase too.
    assert_eq!(found("free-shipping"), found("\"free shipping\""));
}

#[test]
fn snippets_of_a_two_word_phrase_highlight_both_words() {
    let (_dir, index) = corpus_index();
    let results = index.search(&all("\"free shipping\"")).expect("search");
    assert_eq!(results.total, 2);
    let snippet = results
        .highlighter
        .snippet("Shipping cost is outrageous, no free shipping at all");
    assert!(highlighted_words(&snippet).contains(&"free"), "{snippet:?}");
    assert!(
        highlighted_words(&snippet)
            .iter()
            .any(|word| word.eq_ignore_ascii_case("shipping")),
        "{snippet:?}"
    );
}

/// The title and the body are separate values: a phrase is found inside either, never across
/// the end of the title and the start of the body (as for longer phrases, which read positions).
#[test]
fn a_two_word_phrase_is_found_in_a_title_or_a_body_but_not_across_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut in_title = support::mention("in-title", "Order before Friday");
    in_title.title = Some("Free shipping weekend".to_string());
    let mut across = support::mention("across", "shipping weekend only");
    across.title = Some("Everything free".to_string());
    let index = built_index(dir.path(), vec![in_title, across], 1);
    let found = |text: &str| keys(&index.search(&all(text)).expect("search").hits);

    assert_eq!(found("\"free shipping\""), ["mention:in-title"]);
    assert_eq!(found("title:\"free shipping\""), ["mention:in-title"]);
    assert_eq!(found("\"weekend order\""), Vec::<String>::new());
    assert_eq!(found("\"everything free shipping\""), Vec::<String>::new());
    assert_eq!(
        found("\"shipping weekend\""),
        ["mention:across", "mention:in-title"]
    );
    let results = index.search(&all("\"free shipping\"")).expect("search");
    assert_eq!(
        highlighted_words(&results.highlighter.title_snippet("Free shipping weekend")),
        ["Free", "shipping"]
    );
}

/// Words of a small vocabulary whose stems are known: the two forms of "ship" share one, every
/// other word has its own. Stop words are in the mix so that some pairs are broken by them.
const VOCABULARY: [&str; 14] = [
    "free", "shipping", "shipped", "coffee", "price", "fast", "great", "beans", "delivery",
    "order", "the", "of", "and", "a",
];
const STOP: [&str; 4] = ["the", "of", "and", "a"];
const PLATFORMS: [&str; 3] = ["meta", "tiktok", "google"];

fn stem(word: &str) -> &str {
    match word {
        "shipped" => "shipping",
        other => other,
    }
}

/// Whether `text` holds `first second` as neighbouring words, by brute force.
fn holds_pair(text: &str, first: &str, second: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).any(|pair| {
        !STOP.contains(&pair[0])
            && !STOP.contains(&pair[1])
            && stem(pair[0]) == stem(first)
            && stem(pair[1]) == stem(second)
    })
}

fn random_text(random: &mut support::SplitMix, words: u64) -> String {
    (0..1 + random.next_u64() % words)
        .map(|_| VOCABULARY[(random.next_u64() % VOCABULARY.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Totals, hits and facet counts of every two-word phrase over a random corpus equal a brute
/// -force count, with and without counts, before and after deleting documents.
#[test]
fn two_word_phrase_totals_and_facets_equal_a_brute_force_count() {
    let mut random = support::SplitMix(42);
    let documents: Vec<pw_search::SearchDocument> = (0..300)
        .map(|number| {
            let mut document =
                support::mention(&format!("d{number}"), &random_text(&mut random, 12));
            if random.next_u64().is_multiple_of(4) {
                document.title = Some(random_text(&mut random, 4));
            }
            document.platform = Some(PLATFORMS[number % PLATFORMS.len()].to_string());
            document
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), documents.clone(), 1);
    check_against_brute_force(&index, &documents);

    // Delete every fifth document: none of them may be counted any more.
    let (deleted, kept): (Vec<_>, Vec<_>) = documents
        .into_iter()
        .enumerate()
        .partition(|(number, _)| number.is_multiple_of(5));
    let deletions = deleted
        .into_iter()
        .map(|(_, document)| pw_search::Change::Delete(document.key))
        .collect();
    index.apply(deletions, 1, 2).expect("delete");
    let kept: Vec<_> = kept.into_iter().map(|(_, document)| document).collect();
    check_against_brute_force(&index, &kept);
}

fn check_against_brute_force(index: &SearchIndex, documents: &[pw_search::SearchDocument]) {
    let words: Vec<&str> = VOCABULARY
        .iter()
        .copied()
        .filter(|word| !STOP.contains(word))
        .collect();
    let mut phrases_with_matches = 0;
    for first in &words {
        for second in &words {
            let expected: Vec<&pw_search::SearchDocument> = documents
                .iter()
                .filter(|document| {
                    holds_pair(&document.body, first, second)
                        || document
                            .title
                            .as_deref()
                            .is_some_and(|title| holds_pair(title, first, second))
                })
                .collect();
            let mut expected_keys: Vec<String> = expected
                .iter()
                .map(|document| document.key.to_string())
                .collect();
            expected_keys.sort();
            let mut expected_platforms: Vec<(String, u64)> = PLATFORMS
                .iter()
                .map(|platform| {
                    let count = expected
                        .iter()
                        .filter(|document| document.platform.as_deref() == Some(platform))
                        .count() as u64;
                    (platform.to_string(), count)
                })
                .filter(|(_, count)| *count > 0)
                .collect();
            expected_platforms
                .sort_by(|left, right| right.1.cmp(&left.1).then_with(|| left.0.cmp(&right.0)));

            let text = format!("\"{first} {second}\"");
            let request = SearchRequest {
                limit: 1_000,
                ..SearchRequest::text(text.as_str())
            };
            let counted = index.search(&request).expect("search");
            assert_eq!(counted.total, expected_keys.len() as u64, "{text}");
            assert_eq!(keys(&counted.hits), expected_keys, "{text}");
            assert_eq!(
                counted.facet(FacetField::Platform),
                expected_platforms,
                "{text}"
            );
            let page = index
                .search(&SearchRequest {
                    counts: false,
                    limit: 3,
                    ..request.clone()
                })
                .expect("search");
            assert_eq!(page.total, expected_keys.len() as u64, "{text}");
            let filtered = index
                .search(&SearchRequest {
                    filters: vec![(FacetField::Platform, "meta".to_string())],
                    ..request
                })
                .expect("search");
            let expected_meta = expected
                .iter()
                .filter(|document| document.platform.as_deref() == Some("meta"))
                .count() as u64;
            assert_eq!(filtered.total, expected_meta, "{text} on meta");
            if !expected_keys.is_empty() {
                phrases_with_matches += 1;
            }
        }
    }
    // The corpus is random; make sure it exercises the lookup at all.
    assert!(phrases_with_matches > 40, "{phrases_with_matches}");
}
