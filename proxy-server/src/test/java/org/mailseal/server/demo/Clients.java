package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real mail clients run as processes for the demo's tests: Python scripts, curl, fetchmail. */
public final class Clients {
    private Clients() {}

    /** Runs a command to its end (at most a minute) and returns what it printed, then a line "exit N". */
    public static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return output + "\nexit " + process.exitValue();
    }

    /** Runs a Python 3 script with arguments; returns its output, and fails the test if it did not exit 0. */
    public static String python(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        String output = run(command.toArray(String[]::new));
        assertThat(output).as(output).endsWith("\nexit 0");
        return output.substring(0, output.length() - "\nexit 0".length());
    }
}
