package dev.imagesize.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The long-lived processes the tests start (registries, API servers, etcd, operator jars), stopped when the test JVM
 * ends however it ends: a shutdown hook stops those still running when the JVM exits, and a reaper process (a shell
 * that waits on a pipe the JVM holds) stops them when the JVM is killed and no hook runs. Each tracked process is
 * written to the reaper's directory as its pid and start time, so a pid reused by another process is never signalled.
 */
public final class ChildProcesses {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Set<ProcessHandle> TRACKED = ConcurrentHashMap.newKeySet();
    private static Path directory;
    private static OutputStream reaperPipe;

    private ChildProcesses() {}

    /** Tracks {@code process} until {@link #stop} stops it; returns it. */
    public static Process track(Process process) {
        track(process.toHandle());
        return process;
    }

    /**
     * Tracks the direct children of this JVM whose command matches, for processes a library starts (kube-api-test's
     * etcd and kube-apiserver).
     */
    public static void trackChildren(Predicate<String> command) {
        ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .filter(child -> child.info().command().filter(command).isPresent())
                .forEach(ChildProcesses::track);
    }

    /** Stops {@code process}: SIGTERM, SIGKILL after {@code grace}; it is no longer tracked once it has exited. */
    public static void stop(Process process, Duration grace) {
        stop(process.toHandle(), grace);
    }

    private static void stop(ProcessHandle process, Duration grace) {
        process.destroy();
        try {
            process.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            process.onExit()
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(stuck -> null)
                    .join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // onExit does not fail
        }
        if (!process.isAlive()) {
            untrack(process);
        }
    }

    private static synchronized void track(ProcessHandle process) {
        if (!TRACKED.add(process)) {
            return;
        }
        String startTime = startTime(process.pid());
        if (startTime == null) {
            return; // exited already
        }
        try {
            Files.writeString(reaperDirectory().resolve(Long.toString(process.pid())), startTime + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized void untrack(ProcessHandle process) {
        TRACKED.remove(process);
        if (directory != null) {
            try {
                Files.deleteIfExists(directory.resolve(Long.toString(process.pid())));
            } catch (IOException ignored) {
                // the reaper checks the start time before it signals
            }
        }
    }

    /** The reaper's directory; starts the reaper and the shutdown hook on first use. */
    private static Path reaperDirectory() throws IOException {
        if (directory == null) {
            directory = Files.createTempDirectory("imagesize-test-processes-");
            // Waits until the pipe from this JVM closes (it exits or is killed), then stops every process still listed
            // whose start time is the one recorded. It ignores the terminal's signals so that it outlives the JVM.
            String script = """
                    trap '' INT HUP
                    cat > /dev/null
                    dir="$1"
                    signal() {
                      sig="$1"
                      for file in "$dir"/*; do
                        [ -f "$file" ] || continue
                        pid=$(basename "$file"); read -r recorded < "$file" || continue
                        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { rm -f "$file"; continue; }
                        set -- ${stat##*) }
                        if [ "${20}" = "$recorded" ]; then kill "-$sig" "$pid" 2>/dev/null; else rm -f "$file"; fi
                      done
                    }
                    signal TERM
                    for _ in 1 2 3 4 5 6 7 8 9 10; do
                      ls "$dir"/* > /dev/null 2>&1 || break
                      sleep 1; signal 0
                    done
                    signal KILL
                    rm -rf "$dir"
                    """;
            Process reaper = new ProcessBuilder("bash", "-c", script, "imagesize-test-reaper", directory.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            reaperPipe = reaper.getOutputStream();
            Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "child-processes-stop"));
        }
        return directory;
    }

    /** Stops every tracked process still running, in parallel (the JVM is exiting). */
    private static void stopAll() {
        TRACKED.parallelStream().filter(ProcessHandle::isAlive).forEach(process -> stop(process, GRACE));
    }

    /** Field 22 of /proc/PID/stat (start time in clock ticks after boot), or null when the process is gone. */
    private static String startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return fields[19];
        } catch (IOException e) {
            return null;
        }
    }
}
