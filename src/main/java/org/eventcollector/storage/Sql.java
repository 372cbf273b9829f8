package org.eventcollector.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The static SQL of {@code db/queries.properties}. */
final class Sql {

  private final Properties queries;

  private Sql(Properties queries) {
    this.queries = queries;
  }

  static Sql load() {
    Properties properties = new Properties();
    try (InputStream in = Sql.class.getResourceAsStream("/db/queries.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Sql(properties);
  }

  String get(String name) {
    String query = queries.getProperty(name);
    if (query == null) {
      throw new IllegalArgumentException("no query named " + name);
    }
    return query;
  }
}
