-- Saved queries, alert rules, their states and silences, and the outbox of alert notifications.
-- Applied at every start by SqlSavedStore (SQLite and PostgreSQL alike); every statement is idempotent.
CREATE TABLE IF NOT EXISTS saved_queries (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_rules (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_states (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_silences (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_outbox (delivery_id TEXT PRIMARY KEY, target TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS alert_outbox_next ON alert_outbox (next_at);
