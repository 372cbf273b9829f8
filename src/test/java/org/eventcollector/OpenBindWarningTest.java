package org.eventcollector;

import ch.qos.logback.classic.Level;
import io.vertx.core.json.JsonObject;
import org.eventcollector.SecurityFixtures.LogCapture;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up warning when a non-loopback host is bound without API keys (CONTRACT.md section 8). */
class OpenBindWarningTest {

  private static List<String> warningsFor(String host, String keysFile) {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.HOST, host);
    Config.set(config, ConfigKeys.Auth.API_KEYS_FILE, keysFile);
    try (LogCapture logs = LogCapture.of(Main.class.getName())) {
      Main.warnIfOpen(config);
      return logs.events().stream().filter(e -> e.getLevel() == Level.WARN).map(e -> e.getFormattedMessage()).toList();
    }
  }

  @Test
  void bindingEveryInterfaceWithoutKeysWarns() {
    List<String> warnings = warningsFor("0.0.0.0", "");
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("0.0.0.0") && warnings.get(0).contains("EC_API_KEYS_FILE"), warnings.get(0));
  }

  @Test
  void bindingANonLoopbackNameWithoutKeysWarns() {
    assertEquals(1, warningsFor("::", "").size());
    assertEquals(1, warningsFor("no-such-host.invalid", "").size(), "an unresolvable host is not known to be loopback");
  }

  @Test
  void loopbackHostsDoNotWarn() {
    assertEquals(List.of(), warningsFor("127.0.0.1", ""));
    assertEquals(List.of(), warningsFor("localhost", ""));
    assertEquals(List.of(), warningsFor("::1", ""));
  }

  @Test
  void keysSilenceTheWarning() {
    assertEquals(List.of(), warningsFor("0.0.0.0", "/etc/collector/keys.json"));
  }
}
