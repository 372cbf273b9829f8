-- Version 5: a lean write path. Only the indexes the query shapes need, each ending in the sort
-- key (ts) with the row key as the tie, so no index repeats the event id (the time index also
-- covers durations, for percentiles of a window without reading rows); type and component are
-- filtered while walking (ts) or (source_system, ts) newest first, and everything is counted
-- from event_counts; tags carry their event's time and are walked newest first; the trigram index is
-- fed after the commit by the search indexer up to a watermark; exact counts per clock hour and
-- (system, type, severity, component) are kept in the commit.
DROP TRIGGER events_fts_insert;
DROP TRIGGER events_fts_delete;
DROP INDEX events_ts;
DROP INDEX events_system_ts;
DROP INDEX events_severity_ts;
DROP INDEX events_type_ts;
DROP INDEX events_system_severity_ts;
DROP INDEX events_correlation_ts;
DROP INDEX events_component_ts;
DROP INDEX events_duration_ts;
CREATE INDEX events_ts ON events (ts, duration_ms);
CREATE INDEX events_system_ts ON events (source_system, ts);
CREATE INDEX events_system_severity_ts ON events (source_system, severity, ts);
CREATE INDEX events_severity_ts ON events (severity, ts);
CREATE INDEX events_correlation_ts ON events (correlation_id, ts) WHERE correlation_id IS NOT NULL;
CREATE TABLE event_tags_v5 (
  tag TEXT NOT NULL,
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (tag, ts, seq)
) WITHOUT ROWID;
INSERT INTO event_tags_v5 (tag, ts, seq) SELECT t.tag, e.ts, t.seq FROM event_tags t JOIN events e ON e.seq = t.seq;
DROP TABLE event_tags;
ALTER TABLE event_tags_v5 RENAME TO event_tags;
-- The search indexer's progress: every position up to "indexed" is in events_fts (the triggers of
-- version 2 indexed every row so far).
CREATE TABLE search_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO search_state (key, value) VALUES ('indexed', (SELECT COALESCE(MAX(seq), 0) FROM events));
-- Events per clock hour (hour = floor(ts / 3600000)) and filter columns; a missing component is
-- kept as ',' (a component never holds a comma).
CREATE TABLE event_counts (
  hour INTEGER NOT NULL,
  source_system TEXT NOT NULL,
  event_type TEXT NOT NULL,
  severity INTEGER NOT NULL,
  source_component TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (hour, source_system, event_type, severity, source_component)
) WITHOUT ROWID;
INSERT INTO event_counts (hour, source_system, event_type, severity, source_component, n)
  SELECT (CASE WHEN ts >= 0 THEN ts / 3600000 ELSE (ts - 3599999) / 3600000 END) AS h, source_system, event_type,
    severity, COALESCE(source_component, ',') AS c, COUNT(*)
  FROM events GROUP BY h, source_system, event_type, severity, c;
