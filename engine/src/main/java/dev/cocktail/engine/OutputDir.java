package dev.cocktail.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An output model directory that appears only when complete: everything is written into a
 * temporary sibling `.NAME.cocktail-partial-PID`, forced to disk, then renamed into place.
 * A failure or a signal removes the partial directory; after a SIGKILL it stays, clearly named,
 * and the next run that writes the same output removes it.
 */
public final class OutputDir implements AutoCloseable {
    private static final String PARTIAL = ".cocktail-partial-";
    private static final String REPLACED = ".cocktail-replaced-";

    private final Path target;
    private final Path staging;
    private final Thread cleanupOnSignal;
    private boolean committed;

    private OutputDir(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
        this.cleanupOnSignal = new Thread(() -> deleteQuietly(staging), "cocktail-cleanup");
    }

    /**
     * Checks the target against the inputs and creates the staging directory.
     * Refused: an existing target without `force`; a target that is, contains or lies inside an input.
     */
    public static OutputDir create(Path target, boolean force, Collection<Path> inputs) {
        Path out = absolute(target);
        if (out.getParent() == null) throw new CocktailException(target + ": cannot write a model at the root directory.");
        Path outReal = real(out);
        for (Path in : inputs) {
            Path inReal = real(absolute(in));
            if (inReal.equals(outReal)) throw new CocktailException("output " + target + " is the input model " + in + "; choose another output directory.");
            if (inReal.startsWith(outReal)) throw new CocktailException("output " + target + " contains the input model " + in + "; choose another output directory.");
            if (outReal.startsWith(inReal)) throw new CocktailException("output " + target + " lies inside the input model " + in + "; choose another output directory.");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            if (!force) throw new CocktailException("output " + target + " already exists; use --force to replace it.");
            if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
                throw new CocktailException("output " + target + " exists and is not a directory; remove it first.");
            }
        }
        try {
            Files.createDirectories(out.getParent());
            removeStale(out);
            Path staging = out.resolveSibling("." + out.getFileName() + PARTIAL + ProcessHandle.current().pid());
            deleteQuietly(staging);
            Files.createDirectory(staging);
            OutputDir dir = new OutputDir(out, staging);
            Runtime.getRuntime().addShutdownHook(dir.cleanupOnSignal);
            return dir;
        } catch (IOException e) {
            throw new CocktailException("cannot create output directory next to " + target + ": " + e.getMessage() + ".", e);
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
        try {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                for (Path f : files) fsync(f);
            }
            fsync(staging);
            Path replaced = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                replaced = target.resolveSibling("." + target.getFileName() + REPLACED + ProcessHandle.current().pid());
                Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            fsync(target.getParent());
            committed = true;
            if (replaced != null) deleteQuietly(replaced);
        } catch (IOException e) {
            throw new CocktailException("cannot move the finished model into " + target + ": " + e.getMessage() + ".", e);
        }
    }

    /** Removes the staging directory unless the model was committed. */
    @Override
    public void close() {
        if (!committed) deleteQuietly(staging);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnSignal);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run; it removes nothing that matters now
        }
    }

    /** Partial directories of processes that are gone (killed mid-write) for this same target. */
    private static void removeStale(Path out) throws IOException {
        Pattern stale = Pattern.compile(Pattern.quote("." + out.getFileName()) + "\\.cocktail-(partial|replaced)-(\\d+)");
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
    private static Path real(Path p) {
        try {
            if (Files.exists(p)) return p.toRealPath();
            Path parent = p.getParent();
            return parent == null ? p : real(parent).resolve(p.getFileName());
        } catch (IOException e) {
            return p;
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: a leftover keeps its clear .cocktail-partial name and goes on the next run
        }
    }
}
