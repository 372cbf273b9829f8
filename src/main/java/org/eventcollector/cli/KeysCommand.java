package org.eventcollector.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.http.Access;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code events keys add --systems ... --scopes ...}: makes a new API key, prints it once and
 * appends only its SHA-256 (with its systems and scopes) to the key file.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage API keys (the EC_API_KEYS_FILE).")
public final class KeysCommand {

  /** Bad usage: an unknown scope, no key file given. */
  static final int USAGE = 2;
  /** The key file could not be read or written. */
  static final int FAILED = 1;

  private static final SecureRandom RANDOM = new SecureRandom();

  @Spec
  CommandSpec spec;

  @Command(name = "add", mixinStandardHelpOptions = true,
    description = "Create a key: print it once, store its SHA-256 in the key file (created when absent).")
  int add(
    @Option(names = "--systems", split = ",", paramLabel = "SYSTEM",
      description = "Systems the key may ingest for (comma-separated)") List<String> systems,
    @Option(names = "--scopes", split = ",", required = true, paramLabel = "SCOPE",
      description = "Scopes: ingest, read, admin (comma-separated)") List<String> scopes,
    @Option(names = "--file", paramLabel = "PATH",
      description = "Key file (default: $EC_API_KEYS_FILE)") Path file) {
    CommandLine cli = spec.commandLine();
    Set<String> scopeSet = new LinkedHashSet<>(scopes);
    for (String scope : scopeSet) {
      if (!Access.SCOPES.contains(scope)) {
        cli.getErr().println("events keys add: unknown scope '" + scope + "' (ingest, read, admin)");
        return USAGE;
      }
    }
    Set<String> systemSet = new LinkedHashSet<>(systems == null ? List.of() : systems);
    if (systemSet.stream().anyMatch(String::isBlank)) {
      cli.getErr().println("events keys add: --systems holds an empty name");
      return USAGE;
    }
    if (scopeSet.contains(Access.INGEST) && systemSet.isEmpty()) {
      cli.getErr().println("events keys add: scope ingest needs --systems (the systems the key may ingest for)");
      return USAGE;
    }
    Path target = file;
    if (target == null) {
      String env = System.getenv("EC_API_KEYS_FILE");
      if (env == null || env.isBlank()) {
        cli.getErr().println("events keys add: give --file or set EC_API_KEYS_FILE");
        return USAGE;
      }
      target = Path.of(env);
    }
    String key = newKey();
    try {
      append(target, new JsonObject()
        .put("key_sha256", Access.sha256(key))
        .put("systems", new JsonArray(List.copyOf(systemSet)))
        .put("scopes", new JsonArray(List.copyOf(scopeSet))));
    } catch (IOException | IllegalArgumentException e) {
      cli.getErr().println("events keys add: cannot update " + target + ": " + e.getMessage());
      return FAILED;
    }
    cli.getOut().println(key);
    cli.getOut().flush();
    cli.getErr().println("Key added to " + target + " (only its SHA-256 is stored; this is the only time it is shown).");
    return 0;
  }

  /** 32 random bytes, URL-safe Base64: 256 bits a guess cannot reach. */
  static String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "ec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Appends {@code entry}, replacing the file atomically so a reader never sees half of it. */
  private static void append(Path file, JsonObject entry) throws IOException {
    JsonArray entries;
    if (Files.exists(file)) {
      Access.load(file); // refuses a file the collector would refuse
      try {
        entries = new JsonArray(Files.readString(file));
      } catch (DecodeException | ClassCastException e) {
        throw new IllegalArgumentException("it is not a JSON array of keys");
      }
    } else {
      entries = new JsonArray();
    }
    entries.add(entry);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, ".keys", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      Files.writeString(temp, entries.encodePrettily() + "\n");
      try {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
