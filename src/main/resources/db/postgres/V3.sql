-- Version 3: the Session-Buddy mirror, as version 4 of the SQLite schema. Every storage node with the
-- mirror on queues the positions of the events it stores (and when) in the transaction that stores
-- them; the one node holding the drain lock reads the events themselves from "events" by position.
CREATE TABLE mirror_outbox (
  seq BIGINT PRIMARY KEY,
  enqueued_at BIGINT NOT NULL
);
-- Graph entities the mirror has made once (systems, correlations) and, for a correlation, its
-- last mirrored event (the target of the next "follows" relation).
CREATE TABLE mirror_graph (
  name TEXT COLLATE "C" PRIMARY KEY,
  last_event_id TEXT COLLATE "C"
);
-- Mirror progress: "started" is the highest outbox position the mirror may have begun to write.
CREATE TABLE mirror_state (
  key TEXT COLLATE "C" PRIMARY KEY,
  value BIGINT NOT NULL
);
