-- Version 4: the Session-Buddy mirror. The outbox holds the position of each stored event (and when
-- it was committed) until the mirror has written it to Session-Buddy; it is filled in the
-- transaction that stores the events.
CREATE TABLE mirror_outbox (
  seq INTEGER PRIMARY KEY,
  enqueued_at INTEGER NOT NULL
);
-- Graph entities the mirror has made once (systems, correlations) and, for a correlation, its
-- last mirrored event (the target of the next "follows" relation).
CREATE TABLE mirror_graph (
  name TEXT PRIMARY KEY,
  last_event_id TEXT
) WITHOUT ROWID;
-- Mirror progress: "started" is the highest outbox position the mirror may have begun to write.
CREATE TABLE mirror_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
