package org.eventcollector.bench;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorScenarioTest {

  @Test
  void reportsTheDrainRateBesideTheSeedFigure(@TempDir Path dir) throws Exception {
    JsonObject row = MirrorScenario.run(dir, 300);
    assertEquals("mirror", row.getString("scenario"));
    assertEquals(300, row.getInteger("events"));
    assertEquals(5_000, row.getInteger("limit_per_second"));
    long rate = row.getLong("events_per_second");
    assertTrue(rate > 0, row.encode());
    assertEquals(Math.round(rate / 5_000.0 * 1000) / 1000.0, row.getDouble("ratio"), 0.001);
    assertTrue(row.getDouble("p50_ms") >= 0 && row.getDouble("p99_ms") >= row.getDouble("p50_ms"), row.encode());
    assertEquals(50, row.getInteger("batch_size"));
  }

  @Test
  void measuresTheDrainWithOneCallPerEntityToo(@TempDir Path dir) throws Exception {
    JsonObject batched = MirrorScenario.run(dir, 300);
    JsonObject single = MirrorScenario.run(dir, 300, 1);
    assertEquals(1, single.getInteger("batch_size"));
    assertTrue(single.getLong("events_per_second") > 0, single.encode());
    // 300 events in 5 systems and 30 correlations: 335 entities, 300 + 300 + 270 relations.
    assertEquals((335 + 870) / 300.0, single.getDouble("calls_per_event"), 0.01, single.encode());
    assertTrue(batched.getDouble("calls_per_event") < 3.1, batched.encode());
  }

  @Test
  void measuresIngestWithEitherBackend(@TempDir Path dir) throws Exception {
    assertTrue(MirrorScenario.ingestRate(dir, "sqlite", 1_000) > 0);
    assertTrue(MirrorScenario.ingestRate(dir, "session_buddy", 1_000, false) > 0);
  }
}
