-- Version 3: durations in order, for nearest-rank percentiles and duration stats without a sort.
CREATE INDEX events_duration_ts ON events (duration_ms, ts) WHERE duration_ms IS NOT NULL;
