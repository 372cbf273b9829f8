package org.eventcollector;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The collector jar running as a child JVM, its output collected, its port read from the log. */
public final class ChildCollector implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("HTTP listening on (\\S+):(\\d+)");

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private ChildCollector(Process process) {
    this.process = process;
    Thread reader = new Thread(this::read, "collector-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** The jar failsafe hands over as {@code -Dcollector.jar}. */
  public static Path jar() {
    String jar = System.getProperty("collector.jar", "target/event-collector.jar");
    Path path = Path.of(jar);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("collector jar not found at " + path.toAbsolutePath() + " (run ./mvnw package first)");
    }
    return path;
  }

  /** Starts {@code java -jar} in {@code dir} with only {@code env} of the {@code EC_*} variables. */
  public static ChildCollector start(Path dir, Map<String, String> env, String... args) throws IOException {
    return start(List.of(), dir, env, args);
  }

  /**
   * Starts the jar with no file it writes allowed past {@code maxFileKb} (RLIMIT_FSIZE, through
   * bash's {@code ulimit -f}): writes beyond fail as they do on a full disk.
   */
  public static ChildCollector startWithFileLimit(long maxFileKb, Path dir, Map<String, String> env) throws IOException {
    return start(List.of("bash", "-c", "ulimit -f " + maxFileKb + " && exec \"$@\"", "collector"), dir, env);
  }

  private static ChildCollector start(List<String> prefix, Path dir, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar().toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("EC_"));
    builder.environment().putAll(env);
    return new ChildCollector(builder.start());
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (output) {
          output.add(line);
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port.complete(Integer.parseInt(m.group(2)));
        }
      }
    } catch (IOException e) {
      // the process is gone
    } finally {
      port.completeExceptionally(new IllegalStateException("collector exited before listening:\n" + output()));
    }
  }

  /** Waits for {@code HTTP listening on <host>:<port>}. */
  public int awaitPort() throws Exception {
    return port.get(90, TimeUnit.SECONDS);
  }

  /** Waits for the process to end on its own; its exit code. */
  public int awaitExit() throws Exception {
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("collector did not exit within 90 s:\n" + output());
    }
    return process.exitValue();
  }

  /** SIGKILL on Linux: no shutdown hook, no flush, no close. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for the process to end (at most 30 s); how long it took, in ms. */
  public long terminate() throws InterruptedException {
    long start = System.nanoTime();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill();
      throw new AssertionError("collector ignored SIGTERM for 30 s:\n" + output());
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  public boolean alive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM and a bounded wait, then SIGKILL. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
