package org.eventcollector.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Static SQL kept in a properties file: {@code db/queries.properties} and the mirror's own. */
final class Sql {

  private final Properties queries;

  private Sql(Properties queries) {
    this.queries = queries;
  }

  static Sql load() {
    return load("/db/queries.properties");
  }

  /** The queries of the class-path resource {@code resource}. */
  static Sql load(String resource) {
    Properties properties = new Properties();
    try (InputStream in = Sql.class.getResourceAsStream(resource)) {
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
