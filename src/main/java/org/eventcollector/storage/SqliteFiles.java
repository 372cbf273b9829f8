package org.eventcollector.storage;

import org.sqlite.SQLiteDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The SQLite file as the store opens it, for tools that write it without the store (the benchmark's
 * plain-JDBC limit and its bulk fill): the same pragmas, schema and statements.
 */
public final class SqliteFiles {

  private SqliteFiles() {
  }

  /** A data source with the store's pragmas (WAL, synchronous, cache, mmap, busy timeout). */
  public static SQLiteDataSource dataSource(Path path, boolean readOnly, boolean fullSync, int cacheMb, int mmapMb) {
    return new SqliteEventStore(null, path, fullSync, cacheMb, mmapMb, 1).dataSource(readOnly);
  }

  /** Brings the file to the current schema. */
  public static void migrate(DataSource dataSource) throws SQLException, IOException {
    SchemaMigrator.migrate(dataSource);
  }

  /** A statement of {@code db/queries.properties}, e.g. {@code insert-event}. */
  public static String statement(String name) {
    return Sql.load().get(name);
  }
}
