package org.eventcollector.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM started by the benchmark on this machine's classpath: its output goes to a log file, and
 * it counts as started once a line matches the ready pattern (whose first group is kept, e.g. the
 * port of {@code HTTP listening on <host>:<port>}).
 */
final class ChildJvm implements AutoCloseable {

  static final Pattern HTTP_LISTENING = Pattern.compile("HTTP listening on [^:\\s]+:(\\d+)");

  private final String name;
  private final Process process;
  private final Path log;
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();

  /** Lines of this JVM's log so far that contain {@code text}. */
  long count(String text) {
    try (java.util.stream.Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(line -> line.contains(text)).count();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private ChildJvm(String name, Process process, Path log, Pattern readyLine) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread reader = new Thread(() -> pump(readyLine), "bench-child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code org.eventcollector.Main <args>} with the given environment and JVM options. */
  static ChildJvm start(String name, Path dir, List<String> jvmOptions, List<String> args, Map<String, String> env,
                        Pattern readyLine) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath());
    command.add("org.eventcollector.Main");
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("EC_"));
    builder.environment().putAll(env);
    Path log = dir.resolve(name + ".log");
    return new ChildJvm(name, builder.start(), log, readyLine);
  }

  /** The collector jar when one is named ({@code collector.jar}), else this JVM's classpath. */
  static String classpath() {
    String jar = System.getProperty("collector.jar");
    if (jar != null && Files.isRegularFile(Path.of(jar))) {
      return jar;
    }
    return System.getProperty("java.class.path");
  }

  /** Waits for the ready line and answers its first group. */
  String awaitReady(long timeoutSeconds) throws Exception {
    try {
      return ready.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(name + " did not start in " + timeoutSeconds + " s; last output:\n" + tail());
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage());
    }
  }

  long pid() {
    return process.pid();
  }

  /** Resident set size in bytes from {@code /proc/<pid>/status}, -1 where unavailable. */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  private void pump(Pattern readyLine) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        synchronized (tail) {
          tail.add(line);
          if (tail.size() > 40) {
            tail.poll();
          }
        }
        if (!ready.isDone()) {
          Matcher matcher = readyLine.matcher(line);
          if (matcher.find()) {
            ready.complete(matcher.groupCount() > 0 ? matcher.group(1) : line);
          }
        }
      }
    } catch (IOException e) {
      // The child is gone; the exit below tells why.
    }
    ready.completeExceptionally(new IllegalStateException(name + " exited before it was ready; last output:\n" + tail()));
  }

  private String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  /** SIGTERM, then a forced kill after 15 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
