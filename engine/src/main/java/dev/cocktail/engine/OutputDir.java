package dev.cocktail.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An output model directory that appears only when complete: everything is written into a
 * temporary sibling `.NAME.cocktail-partial-PID`, forced to disk, then renamed into place.
 * A failure or a signal removes the partial directory; after a SIGKILL it stays, clearly named,
 * and the next run that writes the same output removes it. While it is written, a lock file
 * `.NAME.cocktail-lock` beside it (holding the writer's pid) keeps a second run off the same output.
 */
public final class OutputDir implements AutoCloseable {
    private static final String PARTIAL = ".cocktail-partial-";
    private static final String REPLACED = ".cocktail-replaced-";
    private static final String LOCK = ".cocktail-lock";
    private static final long STALE_EMPTY_LOCK_MILLIS = 2_000;

    private final Path target;
    private final Path staging;
    private final Path lock;
    private final boolean force;
    private final Thread cleanupOnSignal;
    /**
     * Held by every step that writes into staging and by a signal's cleanup: the cleanup waits for
     * the step under way, and no step starts after it, so no thread creates a file (or the
     * directory again) while or after the cleanup removes it.
     */
    private final ReentrantLock writing = new ReentrantLock();
    private volatile boolean signalled;
    /** Whether the lock file is ours: a signal while another process holds it must leave it alone. */
    private volatile boolean locked;
    private boolean committed;

    private OutputDir(Path target, Path staging, Path lock, boolean force) {
        this.target = target;
        this.staging = staging;
        this.lock = lock;
        this.force = force;
        this.cleanupOnSignal = new Thread(() -> {
            signalled = true;
            try {
                // a step is one slice or file, written in well under this; past it, remove anyway
                writing.tryLock(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(staging);
            if (locked) deleteLock(lock);
        }, "cocktail-cleanup");
    }

    /**
     * Checks the target against the inputs and creates the staging directory.
     * Refused: an existing target without `force`, and (with `force` too) an empty name, the
     * current directory or one of its parents, a target that is, contains or lies inside an input,
     * and a target another process is writing (with `force`, this waits for that process).
     */
    public static OutputDir create(Path target, boolean force, Collection<Path> inputs) {
        check(target, force, inputs);
        Path out = absolute(target);
        try {
            Files.createDirectories(out.getParent());
            // the cleanup is registered before anything is created, so that a signal at any point
            // removes whatever of the lock and the staging directory exists by then
            OutputDir dir = new OutputDir(out, hidden(out, PARTIAL + ProcessHandle.current().pid()), hidden(out, LOCK), force);
            Runtime.getRuntime().addShutdownHook(dir.cleanupOnSignal);
            takeLock(target, dir.lock, force);
            try {
                // under the writing lock: a signal's cleanup either comes after and removes the
                // directory, or came before and no directory is made
                dir.write(() -> {
                    dir.locked = true;
                    try {
                        removeStale(out);
                        deleteQuietly(dir.staging);
                        Files.createDirectory(dir.staging);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                return dir;
            } catch (UncheckedIOException e) {
                deleteLock(dir.lock);
                dir.close();
                throw e.getCause();
            } catch (RuntimeException e) {
                deleteLock(dir.lock);
                dir.close();
                throw e;
            }
        } catch (IOException e) {
            throw new CocktailException("cannot create output directory next to " + target + ": " + CocktailException.reason(e) + ".", e);
        }
    }

    /**
     * The rules of {@link #create} that need no writing, so that a command can check its output
     * before any work: every input (models, data, recipe, report) stays untouched.
     */
    public static void check(Path target, boolean force, Collection<Path> inputs) {
        if (target.toString().isEmpty()) throw CocktailException.about("the output directory", "the output directory is empty; name the directory the model goes to.");
        Path out = absolute(target);
        if (out.getParent() == null) throw new CocktailException(target + ": cannot write a model at the root directory.");
        Path outReal = real(out);
        if (real(absolute(Path.of(""))).startsWith(outReal)) {
            throw new CocktailException("output " + target + " is the current directory or holds it; choose another output directory.");
        }
        for (Path in : inputs) {
            Path inReal = real(absolute(in));
            if (inReal.equals(outReal)) throw new CocktailException("output " + target + " is the input " + in + "; choose another output directory.");
            if (inReal.startsWith(outReal)) throw new CocktailException("output " + target + " contains the input " + in + "; choose another output directory.");
            if (outReal.startsWith(inReal)) throw new CocktailException("output " + target + " lies inside the input " + in + "; choose another output directory.");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            if (!force) throw CocktailException.about("allow replacing it", "output " + target + " already exists; allow replacing it.");
            if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
                throw new CocktailException("output " + target + " exists and is not a directory; remove it first.");
            }
        }
    }

    /** Runs a step that writes into the staging directory (or commits it), unless a signal is removing it. */
    public void write(Runnable step) {
        open(() -> {
            step.run();
            return null;
        });
    }

    /** The same for a step that creates something there and returns it (a writer that makes its first file). */
    public <T> T open(java.util.function.Supplier<T> step) {
        writing.lock();
        try {
            if (signalled) throw new CocktailException("stopped by a signal; " + target + " was not written.");
            return step.get();
        } finally {
            writing.unlock();
        }
    }

    /** Where the files go until commit. */
    public Path staging() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Forces the staged files to disk and renames the directory into place (replacing the old one under --force). */
    public void commit() {
        write(this::moveIntoPlace);
    }

    private void moveIntoPlace() {
        try {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                for (Path f : files) fsync(f);
            }
            fsync(staging);
            Path replaced = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!force) throw CocktailException.about("allow replacing it", "output " + target + " appeared while the model was written; allow replacing it.");
                replaced = hidden(target, REPLACED + ProcessHandle.current().pid());
                Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            fsync(target.getParent());
            committed = true;
            if (replaced != null) deleteQuietly(replaced);
        } catch (IOException e) {
            throw new CocktailException("cannot move the finished model into " + target + ": " + CocktailException.reason(e) + ".", e);
        }
    }

    /** Removes the staging directory unless the model was committed, and the lock. */
    @Override
    public void close() {
        // under the writing lock: a signal's cleanup removing the same directory is not raced
        if (!committed) {
            writing.lock();
            try {
                deleteQuietly(staging);
            } finally {
                writing.unlock();
            }
        }
        if (locked) deleteLock(lock);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnSignal);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run; it removes nothing that matters now
        }
    }

    /**
     * The hidden sibling `.NAME` + suffix; a name too long to take the suffix within the file
     * system's 255 bytes is cut and told apart by its hash.
     */
    static Path hidden(Path out, String suffix) {
        String name = out.getFileName().toString();
        if (name.getBytes(StandardCharsets.UTF_8).length > 160) {
            int cut = name.offsetByCodePoints(0, Math.min(name.codePointCount(0, name.length()), 40));
            name = name.substring(0, cut) + "-" + HexFormat.of().toHexDigits(name.hashCode());
        }
        return out.resolveSibling("." + name + suffix);
    }

    /**
     * Creates the lock file, holding our pid; one whose process is gone is stale and taken over.
     * A live holder fails the call, or with force is waited for.
     */
    /** Whether the file was last modified more than `millis` ago (a file gone meanwhile is not). */
    private static boolean olderThan(Path file, long millis) throws IOException {
        try {
            return System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() > millis;
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private static void takeLock(Path target, Path lock, boolean force) throws IOException {
        String me = Long.toString(ProcessHandle.current().pid());
        while (true) {
            try {
                Files.writeString(lock, me, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return;
            } catch (FileAlreadyExistsException held) {
                String holder;
                try {
                    holder = Files.readString(lock).strip();
                } catch (NoSuchFileException gone) {
                    continue;
                }
                boolean alive = holder.matches("\\d{1,18}") && !holder.equals(me)
                        && ProcessHandle.of(Long.parseLong(holder)).map(ProcessHandle::isAlive).orElse(false);
                // a lock file stays empty only between its creation and the write of the pid, well
                // under a second: one older than that was left by a process killed in between
                if (!alive && (!holder.isEmpty() || olderThan(lock, STALE_EMPTY_LOCK_MILLIS))) {
                    Files.deleteIfExists(lock); // its writer was killed
                    continue;
                }
                if (!force && alive) {
                    throw CocktailException.about("allow replacing its model", "output " + target + " is being written by another cocktail process (pid "
                            + holder + "); wait for it, or allow replacing its model after it.");
                }
                sleep(); // alive when replacing is allowed, or a lock file whose pid is not written yet
            }
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the output's lock");
        }
    }

    /** Removes the lock if it is still ours. */
    private static void deleteLock(Path lock) {
        try {
            if (Files.readString(lock).strip().equals(Long.toString(ProcessHandle.current().pid()))) Files.deleteIfExists(lock);
        } catch (IOException ignored) {
            // gone already, or unreadable: a lock whose process is gone is taken over by the next run
        }
    }

    /** Partial directories of processes that are gone (killed mid-write) for this same target. */
    private static void removeStale(Path out) throws IOException {
        Pattern stale = Pattern.compile(Pattern.quote(hidden(out, "").getFileName().toString()) + "\\.cocktail-(partial|replaced)-(\\d+)");
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(out.getParent())) {
            for (Path s : siblings) {
                Matcher m = stale.matcher(s.getFileName().toString());
                if (!m.matches()) continue;
                long pid = Long.parseLong(m.group(2));
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (alive && pid != ProcessHandle.current().pid()) continue;
                if (m.group(1).equals("replaced") && !Files.exists(out)) {
                    Files.move(s, out, StandardCopyOption.ATOMIC_MOVE); // killed between the two renames: restore
                } else {
                    deleteQuietly(s);
                }
            }
        }
    }

    private static void fsync(Path p) throws IOException {
        boolean dir = Files.isDirectory(p);
        try (FileChannel ch = FileChannel.open(p, dir ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!dir) throw e; // some file systems cannot fsync a directory; the files themselves are forced
        }
    }

    private static Path absolute(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /** The real path of p, or of its nearest existing ancestor joined with the rest. */
    static Path real(Path p) {
        try {
            if (Files.exists(p)) return p.toRealPath();
            Path parent = p.getParent();
            return parent == null ? p : real(parent).resolve(p.getFileName());
        } catch (IOException e) {
            return p;
        }
    }

    static void deleteQuietly(Path dir) {
        // a file another thread removes meanwhile is skipped, not the end of the walk; a second walk
        // takes what the first found gone or not yet empty
        for (int walk = 0; walk < 3 && Files.exists(dir, LinkOption.NOFOLLOW_LINKS); walk++) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) {
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc) {
                        try {
                            Files.deleteIfExists(d);
                        } catch (IOException notEmpty) {
                            // the next walk
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException ignored) {
                // best effort: a leftover keeps its clear .cocktail-partial name and goes on the next run
            }
        }
    }
}
