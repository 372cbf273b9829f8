package org.eventcollector.analysis;

import org.eventcollector.Corpus;
import org.eventcollector.RunningCollector;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link AnalysisRestTest}'s answers from a node on the postgres backend. */
@ExtendWith(PostgresServer.class)
class PostgresAnalysisRestTest extends AnalysisRestTest {

  /** Hides {@link AnalysisRestTest#start()}: the same corpus, on a fresh PostgreSQL database. */
  @BeforeAll
  static void start() throws Exception {
    collector = RunningCollector.start(PostgresServer.get().configure(RunningCollector.config(dir)));
    h = Corpus.hourOf(System.currentTimeMillis());
    RunningCollector.Reply stored = collector.post("/events/batch", Corpus.array(Corpus.events(h)));
    assertEquals(201, stored.status(), stored.body());
    assertEquals(Corpus.TOTAL_IN_DAY + 1, stored.json().getInteger("collected"));
  }
}
