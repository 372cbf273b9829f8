package org.eventcollector.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Brings a SQLite file to the current schema version ({@code PRAGMA user_version}), one script
 * per version, each in its own transaction. A file from a newer version is refused.
 */
final class SchemaMigrator {

  static final int CURRENT = 5;
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

  private SchemaMigrator() {
  }

  static void migrate(DataSource dataSource) throws SQLException, IOException {
    try (Connection conn = dataSource.getConnection(); Statement st = conn.createStatement()) {
      int version;
      try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      // Reading the schema fails early on a file that is not a database.
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_master")) {
        rs.next();
      }
      if (version > CURRENT) {
        throw new SQLException("database schema version " + version + " is newer than this collector (" + CURRENT + ")");
      }
      conn.setAutoCommit(false);
      for (int next = version + 1; next <= CURRENT; next++) {
        for (String statement : script(next)) {
          st.execute(statement);
        }
        st.execute("PRAGMA user_version = " + next);
        conn.commit();
        if (version > 0) {
          LOG.info("Migrated database schema to version {}", next);
        }
      }
      conn.setAutoCommit(true);
    }
  }

  /** The statements of {@code db/sqlite/V<n>.sql}; statements end with a semicolon at a line end. */
  static String[] script(int version) throws IOException {
    try (InputStream in = SchemaMigrator.class.getResourceAsStream("/db/sqlite/V" + version + ".sql")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      StringBuilder clean = new StringBuilder();
      for (String line : text.split("\n")) {
        if (!line.trim().startsWith("--")) {
          clean.append(line).append('\n');
        }
      }
      // Triggers hold inner semicolons: split on ";\n" only where not inside BEGIN ... END.
      java.util.List<String> statements = new java.util.ArrayList<>();
      StringBuilder current = new StringBuilder();
      boolean inTrigger = false;
      for (String line : clean.toString().split("\n")) {
        current.append(line).append('\n');
        String trimmed = line.trim();
        if (trimmed.startsWith("CREATE TRIGGER")) {
          inTrigger = true;
        }
        if (trimmed.endsWith(";") && (!inTrigger || trimmed.equals("END;"))) {
          statements.add(current.toString().trim());
          current.setLength(0);
          inTrigger = false;
        }
      }
      return statements.toArray(String[]::new);
    }
  }
}
