-- Version 2: substring search on title and description through an FTS5 trigram index kept in step by triggers.
CREATE VIRTUAL TABLE events_fts USING fts5(title, description, content='events', content_rowid='seq', tokenize='trigram');
INSERT INTO events_fts (events_fts) VALUES ('rebuild');
CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
  INSERT INTO events_fts (rowid, title, description) VALUES (new.seq, new.title, new.description);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
  DELETE FROM event_tags WHERE seq = old.seq;
END;
