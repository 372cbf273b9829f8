package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Main;
import org.eventcollector.http.Access;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events keys add}: through the real command line of the jar's main class. */
class KeysCommandTest {

  private record Run(int code, String out, String err) {
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void addPrintsANewKeyOnceAndStoresOnlyItsHash(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf").resolve("keys.json");
    Run run = run("events", "keys", "add", "--systems", "mahavishnu,crackerjack", "--scopes", "ingest,read",
      "--file", file.toString());
    assertEquals(0, run.code(), run.err());
    String key = run.out().trim();
    assertTrue(key.length() >= 40, key);
    String stored = Files.readString(file);
    assertFalse(stored.contains(key), "the key itself is never written");
    JsonObject entry = new JsonArray(stored).getJsonObject(0);
    assertEquals(Access.sha256(key), entry.getString("key_sha256"));
    assertEquals(new JsonArray().add("mahavishnu").add("crackerjack"), entry.getJsonArray("systems"));
    assertEquals(new JsonArray().add("ingest").add("read"), entry.getJsonArray("scopes"));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));

    Access.Principal principal = Access.load(file).lookup(key);
    assertNotNull(principal);
    assertEquals(Set.of("mahavishnu", "crackerjack"), principal.systems());
    assertEquals(Set.of("ingest", "read"), principal.scopes());
  }

  @Test
  void addAppendsToAnExistingFileAndEveryKeyIsNew(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys.json");
    Run first = run("events", "keys", "add", "--scopes", "read", "--file", file.toString());
    Run second = run("events", "keys", "add", "--scopes", "admin", "--file", file.toString());
    assertEquals(0, first.code(), first.err());
    assertEquals(0, second.code(), second.err());
    assertNotEquals(first.out(), second.out());
    assertEquals(2, new JsonArray(Files.readString(file)).size());
    Access access = Access.load(file);
    assertEquals(Set.of("read"), access.lookup(first.out().trim()).scopes());
    assertEquals(Set.of("admin"), access.lookup(second.out().trim()).scopes());
    assertNull(access.lookup("ec_guess"));
  }

  @Test
  void anUnknownScopeIsBadUsageAndWritesNothing(@TempDir Path dir) {
    Path file = dir.resolve("keys.json");
    Run run = run("events", "keys", "add", "--scopes", "read,superuser", "--file", file.toString());
    assertEquals(2, run.code());
    assertTrue(run.err().contains("superuser"), run.err());
    assertEquals("", run.out());
    assertFalse(Files.exists(file));
  }

  @Test
  void anIngestKeyNeedsItsSystems(@TempDir Path dir) {
    Run run = run("events", "keys", "add", "--scopes", "ingest", "--file", dir.resolve("keys.json").toString());
    assertEquals(2, run.code());
    assertTrue(run.err().contains("--systems"), run.err());
  }

  @Test
  void missingScopesAreBadUsage(@TempDir Path dir) {
    assertEquals(2, run("events", "keys", "add", "--file", dir.resolve("keys.json").toString()).code());
  }

  @Test
  void aCorruptKeyFileIsLeftAloneAndReported(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys.json");
    Files.writeString(file, "{broken");
    Run run = run("events", "keys", "add", "--scopes", "read", "--file", file.toString());
    assertEquals(1, run.code());
    assertTrue(run.err().contains(file.toString()), run.err());
    assertEquals("{broken", Files.readString(file));
    assertEquals("", run.out());
  }
}
