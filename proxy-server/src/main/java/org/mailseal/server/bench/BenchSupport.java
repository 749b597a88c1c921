package org.mailseal.server.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

/** What the load drivers share: removing their scratch key homes, and reporting where a run's CPU went. */
final class BenchSupport {
    private BenchSupport() {}

    /** Deletes a directory and everything below it. */
    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** One line: the CPU seconds of each thread group, and what the process spent beyond them. */
    static void printCpuByThread(PrintWriter out, Map<String, Long> nanosByGroup, double processCpuSeconds,
                                 String other) {
        long threads = nanosByGroup.values().stream().mapToLong(Long::longValue).sum();
        out.printf("CPU seconds of the cold run by thread: %s, other (%s) %.3f%n",
                String.join(", ", nanosByGroup.entrySet().stream()
                        .map(group -> String.format("%s %.3f", group.getKey(), group.getValue() / 1e9)).toList()),
                other, processCpuSeconds - threads / 1e9);
    }
}
