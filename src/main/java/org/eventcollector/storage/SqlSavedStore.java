package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Saved documents and the alert outbox in the events' SQLite file or PostgreSQL database, in
 * tables of their own ({@code db/saved.sql}, applied idempotently at every open).
 */
final class SqlSavedStore implements SavedStore {

  private final Pool writer;
  private final Pool reader;
  private final boolean postgres;
  private final Sql sql = Sql.load("/db/saved-queries.properties");

  SqlSavedStore(Pool writer, Pool reader, boolean postgres) {
    this.writer = writer;
    this.reader = reader;
    this.postgres = postgres;
  }

  /** The saved store beside {@code store}: the same file or database, or memory. */
  static SavedStore beside(EventStore store) {
    if (store instanceof SqliteEventStore sqlite) {
      return new SqlSavedStore(sqlite.writer(), sqlite.reader(), false);
    }
    if (store instanceof PgEventStore pg) {
      return new SqlSavedStore(pg.pool(), pg.pool(), true);
    }
    return new MemorySavedStore();
  }

  @Override
  public Future<Void> open() {
    Future<?> done = Future.succeededFuture();
    for (String statement : script()) {
      done = done.compose(v -> writer.query(statement).execute())
        // Storage nodes sharing one PostgreSQL database may create the same table at once.
        .recover(e -> writer.query(statement).execute());
    }
    return done.mapEmpty();
  }

  private static List<String> script() {
    try (InputStream in = SqlSavedStore.class.getResourceAsStream("/db/saved.sql")) {
      StringBuilder clean = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.trim().startsWith("--")) {
          clean.append(line).append('\n');
        }
      }
      return Arrays.stream(clean.toString().split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The named query for {@code kind}, with PostgreSQL's numbered marks there. */
  private String text(String name, Kind kind) {
    String text = sql.get(name);
    if (kind != null) {
      text = text.replace("{table}", kind.table);
    }
    if (!postgres) {
      return text;
    }
    StringBuilder numbered = new StringBuilder();
    int n = 0;
    for (char c : text.toCharArray()) {
      if (c == '?') {
        numbered.append('$').append(++n);
      } else {
        numbered.append(c);
      }
    }
    return numbered.toString();
  }

  @Override
  public Future<JsonObject> get(Kind kind, String name) {
    return reader.preparedQuery(text("get", kind)).execute(Tuple.of(name)).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? new JsonObject(it.next().getString(0)) : null;
    });
  }

  @Override
  public Future<List<JsonObject>> list(Kind kind) {
    return reader.preparedQuery(text("list", kind)).execute().map(rows -> {
      List<JsonObject> all = new ArrayList<>(rows.size());
      rows.forEach(row -> all.add(new JsonObject(row.getString(0))));
      return all;
    });
  }

  // Every write runs in a transaction of its own: a pooled JDBC connection that served a
  // transaction before may otherwise hold the statement in an uncommitted one.
  @Override
  public Future<Void> put(Kind kind, String name, JsonObject body) {
    return writer.withTransaction(conn -> put(conn, kind, name, body));
  }

  private Future<Void> put(SqlClient client, Kind kind, String name, JsonObject body) {
    return client.preparedQuery(text("put", kind)).execute(Tuple.of(name, body.encode(), System.currentTimeMillis()))
      .mapEmpty();
  }

  @Override
  public Future<Boolean> delete(Kind kind, String name) {
    return writer.withTransaction(conn -> {
      Future<Boolean> deleted = conn.preparedQuery(text("delete", kind)).execute(Tuple.of(name)).map(r -> r.rowCount() > 0);
      if (kind != Kind.RULES) {
        return deleted;
      }
      return deleted.compose(existed -> conn.preparedQuery(text("delete", Kind.STATES)).execute(Tuple.of(name))
        .compose(r -> conn.preparedQuery(text("delete", Kind.SILENCES)).execute(Tuple.of(name)))
        .map(existed));
    });
  }

  @Override
  public Future<Void> commit(Map<String, JsonObject> states, List<JsonObject> outbox) {
    return writer.withTransaction(conn -> {
      Future<?> done = Future.succeededFuture();
      for (Map.Entry<String, JsonObject> state : states.entrySet()) {
        done = done.compose(v -> put(conn, Kind.STATES, state.getKey(), state.getValue()));
      }
      if (!outbox.isEmpty()) {
        List<Tuple> rows = new ArrayList<>(outbox.size());
        for (JsonObject entry : outbox) {
          rows.add(Tuple.of(entry.getString("delivery_id"), entry.getString("target"),
            entry.getJsonObject("body").encode(), entry.getInteger("attempts", 0), entry.getLong("next_at"),
            entry.getLong("created_at")));
        }
        done = done.compose(v -> conn.preparedQuery(text("outbox-add", null)).executeBatch(rows));
      }
      return done.mapEmpty();
    });
  }

  @Override
  public Future<List<JsonObject>> due(long now, int limit) {
    return reader.preparedQuery(text("outbox-due", null)).execute(Tuple.of(now, Math.min(limit, DUE_MAX))).map(rows -> {
      List<JsonObject> entries = new ArrayList<>(rows.size());
      for (Row row : rows) {
        entries.add(new JsonObject()
          .put("delivery_id", row.getString(0))
          .put("target", row.getString(1))
          .put("body", new JsonObject(row.getString(2)))
          .put("attempts", row.getInteger(3))
          .put("next_at", row.getLong(4))
          .put("created_at", row.getLong(5)));
      }
      return entries;
    });
  }

  @Override
  public Future<Void> retry(String deliveryId, int attempts, long nextAt) {
    return writer.withTransaction(conn -> conn.preparedQuery(text("outbox-retry", null))
      .execute(Tuple.of(attempts, nextAt, deliveryId))).mapEmpty();
  }

  @Override
  public Future<Void> delivered(String deliveryId) {
    return writer.withTransaction(conn -> conn.preparedQuery(text("outbox-done", null)).execute(Tuple.of(deliveryId)))
      .mapEmpty();
  }
}
