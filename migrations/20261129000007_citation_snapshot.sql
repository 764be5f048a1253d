-- What each cited signal said when the claim was checked against it. Signals are recomputed
-- in place (a recomputation that yields the same signal keeps its id), so an older report's
-- claim can rest on a statement that has since changed; reading the report compares the two.
-- NULL for citations stored before this column existed.
ALTER TABLE claim_citations ADD COLUMN cited_statement TEXT;
