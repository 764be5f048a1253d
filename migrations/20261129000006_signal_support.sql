-- A signal's support in the unit a person counts (impressions, clicks, searches, customers,
-- mentions, or rows where nothing finer is counted): `support_count` of `support_total` units,
-- or the count alone where the signal is no share of a whole. Until now only the stored rows
-- were kept, and screens read the units back out of the statement's words.
--
-- NULL in all three: a signal stored before this change (or imported from a workspace file
-- exported before it); readers take its `support_rows` as rows until the next build counts it.
ALTER TABLE signals ADD COLUMN support_count INTEGER
    CHECK (support_count IS NULL OR support_count >= 0);
ALTER TABLE signals ADD COLUMN support_total INTEGER
    CHECK (support_total IS NULL OR (support_count IS NOT NULL AND support_total >= support_count));
ALTER TABLE signals ADD COLUMN support_unit TEXT
    CHECK ((support_unit IS NULL) = (support_count IS NULL) AND (support_unit IS NULL OR
        support_unit IN ('impressions', 'clicks', 'searches', 'customers', 'mentions', 'rows')));
