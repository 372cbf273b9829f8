-- Version 2: events partitioned by day of ts (UTC), ids in their own unpartitioned table, tags as
-- text[] with a GIN index. The rows of version 1 are copied with their positions.
-- Partitions are named events_YYYYMMDD and hold [day * 86400000, (day + 1) * 86400000) of ts.
-- There is no DEFAULT partition: a row outside every partition fails its commit, which creates the
-- partition and retries; with a DEFAULT partition, creating a partition later would have to scan
-- the DEFAULT one under an exclusive lock to prove none of its rows belong to the new range.
ALTER TABLE events RENAME TO events_v1;
DROP INDEX events_event_id, events_ts, events_system_ts, events_severity_ts, events_type_ts,
  events_system_severity_ts, events_correlation_ts, events_component_ts, events_text_trgm;
ALTER TABLE events_v1 RENAME CONSTRAINT events_pkey TO events_v1_pkey;
CREATE TABLE events (
  seq BIGINT NOT NULL,
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
  tags TEXT[] COLLATE "C" NOT NULL,
  metadata TEXT NOT NULL,
  -- PostgreSQL text cannot hold U+0000: the columns above keep U+FFFD in its place, and this JSON
  -- object keeps the exact values of the fields that held it (null for almost every event).
  exact TEXT
) PARTITION BY RANGE (ts);
-- Creates the partition of one day (days since 1970-01-01, UTC) unless it exists; true when created.
-- Callers hold the advisory lock PgEventStore.PARTITION_LOCK, so nodes never race on one day.
CREATE FUNCTION events_partition_create(day BIGINT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  name TEXT := 'events_' || CASE WHEN day BETWEEN -719162 AND 2932896
    THEN to_char(DATE '1970-01-01' + day::INTEGER, 'YYYYMMDD') ELSE 'd' || replace(day::TEXT, '-', 'm') END;
BEGIN
  IF to_regclass(quote_ident(name)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
    name, day * 86400000, (day + 1) * 86400000);
  RETURN TRUE;
END
$$;
SELECT events_partition_create(d)
  FROM (SELECT DISTINCT floor(ts::NUMERIC / 86400000)::BIGINT AS d FROM events_v1) AS days;
-- Tags of version 1 are JSON text; a tag holding U+0000 (escaped in JSON) keeps U+FFFD in the
-- array and its exact value in exact, as version 2 writes it.
INSERT INTO events (seq, event_id, ts, source_system, event_type, severity, title, description, correlation_id,
    source_component, duration_ms, data, tags, metadata, exact)
  SELECT seq, event_id, ts, source_system, event_type, severity, title, description, correlation_id,
    source_component, duration_ms, data,
    ARRAY(SELECT t FROM json_array_elements_text(replace(tags, chr(92) || 'u0000', chr(92) || 'ufffd')::JSON)
      WITH ORDINALITY AS x(t, n) ORDER BY n),
    metadata,
    CASE WHEN strpos(tags, chr(92) || 'u0000') = 0 THEN exact
      WHEN exact IS NULL THEN '{"tags":' || tags || '}'
      ELSE left(exact, -1) || ',"tags":' || tags || '}' END
  FROM events_v1;
-- event_id idempotency across partitions: a unique index on events would have to include ts.
-- Every commit inserts its ids here first (ON CONFLICT DO NOTHING) and stores only those that were
-- new; lookups by id read ts and seq here, then prune events to one partition.
CREATE TABLE event_ids (
  event_id TEXT COLLATE "C" PRIMARY KEY,
  ts BIGINT NOT NULL,
  seq BIGINT NOT NULL
);
INSERT INTO event_ids (event_id, ts, seq) SELECT event_id, ts, seq FROM events_v1;
CREATE INDEX event_ids_ts ON event_ids (ts);
DROP TABLE events_v1;
DROP TABLE event_tags;
-- Indexes of the partitioned table: each partition gets its own, named after it.
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_ts ON events (ts, event_id);
CREATE INDEX events_system_ts ON events (source_system, ts, event_id);
CREATE INDEX events_severity_ts ON events (severity, ts, event_id);
CREATE INDEX events_type_ts ON events (event_type, ts, event_id);
CREATE INDEX events_system_severity_ts ON events (source_system, severity, ts, event_id);
CREATE INDEX events_correlation_ts ON events (correlation_id, ts, event_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_component_ts ON events (source_component, ts, event_id) WHERE source_component IS NOT NULL;
CREATE INDEX events_tags ON events USING gin (tags);
-- Title and description joined by a line feed: a search term never holds whitespace, so it occurs
-- in the joined text exactly when it occurs in one of the two.
CREATE INDEX events_text_trgm ON events USING gin ((title || E'\n' || description) gin_trgm_ops);
