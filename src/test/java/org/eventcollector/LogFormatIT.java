package org.eventcollector;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar's log format and level by environment, and a start-up failure told in one line. */
class LogFormatIT {

  @TempDir
  Path dir;

  @Test
  void logsOneJsonObjectPerLineWhenAsked() throws Exception {
    try (ChildCollector node = ChildCollector.start(dir, Map.of("EC_HTTP_PORT", "0", "EC_STORAGE", "memory", "EC_LOG_FORMAT", "json"))) {
      node.awaitPort();
      node.terminate();
      List<String> lines = Arrays.stream(node.output().split("\n")).filter(l -> !l.isBlank()).toList();
      assertFalse(lines.isEmpty());
      for (String line : lines) {
        JsonObject entry = new JsonObject(line);
        assertTrue(entry.containsKey("level") && entry.containsKey("formattedMessage") && entry.containsKey("timestamp"), line);
      }
      assertTrue(lines.stream().anyMatch(l -> new JsonObject(l).getString("formattedMessage").startsWith("HTTP listening on 127.0.0.1:")),
        node.output());
    }
  }

  @Test
  void aBusyPortStopsTheStartWithOneLineNamingHostAndPortAtTheLevelAsked() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = busy.getLocalPort();
      try (ChildCollector node = ChildCollector.start(dir, Map.of("EC_HTTP_PORT", Integer.toString(port), "EC_STORAGE", "memory",
        "EC_LOG_LEVEL", "error"))) {
        assertEquals(1, node.awaitExit());
        List<String> lines = Arrays.stream(node.output().split("\n")).filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line, no stack trace, nothing under ERROR:\n" + node.output());
        assertTrue(lines.get(0).contains(" ERROR ") && lines.get(0).contains("127.0.0.1:" + port), lines.get(0));
      }
    }
  }

  @Test
  void refusesAnUnknownLevelBeforeStarting() throws Exception {
    try (ChildCollector node = ChildCollector.start(dir, Map.of("EC_HTTP_PORT", "0", "EC_STORAGE", "memory", "EC_LOG_LEVEL", "loud"))) {
      assertEquals(2, node.awaitExit());
      assertTrue(node.output().contains("log.level"), node.output());
    }
  }
}
