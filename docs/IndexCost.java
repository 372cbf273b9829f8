import java.sql.*;
import java.util.*;

/**
 * The write cost of each index of the SQLite store: rows/s of 1000-row JDBC batches of the bench's
 * event shape into the version 5 events table, with one index (or table) added per variant, and
 * the whole commit of versions 4 and 5. Run: java -cp target/event-collector.jar docs/IndexCost.java ROWS ROUNDS
 */
public class IndexCost {
  static final String[] TYPES = {"workflow.started","workflow.completed","workflow.failed","test.started","test.passed","test.failed","build.started","build.completed","deploy.started","deploy.completed","request.handled","request.failed","cache.miss","cache.hit","job.queued","job.done","job.failed","session.opened","session.closed","alert.raised"};
  static final String[] SYS = {"mahavishnu","crackerjack","session_buddy","akosha","oneiric"};
  static final String[] WORDS = {"deploy","timeout","cache","payment","worker","queue","retry","index","upload","render","billing","invoice","session","socket","gateway","scheduler"};
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]);
    int rounds = Integer.parseInt(a[1]);
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("table only (seq key)", List.of());
    variants.put("+ event_id unique", List.of("CREATE UNIQUE INDEX u ON events (event_id)"));
    variants.put("+ (ts, duration_ms)", List.of("CREATE INDEX i1 ON events (ts, duration_ms)"));
    variants.put("+ (source_system, ts)", List.of("CREATE INDEX i2 ON events (source_system, ts)"));
    variants.put("+ (source_system, severity, ts)", List.of("CREATE INDEX i3 ON events (source_system, severity, ts)"));
    variants.put("+ (severity, ts)", List.of("CREATE INDEX i4 ON events (severity, ts)"));
    variants.put("+ (event_type, ts)", List.of("CREATE INDEX i5 ON events (event_type, ts)"));
    variants.put("+ (correlation_id, ts)", List.of("CREATE INDEX i6 ON events (correlation_id, ts) WHERE correlation_id IS NOT NULL"));
    variants.put("+ (source_component, ts)", List.of("CREATE INDEX i7 ON events (source_component, ts) WHERE source_component IS NOT NULL"));
    variants.put("+ (duration_ms, ts)", List.of("CREATE INDEX i8 ON events (duration_ms, ts) WHERE duration_ms IS NOT NULL"));
    variants.put("+ (event_type, ts, event_id) as V4", List.of("CREATE INDEX i9 ON events (event_type, ts, event_id)"));
    variants.put("+ event_tags (tag, ts, seq)", List.of("TAGS"));
    variants.put("+ event_counts upsert", List.of("COUNTS"));
    variants.put("+ FTS5 trigram in the commit", List.of("FTS"));
    variants.put("version 4 commit: 9 indexes, tags, FTS5", List.of("CREATE UNIQUE INDEX u ON events (event_id)",
      "CREATE INDEX a1 ON events (ts, event_id)", "CREATE INDEX a2 ON events (source_system, ts, event_id)",
      "CREATE INDEX a3 ON events (severity, ts, event_id)", "CREATE INDEX a4 ON events (event_type, ts, event_id)",
      "CREATE INDEX a5 ON events (source_system, severity, ts, event_id)",
      "CREATE INDEX a6 ON events (correlation_id, ts, event_id) WHERE correlation_id IS NOT NULL",
      "CREATE INDEX a7 ON events (source_component, ts, event_id) WHERE source_component IS NOT NULL",
      "CREATE INDEX a8 ON events (duration_ms, ts) WHERE duration_ms IS NOT NULL", "TAGS", "FTS"));
    variants.put("version 5 commit: 6 indexes, tags, counts", List.of("CREATE UNIQUE INDEX u ON events (event_id)",
      "CREATE INDEX i1 ON events (ts, duration_ms)", "CREATE INDEX i2 ON events (source_system, ts)",
      "CREATE INDEX i3 ON events (source_system, severity, ts)", "CREATE INDEX i4 ON events (severity, ts)",
      "CREATE INDEX i6 ON events (correlation_id, ts) WHERE correlation_id IS NOT NULL", "TAGS", "COUNTS"));
    variants.put("version 5 commit and its FTS5 rows later", List.of("CREATE UNIQUE INDEX u ON events (event_id)",
      "CREATE INDEX i1 ON events (ts, duration_ms)", "CREATE INDEX i2 ON events (source_system, ts)",
      "CREATE INDEX i3 ON events (source_system, severity, ts)", "CREATE INDEX i4 ON events (severity, ts)",
      "CREATE INDEX i6 ON events (correlation_id, ts) WHERE correlation_id IS NOT NULL", "TAGS", "COUNTS", "FTS"));
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (var v : variants.entrySet()) {
        rates.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(run(n, v.getValue()));
      }
    }
    double base = median(rates.get("table only (seq key)"));
    for (var e : rates.entrySet()) {
      double m = median(e.getValue());
      System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f µs |%n", e.getKey(), m, (1e6 / m - 1e6 / base));
    }
  }
  static double median(List<Double> l) { List<Double> s = new ArrayList<>(l); Collections.sort(s); return s.get(s.size() / 2); }
  static double run(int n, List<String> extra) throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("cost", ".db");
    java.nio.file.Files.delete(f);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL"); st.execute("PRAGMA synchronous=NORMAL"); st.execute("PRAGMA cache_size=-65536");
      st.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, ts INTEGER NOT NULL, source_system TEXT NOT NULL, event_type TEXT NOT NULL, severity INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, correlation_id TEXT, source_component TEXT, duration_ms INTEGER, data TEXT NOT NULL, tags TEXT NOT NULL, metadata TEXT NOT NULL)");
      boolean tags = false, counts = false, fts = false;
      for (String s : extra) {
        if (s.equals("TAGS")) { tags = true; st.execute("CREATE TABLE event_tags (tag TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (tag, ts, seq)) WITHOUT ROWID"); }
        else if (s.equals("COUNTS")) { counts = true; st.execute("CREATE TABLE event_counts (hour INTEGER NOT NULL, source_system TEXT NOT NULL, event_type TEXT NOT NULL, severity INTEGER NOT NULL, source_component TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, source_system, event_type, severity, source_component)) WITHOUT ROWID"); }
        else if (s.equals("FTS")) { fts = true; st.execute("CREATE VIRTUAL TABLE events_fts USING fts5(title, description, content='events', content_rowid='seq', tokenize='trigram')"); }
        else st.execute(s);
      }
      c.setAutoCommit(false);
      PreparedStatement ins = c.prepareStatement("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      PreparedStatement tag = tags ? c.prepareStatement("INSERT OR IGNORE INTO event_tags VALUES (?,?,?)") : null;
      PreparedStatement cnt = counts ? c.prepareStatement("INSERT INTO event_counts VALUES (?,?,?,?,?,?) ON CONFLICT DO UPDATE SET n = n + excluded.n") : null;
      PreparedStatement ft = fts ? c.prepareStatement("INSERT INTO events_fts (rowid, title, description) VALUES (?,?,?)") : null;
      long t0 = System.nanoTime();
      for (long i = 1; i <= n; i++) {
        long ts = System.currentTimeMillis();
        String title = WORDS[(int) (i % 16)] + " " + WORDS[(int) ((i / 16) % 16)] + " step " + (i % 1000);
        String desc = "handled " + WORDS[(int) ((i / 7) % 16)] + " for request " + i + " in region eu-" + (i % 8);
        ins.setLong(1, i); ins.setString(2, UUID.randomUUID().toString()); ins.setLong(3, ts); ins.setString(4, SYS[(int) (i % 5)]);
        ins.setString(5, TYPES[(int) (i % 20)]); ins.setInt(6, (int) (i % 5)); ins.setString(7, title); ins.setString(8, desc);
        ins.setString(9, "corr-" + i / 5); ins.setString(10, "comp-" + i % 30); ins.setLong(11, i % 5000);
        ins.setString(12, "{\"n\":" + i + ",\"ok\":true}"); ins.setString(13, "[\"tag" + i % 50 + "\",\"tag" + (i * 7 + 3) % 50 + "\"]"); ins.setString(14, "{\"host\":\"node-1\"}");
        ins.addBatch();
        if (tag != null) { for (String t : new String[] {"tag" + i % 50, "tag" + (i * 7 + 3) % 50}) { tag.setString(1, t); tag.setLong(2, ts); tag.setLong(3, i); tag.addBatch(); } }
        if (ft != null) { ft.setLong(1, i); ft.setString(2, title); ft.setString(3, desc); ft.addBatch(); }
        if (i % 1000 == 0) {
          ins.executeBatch();
          if (tag != null) tag.executeBatch();
          if (ft != null) ft.executeBatch();
          if (cnt != null) { for (int k = 0; k < 60; k++) { cnt.setLong(1, ts / 3600000); cnt.setString(2, SYS[k % 5]); cnt.setString(3, TYPES[k % 20]); cnt.setInt(4, k % 5); cnt.setString(5, "comp-" + k % 30); cnt.setLong(6, 16); cnt.addBatch(); } cnt.executeBatch(); }
          c.commit();
        }
      }
      double rate = n / ((System.nanoTime() - t0) / 1e9);
      c.commit();
      return rate;
    } finally {
      for (String s : new String[] {"", "-wal", "-shm"}) java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(f + s));
    }
  }
}
