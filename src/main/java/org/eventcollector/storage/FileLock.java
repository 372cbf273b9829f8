package org.eventcollector.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An OS lock on {@code <db>.lock} next to a SQLite file: one collector process writes a file at a
 * time. SQLite alone would let a second process open it and both would hand out the same commit
 * positions. The OS drops the lock when its holder dies, so a standby node can take over at once.
 */
final class FileLock {

  private final FileChannel channel;
  private final java.nio.channels.FileLock lock;

  private FileLock(FileChannel channel, java.nio.channels.FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static Path lockFileOf(Path db) {
    return db.toAbsolutePath().resolveSibling(db.getFileName() + ".lock");
  }

  /** Takes the lock of {@code db} or fails with a message naming the holder. */
  static FileLock acquire(Path db) throws IOException {
    Path file = lockFileOf(db);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the lock file " + file + " of database " + db.toAbsolutePath()
        + ": " + e, e);
    }
    java.nio.channels.FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process (another store on the same file)
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      String holder = holder(file);
      throw new IllegalStateException("database " + db.toAbsolutePath() + " is in use by another collector"
        + (holder.isEmpty() ? "" : " (" + holder + ")") + ": lock " + file + " is held; refusing to open it twice");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(("pid " + ManagementFactory.getRuntimeMXBean().getPid() + "\n")
      .getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    return new FileLock(channel, lock);
  }

  private static String holder(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Releases the lock; the file stays (deleting it would race with the next holder). */
  void release() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // closing the channel releases the lock in any case
    }
  }
}
