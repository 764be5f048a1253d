-- Conversion value may be unknown: TikTok's basic report and DV360's standard reports carry no
-- purchase value, and storing 0 for them would show a ROAS of 0 where the truth is "not
-- reported". NULL now means the platform did not report it; ROAS is computed over the spend
-- whose value was reported. SQLite cannot relax NOT NULL in place, so the table is rebuilt.
CREATE TABLE daily_metrics_rebuilt (
    workspace_id            TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    level                   TEXT NOT NULL CHECK (level IN ('account', 'campaign', 'ad_group', 'ad')),
    entity_id               TEXT NOT NULL,
    date                    TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    platform                TEXT NOT NULL,
    currency                TEXT NOT NULL CHECK (length(currency) = 3),
    impressions             INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks                  INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    spend_micros            INTEGER NOT NULL DEFAULT 0,
    conversions             REAL NOT NULL DEFAULT 0,
    conversion_value_micros INTEGER,
    reach                   INTEGER,
    video_views             INTEGER,
    PRIMARY KEY (level, entity_id, date)
) WITHOUT ROWID;
INSERT INTO daily_metrics_rebuilt
    SELECT workspace_id, level, entity_id, date, platform, currency, impressions, clicks,
           spend_micros, conversions, conversion_value_micros, reach, video_views
    FROM daily_metrics;
DROP TABLE daily_metrics;
ALTER TABLE daily_metrics_rebuilt RENAME TO daily_metrics;
CREATE INDEX daily_metrics_workspace_date ON daily_metrics(workspace_id, level, date);
-- What TikTok and DV360 connections synced before this was stored as 0; their syncs never
-- read a value, so it is unknown. Demo workspaces (no connections) keep their figures.
UPDATE daily_metrics SET conversion_value_micros = NULL
WHERE platform IN ('tiktok', 'dv360')
  AND conversion_value_micros = 0
  AND EXISTS (
      SELECT 1 FROM platform_connections c
      WHERE c.workspace_id = daily_metrics.workspace_id AND c.platform = daily_metrics.platform
  );
