//! Full-text behaviour on a small known corpus: analyzer, phrases, facets, histograms, dates,
//! snippets and the messages for queries that cannot run.
// Setup helpers outside `#[test]` functions panic on failure, like the tests.
#![allow(clippy::expect_used)]

mod support;

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
