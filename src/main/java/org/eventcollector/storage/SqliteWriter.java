package org.eventcollector.storage;

import io.vertx.core.json.JsonArray;
import org.eventcollector.event.Event;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SQLite writer: one plain JDBC connection used by one thread only, every method one
 * transaction (BEGIN ... COMMIT) run as a single blocking task. The commit writes the rows, their
 * tags and hourly counts as JDBC batches of prepared statements, and the mirror's outbox; the
 * search index is fed afterwards, in chunks, by {@link #indexChunk}.
 */
final class SqliteWriter {

  /** The statement of one SQL unit of work on the writer's connection. */
  interface Work<T> {
    T run(Connection conn) throws SQLException;
  }

  /** What a commit stored: each event's position (-1: duplicate). */
  record Stored(long[] seqs, int count) {
  }

  private static final int IN_CHUNK = 500;
  private static final long HOUR = 3_600_000L;

  private final Sql sql = Sql.load();
  private final Connection conn;
  private final PreparedStatement insertEvent;
  private final PreparedStatement insertTag;
  private final PreparedStatement addCount;
  private final PreparedStatement known;
  private final OutboxHook outbox;
  private long nextSeq;
  private long indexed;

  SqliteWriter(DataSource dataSource, OutboxHook outbox) throws SQLException {
    this.outbox = outbox;
    conn = dataSource.getConnection();
    try (Statement st = conn.createStatement()) {
      // Checkpoints run on a connection of their own (SqliteEventStore), never inside a commit.
      st.execute("PRAGMA wal_autocheckpoint = 0");
      try (ResultSet rs = st.executeQuery(sql.get("max-seq"))) {
        rs.next();
        nextSeq = rs.getLong(1) + 1;
      }
      try (ResultSet rs = st.executeQuery(sql.get("indexed"))) {
        indexed = rs.next() ? rs.getLong(1) : 0;
      }
    }
    conn.setAutoCommit(false);
    insertEvent = conn.prepareStatement(sql.get("insert-event"));
    insertTag = conn.prepareStatement(sql.get("insert-tag"));
    addCount = conn.prepareStatement(sql.get("add-count"));
    known = conn.prepareStatement("SELECT event_id FROM events WHERE event_id IN (" + SqlFilter.marks(IN_CHUNK) + ")");
  }

  /** The highest position stored so far (0: none). */
  long lastSeq() {
    return nextSeq - 1;
  }

  /** Every position up to this one is in the search index. */
  long indexed() {
    return indexed;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  <T> T transaction(Work<T> work) throws SQLException {
    try {
      T result = work.run(conn);
      conn.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        conn.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  /** Stores {@code events} in one transaction: positions in order, duplicates (stored or earlier in the list) -1. */
  Stored insert(List<Event> events) throws SQLException {
    long[] seqs = new long[events.size()];
    long last = transaction(c -> {
      Set<String> seen = existing(events);
      Map<CountKey, Long> counts = new HashMap<>();
      long seq = nextSeq;
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        if (!seen.add(e.eventId())) {
          seqs[i] = -1;
          continue;
        }
        seqs[i] = seq;
        bind(e, seq);
        counts.merge(CountKey.of(e.timestamp(), e.sourceSystem(), e.eventType(), e.severity().rank(), e.sourceComponent()),
          1L, Long::sum);
        seq++;
      }
      if (seq == nextSeq) {
        return seq;
      }
      insertEvent.executeBatch();
      insertTag.executeBatch();
      for (Map.Entry<CountKey, Long> count : counts.entrySet()) {
        count.getKey().bind(addCount, 1);
        addCount.setLong(6, count.getValue());
        addCount.addBatch();
      }
      addCount.executeBatch();
      if (outbox != null) {
        outbox.enqueue(conn, seqs);
      }
      return seq;
    });
    int stored = (int) (last - nextSeq);
    nextSeq = last;
    return new Stored(seqs, stored);
  }

  private void bind(Event e, long seq) throws SQLException {
    insertEvent.setLong(1, seq);
    insertEvent.setString(2, e.eventId());
    insertEvent.setLong(3, e.timestamp());
    insertEvent.setString(4, e.sourceSystem());
    insertEvent.setString(5, e.eventType());
    insertEvent.setInt(6, e.severity().rank());
    insertEvent.setString(7, e.title());
    insertEvent.setString(8, e.description());
    insertEvent.setString(9, e.correlationId());
    insertEvent.setString(10, e.sourceComponent());
    if (e.durationMs() == null) {
      insertEvent.setNull(11, java.sql.Types.INTEGER);
    } else {
      insertEvent.setLong(11, e.durationMs());
    }
    insertEvent.setString(12, e.data().encode());
    insertEvent.setString(13, new JsonArray(e.tags()).encode());
    insertEvent.setString(14, e.metadata().encode());
    insertEvent.addBatch();
    for (String tag : new LinkedHashSet<>(e.tags())) {
      insertTag.setString(1, tag);
      insertTag.setLong(2, e.timestamp());
      insertTag.setLong(3, seq);
      insertTag.addBatch();
    }
  }

  /** The ids of {@code events} already stored. */
  private Set<String> existing(List<Event> events) throws SQLException {
    Set<String> found = new HashSet<>();
    for (int from = 0; from < events.size(); from += IN_CHUNK) {
      List<Event> chunk = events.subList(from, Math.min(events.size(), from + IN_CHUNK));
      if (chunk.size() == IN_CHUNK) {
        lookUp(known, chunk, found);
      } else {
        try (PreparedStatement some = conn.prepareStatement(
          "SELECT event_id FROM events WHERE event_id IN (" + SqlFilter.marks(chunk.size()) + ")")) {
          lookUp(some, chunk, found);
        }
      }
    }
    return found;
  }

  private static void lookUp(PreparedStatement statement, List<Event> chunk, Set<String> found) throws SQLException {
    for (int i = 0; i < chunk.size(); i++) {
      statement.setString(i + 1, chunk.get(i).eventId());
    }
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        found.add(rs.getString(1));
      }
    }
  }

  /**
   * Adds up to {@code max} rows after the watermark to the search index and moves the watermark,
   * in one transaction; the answer is how many rows were indexed.
   */
  int indexChunk(int max) throws SQLException {
    if (indexed >= lastSeq()) {
      return 0;
    }
    long[] upTo = {indexed};
    int n = transaction(c -> {
      int rows = 0;
      try (PreparedStatement read = c.prepareStatement(sql.get("to-index"));
           PreparedStatement add = c.prepareStatement(sql.get("index-event"))) {
        read.setLong(1, indexed);
        read.setInt(2, max);
        try (ResultSet rs = read.executeQuery()) {
          while (rs.next()) {
            add.setLong(1, rs.getLong(1));
            add.setString(2, rs.getString(2));
            add.setString(3, rs.getString(3));
            add.addBatch();
            upTo[0] = rs.getLong(1);
            rows++;
          }
        }
        add.executeBatch();
      }
      // No row after the watermark (deleted before it was indexed): every position so far is done.
      long mark = rows < max ? lastSeq() : upTo[0];
      upTo[0] = mark;
      try (PreparedStatement set = c.prepareStatement(sql.get("set-indexed"))) {
        set.setLong(1, mark);
        set.executeUpdate();
      }
      return rows;
    });
    indexed = upTo[0];
    return n;
  }

  /**
   * Deletes up to {@code chunk} of the oldest events before {@code before} in one transaction, with
   * their tags, their search entries (when indexed) and their hourly counts; only those of
   * {@code system} unless it is null.
   */
  int deleteBefore(long before, int chunk, String system) throws SQLException {
    return transaction(c -> {
      List<Object[]> rows = new ArrayList<>();
      try (PreparedStatement select = c.prepareStatement(sql.get(system == null ? "delete-chunk" : "delete-system-chunk"))) {
        int at = 1;
        if (system != null) {
          select.setString(at++, system);
        }
        select.setLong(at++, before);
        select.setInt(at, chunk);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            rows.add(new Object[] {rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5),
              rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)});
          }
        }
      }
      if (rows.isEmpty()) {
        return 0;
      }
      Map<CountKey, Long> counts = new HashMap<>();
      try (PreparedStatement tag = c.prepareStatement(sql.get("delete-tag"));
           PreparedStatement unindex = c.prepareStatement(sql.get("unindex-event"));
           PreparedStatement delete = c.prepareStatement(sql.get("delete-event"));
           PreparedStatement dropEmpty = c.prepareStatement(sql.get("drop-empty-count"))) {
        boolean unindexed = false;
        for (Object[] row : rows) {
          long seq = (Long) row[0];
          long ts = (Long) row[1];
          for (Object t : new HashSet<>(new JsonArray((String) row[6]).getList())) {
            tag.setString(1, String.valueOf(t));
            tag.setLong(2, ts);
            tag.setLong(3, seq);
            tag.addBatch();
          }
          if (seq <= indexed) {
            unindex.setLong(1, seq);
            unindex.setString(2, (String) row[7]);
            unindex.setString(3, (String) row[8]);
            unindex.addBatch();
            unindexed = true;
          }
          delete.setLong(1, seq);
          delete.addBatch();
          counts.merge(CountKey.of(ts, (String) row[2], (String) row[3], (Integer) row[4], (String) row[5]), -1L, Long::sum);
        }
        tag.executeBatch();
        if (unindexed) {
          unindex.executeBatch();
        }
        delete.executeBatch();
        for (Map.Entry<CountKey, Long> count : counts.entrySet()) {
          count.getKey().bind(addCount, 1);
          addCount.setLong(6, count.getValue());
          addCount.addBatch();
          count.getKey().bind(dropEmpty, 1);
          dropEmpty.addBatch();
        }
        addCount.executeBatch();
        dropEmpty.executeBatch();
      }
      return rows.size();
    });
  }

  void close() throws SQLException {
    conn.close();
  }

  /** The key of one row of {@code event_counts}: a missing component is kept as ','. */
  record CountKey(long hour, String system, String type, int severity, String component) {

    static CountKey of(long ts, String system, String type, int severity, String component) {
      return new CountKey(Math.floorDiv(ts, HOUR), system, type, severity, component == null ? "," : component);
    }

    void bind(PreparedStatement statement, int first) throws SQLException {
      statement.setLong(first, hour);
      statement.setString(first + 1, system);
      statement.setString(first + 2, type);
      statement.setInt(first + 3, severity);
      statement.setString(first + 4, component);
    }
  }
}
