-- Version 1: events in commit order, filter columns indexed to end in the sort key, tags in their
-- own table, trigram indexes for substring search, and the commit clock that hands out positions.
-- Text that is sorted or compared for equality uses COLLATE "C": byte order, as in SQLite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE events (
  seq BIGINT PRIMARY KEY,
  event_id TEXT COLLATE "C" NOT NULL,
  ts BIGINT NOT NULL,
  source_system TEXT COLLATE "C" NOT NULL,
  event_type TEXT COLLATE "C" NOT NULL,
  severity INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  correlation_id TEXT COLLATE "C",
  source_component TEXT COLLATE "C",
  duration_ms BIGINT,
  data TEXT NOT NULL,
  tags TEXT NOT NULL,
  metadata TEXT NOT NULL,
  -- PostgreSQL text cannot hold U+0000: the columns above keep U+FFFD in its place, and this JSON
  -- object keeps the exact values of the fields that held it (null for almost every event).
  exact TEXT
);
CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_ts ON events (ts, event_id);
CREATE INDEX events_system_ts ON events (source_system, ts, event_id);
CREATE INDEX events_severity_ts ON events (severity, ts, event_id);
CREATE INDEX events_type_ts ON events (event_type, ts, event_id);
CREATE INDEX events_system_severity_ts ON events (source_system, severity, ts, event_id);
CREATE INDEX events_correlation_ts ON events (correlation_id, ts, event_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_component_ts ON events (source_component, ts, event_id) WHERE source_component IS NOT NULL;
-- Title and description joined by a line feed: a search term never holds whitespace, so it occurs
-- in the joined text exactly when it occurs in one of the two.
CREATE INDEX events_text_trgm ON events USING gin ((title || E'\n' || description) gin_trgm_ops);
CREATE TABLE event_tags (
  tag TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (tag, seq)
);
CREATE INDEX event_tags_seq ON event_tags (seq);
-- One row. A commit locks it first (UPDATE), so commits are serialised and take positions in commit order.
CREATE TABLE commit_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq BIGINT NOT NULL,
  total_events BIGINT NOT NULL
);
INSERT INTO commit_clock (id, last_seq, total_events) VALUES (1, 0, 0);
