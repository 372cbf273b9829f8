-- Version 1: events in commit order, filter columns indexed to end in the sort key, tags in their own table.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  source_system TEXT NOT NULL,
  event_type TEXT NOT NULL,
  severity INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  correlation_id TEXT,
  source_component TEXT,
  duration_ms INTEGER,
  data TEXT NOT NULL,
  tags TEXT NOT NULL,
  metadata TEXT NOT NULL
);
CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_ts ON events (ts, event_id);
CREATE INDEX events_system_ts ON events (source_system, ts, event_id);
CREATE INDEX events_severity_ts ON events (severity, ts, event_id);
CREATE INDEX events_type_ts ON events (event_type, ts, event_id);
CREATE INDEX events_system_severity_ts ON events (source_system, severity, ts, event_id);
CREATE INDEX events_correlation_ts ON events (correlation_id, ts, event_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_component_ts ON events (source_component, ts, event_id) WHERE source_component IS NOT NULL;
CREATE TABLE event_tags (
  tag TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (tag, seq)
) WITHOUT ROWID;
CREATE INDEX event_tags_seq ON event_tags (seq);
