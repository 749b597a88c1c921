package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailseal bench sync} on a small mailbox against the test suite's Dovecot and the installed mbsync: every
 * round is verified by the bench itself, and the table has each row; figures are for the README, not asserted.
 */
class BenchSyncIT {
    private static final List<String> ACCOUNTS = List.of("s1a@bench.test", "s1b@bench.test", "s2a@bench.test",
            "s2b@bench.test");

    @TempDir
    Path dir;
    private ScriptedDovecot dovecot;

    @BeforeEach
    void start() throws Exception {
        List<String> accounts = new ArrayList<>();
        ACCOUNTS.forEach(a -> accounts.add(a + ":pw"));
        dovecot = ScriptedDovecot.start("benchsync", accounts);
    }

    @AfterEach
    void stop() throws Exception {
        dovecot.close();
    }

    @Test
    void aSmallRunVerifiesEveryRoundAndReportsEachRow() throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "pw\n");
        Cli.Result result = Cli.run("bench", "sync", "--server", "127.0.0.1:" + dovecot.port(), "--password-file",
                password.toString(), "--accounts", String.join(",", ACCOUNTS), "--messages", "300", "--changes", "20",
                "--jar", "none");
        assertThat(result.exitCode()).as(result.stderr() + result.out()).isZero();
        String out = result.out();
        assertThat(out).contains("verified after initial sync: all four mailboxes hold 300 messages")
                .contains("verified after round 2: all four mailboxes hold 300 messages");
        for (String row : new String[] {"initial sync, 300 messages, in process", "no-op sync, QRESYNC, in process",
                "20 changes, QRESYNC, in process", "20 changes, full scan, in process"}) {
            assertThat(Pattern.compile("\\| " + row + " \\| [\\d.]+ s \\| [\\d.]+ s \\| [\\d.]+× \\|").matcher(out).find())
                    .as(row + "\n" + out).isTrue();
        }
        assertThat(out).contains("(QRESYNC, read incrementally)").contains("(full scan, read in full)");
    }
}
