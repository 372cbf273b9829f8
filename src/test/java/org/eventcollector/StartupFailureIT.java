package org.eventcollector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar refuses a corrupt or busy database with a clear message and a non-zero exit code. */
class StartupFailureIT {

  private static Map<String, String> env(Path db) {
    return Map.of("EC_HTTP_PORT", "0", "EC_DB_PATH", db.toString());
  }

  private static int health(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
      .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void aCorruptDatabaseStopsTheCollectorWithExitCode1(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("events.db");
    byte[] garbage = new byte[32 * 1024];
    new Random(3).nextBytes(garbage);
    Files.write(db, garbage);
    ChildCollector child = ChildCollector.start(dir, env(db));
    int code = child.awaitExit();
    assertEquals(1, code, child.output());
    assertTrue(child.output().contains("cannot open database " + db.toAbsolutePath()), child.output());
    assertArrayEquals(garbage, Files.readAllBytes(db), "the corrupt file is left as it was");
  }

  @Test
  void aSecondCollectorOnTheSameDatabaseExitsAndTheFirstKeepsServing(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("events.db");
    Path other = Files.createDirectory(dir.resolve("other"));
    try (ChildCollector owner = ChildCollector.start(dir, env(db))) {
      int port = owner.awaitPort();
      ChildCollector second = ChildCollector.start(other, env(db));
      int code = second.awaitExit();
      assertNotEquals(0, code, second.output());
      assertTrue(second.output().contains("is in use by another collector (pid " + owner.pid() + ")"), second.output());
      assertEquals(200, health(port));

      // The OS drops the lock with its holder: a standby takes the file over at once.
      owner.kill();
      try (ChildCollector standby = ChildCollector.start(other, env(db))) {
        assertEquals(200, health(standby.awaitPort()));
      }
    }
  }
}
