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
  }

  @Test
  void measuresIngestWithEitherBackend(@TempDir Path dir) throws Exception {
    assertTrue(MirrorScenario.ingestRate(dir, "sqlite", 1_000) > 0);
    assertTrue(MirrorScenario.ingestRate(dir, "session_buddy", 1_000, false) > 0);
  }
}
