package org.eventcollector.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The machine a run measured: cores, memory, JDK, load average, date. */
final class Machine {

  private Machine() {
  }

  static String describe() {
    long memoryMb = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memoryMb = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (Exception e) {
      // Not Linux: memory stays unknown.
    }
    return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + (memoryMb < 0 ? "?" : memoryMb + " MiB")
      + " memory, JDK " + System.getProperty("java.vm.vendor") + " " + Runtime.version() + ", " + System.getProperty("os.name")
      + " " + System.getProperty("os.arch") + "; load average " + load() + "; " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  static String load() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (Exception e) {
      return "?";
    }
  }
}
