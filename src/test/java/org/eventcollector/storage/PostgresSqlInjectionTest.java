package org.eventcollector.storage;

import org.eventcollector.SecurityFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link SqlInjectionTest}'s probes against the postgres backend. */
@ExtendWith(PostgresServer.class)
class PostgresSqlInjectionTest extends SqlInjectionTest {

  /** Hides {@link SqlInjectionTest#store()}: the same events, on a fresh PostgreSQL database. */
  @BeforeAll
  static void store() throws Exception {
    start(PostgresServer.get().configure(SecurityFixtures.config(dir)));
  }
}
