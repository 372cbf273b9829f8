-- Version 2: events partitioned by ranges of ts (epoch ms, UTC), ids in their own unpartitioned
-- table, tags as text[] with a GIN index. The rows of version 1 are copied with their positions.
-- Partitions never overlap and are aligned on UTC calendar units: events_before_1970 holds
-- [MINVALUE, 1970), events_from_2200 [2200, MAXVALUE), and in between a partition is a decade
-- (events_2030s), a year (events_2031), a month (events_203101) or a day (events_20310101).
-- events_partition_create picks the one for a time no partition holds yet: days near now, where
-- retention and time pruning work, and outside that the coarsest unit that overlaps nothing, so a
-- client sending times spread over centuries makes a bounded number of partitions.
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
-- The partitions of events and their ranges of ts: lo inclusive, hi exclusive, NULL for MINVALUE
-- and MAXVALUE.
CREATE VIEW events_partition_ranges AS
  SELECT c.relname::TEXT AS name,
    nullif(substring(b FROM 'FROM \(''?(-?[0-9]+|MINVALUE)'), 'MINVALUE')::BIGINT AS lo,
    nullif(substring(b FROM 'TO \(''?(-?[0-9]+|MAXVALUE)'), 'MAXVALUE')::BIGINT AS hi
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid CROSS JOIN LATERAL pg_get_expr(c.relpartbound, c.oid) AS b
  WHERE i.inhparent = 'events'::regclass;
-- Creates the partition that will hold time t (epoch ms) unless a partition holds it already, and
-- answers its name (NULL when none was made). Before 1970 and from 2200 on: the two fixed
-- catch-alls. Otherwise the day of t when that day lies in the near window [near_first,
-- near_last] (days since 1970-01-01, UTC), else the first of its decade, year, month that neither
-- overlaps an existing partition nor meets the near window, else its day. Every bound is a UTC
-- midnight and fixed, so ranges never move and never overlap.
-- Callers hold the advisory lock PgEventStore.PARTITION_LOCK, so nodes never race on a range.
CREATE FUNCTION events_partition_create(t BIGINT, near_first BIGINT, near_last BIGINT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
  d DATE;
  y INTEGER;
  starts DATE[];
  ends DATE[];
  names TEXT[];
  first_ms BIGINT;
  end_ms BIGINT;
BEGIN
  IF EXISTS (SELECT 1 FROM events_partition_ranges r WHERE (r.lo IS NULL OR r.lo <= t) AND (r.hi IS NULL OR t < r.hi)) THEN
    RETURN NULL;
  END IF;
  IF t < 0 THEN
    EXECUTE 'CREATE TABLE events_before_1970 PARTITION OF events FOR VALUES FROM (MINVALUE) TO (0)';
    RETURN 'events_before_1970';
  END IF;
  IF t >= 7258118400000 THEN
    EXECUTE 'CREATE TABLE events_from_2200 PARTITION OF events FOR VALUES FROM (7258118400000) TO (MAXVALUE)';
    RETURN 'events_from_2200';
  END IF;
  d := DATE '1970-01-01' + (t / 86400000)::INTEGER;
  y := extract(YEAR FROM d)::INTEGER;
  starts := ARRAY[make_date(y / 10 * 10, 1, 1), make_date(y, 1, 1), make_date(y, extract(MONTH FROM d)::INTEGER, 1), d];
  ends := ARRAY[make_date(y / 10 * 10 + 10, 1, 1), make_date(y + 1, 1, 1), (starts[3] + INTERVAL '1 month')::DATE, d + 1];
  names := ARRAY[(y / 10 * 10)::TEXT || 's', to_char(d, 'YYYY'), to_char(d, 'YYYYMM'), to_char(d, 'YYYYMMDD')];
  FOR level IN 1..4 LOOP
    first_ms := (starts[level] - DATE '1970-01-01')::BIGINT * 86400000;
    end_ms := (ends[level] - DATE '1970-01-01')::BIGINT * 86400000;
    IF level = 4 OR (NOT (first_ms < (near_last + 1) * 86400000 AND near_first * 86400000 < end_ms)
        AND NOT EXISTS (SELECT 1 FROM events_partition_ranges r
          WHERE (r.lo IS NULL OR r.lo < end_ms) AND (r.hi IS NULL OR first_ms < r.hi))) THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)', 'events_' || names[level],
        first_ms, end_ms);
      RETURN 'events_' || names[level];
    END IF;
  END LOOP;
END
$$;
-- Time moves towards partitions made for future times: a month or a year made for a time a client
-- sent ahead would one day hold the days of the near window. This replaces partition part, when it
-- is wider than a day, not a catch-all, and meets the near window, by finer ones (the days of the
-- window it held, then for its rows the ranges events_partition_create picks now) and moves its
-- rows there, in the caller's transaction (an exclusive lock on events until it ends). Answers the
-- rows moved; NULL when there was nothing to do; -1, leaving it, when it holds more than max_rows.
-- Callers hold the advisory lock PgEventStore.PARTITION_LOCK.
CREATE FUNCTION events_partition_split(part TEXT, near_first BIGINT, near_last BIGINT, max_rows BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
  moved BIGINT;
  d BIGINT;
BEGIN
  SELECT * INTO r FROM events_partition_ranges WHERE name = part;
  IF NOT FOUND OR r.lo IS NULL OR r.hi IS NULL OR r.hi - r.lo <= 86400000
      OR NOT (r.lo < (near_last + 1) * 86400000 AND near_first * 86400000 < r.hi) THEN
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT COUNT(*) FROM (SELECT 1 FROM %I LIMIT %s) AS x', part, max_rows + 1) INTO moved;
  IF moved > max_rows THEN
    RETURN -1;
  END IF;
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', part);
  FOR d IN SELECT g FROM generate_series(greatest(near_first, r.lo / 86400000), least(near_last, r.hi / 86400000 - 1)) AS g LOOP
    PERFORM events_partition_create(d * 86400000, near_first, near_last);
  END LOOP;
  FOR d IN EXECUTE format('SELECT DISTINCT ts / 86400000 FROM %I ORDER BY 1', part) LOOP
    PERFORM events_partition_create(d * 86400000, near_first, near_last);
  END LOOP;
  EXECUTE format('INSERT INTO events SELECT * FROM %I', part);
  EXECUTE format('DROP TABLE %I', part);
  RETURN moved;
END
$$;
-- The rows of version 1, placed as the collector places new times (with the near window of the
-- default storage.postgres.partitions_ahead), in time order so that the placement does not depend
-- on the order of the rows.
SELECT events_partition_create(d * 86400000, w - 7, w + 10)
  FROM (SELECT DISTINCT CASE WHEN ts < 0 THEN -1 ELSE ts / 86400000 END AS d FROM events_v1) AS days,
    (SELECT (now() AT TIME ZONE 'UTC')::DATE - DATE '1970-01-01' AS w) AS today
  ORDER BY d;
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
-- One commit of one writer, in one statement. It takes the commit clock row (waiting for the
-- commit holding it to end), stores those of the events whose ids no commit stored before, with the
-- positions that follow the clock in the order of the arrays, moves the clock past them, and answers
-- the ids stored and their positions. The arrays hold one element per event, each id once; tag_lists
-- holds each event's tags as a JSON array of text. Every statement of this (VOLATILE) function takes
-- a snapshot of its own when it starts: the probe of event_ids, which runs once the clock row is
-- held, therefore sees every commit that held it before (each ended before releasing it), and the
-- row numbers are the positions of exactly the new ids. ON CONFLICT only guards; were it ever to drop
-- a row, the check below fails the commit rather than leave a gap.
CREATE FUNCTION events_commit(ids TEXT[], times BIGINT[], systems TEXT[], types TEXT[], severities INTEGER[],
    titles TEXT[], descriptions TEXT[], correlations TEXT[], components TEXT[], durations BIGINT[], datas TEXT[],
    tag_lists TEXT[], metadatas TEXT[], exacts TEXT[])
  RETURNS TABLE (stored_id TEXT, stored_seq BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  clock BIGINT;
  new_ids TEXT[];
  new_seqs BIGINT[];
  n INTEGER;
BEGIN
  SELECT c.last_seq INTO clock FROM commit_clock c WHERE c.id = 1 FOR UPDATE;
  WITH claimed AS (
    INSERT INTO event_ids AS x (event_id, ts, seq)
      SELECT i.id, i.t, clock + row_number() OVER (ORDER BY i.n)
      FROM unnest(ids, times) WITH ORDINALITY AS i(id, t, n)
      WHERE NOT EXISTS (SELECT 1 FROM event_ids y WHERE y.event_id = i.id)
      ON CONFLICT (event_id) DO NOTHING RETURNING x.event_id, x.seq),
  stored AS (
    INSERT INTO events (seq, event_id, ts, source_system, event_type, severity, title, description, correlation_id,
        source_component, duration_ms, data, tags, metadata, exact)
      SELECT c.seq, u.id, u.t, u.sys, u.typ, u.sev, u.tit, u.des, u.cor, u.com, u.dur, u.dat,
        ARRAY(SELECT g FROM json_array_elements_text(u.tgs::json) WITH ORDINALITY AS a(g, k) ORDER BY k),
        u.met, u.exa
      FROM claimed c JOIN unnest(ids, times, systems, types, severities, titles, descriptions, correlations, components,
          durations, datas, tag_lists, metadatas, exacts)
        AS u(id, t, sys, typ, sev, tit, des, cor, com, dur, dat, tgs, met, exa) ON u.id = c.event_id)
  SELECT array_agg(c.event_id ORDER BY c.seq), array_agg(c.seq ORDER BY c.seq) INTO new_ids, new_seqs FROM claimed c;
  n := coalesce(cardinality(new_seqs), 0);
  IF n > 0 THEN
    IF new_seqs[n] <> clock + n THEN
      RAISE EXCEPTION 'positions would leave a gap after %', clock;
    END IF;
    UPDATE commit_clock SET last_seq = last_seq + n, total_events = total_events + n WHERE id = 1;
  END IF;
  RETURN QUERY SELECT * FROM unnest(new_ids, new_seqs);
END
$$;
