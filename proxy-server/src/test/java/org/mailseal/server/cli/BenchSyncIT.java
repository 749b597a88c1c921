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

    @Test
    void throughAnEmulatedLinkBothToolsVerifyAndEachRunReportsTheBytesItMoved() throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "pw\n");
        Cli.Result result = Cli.run("bench", "sync", "--server", "127.0.0.1:" + dovecot.port(), "--password-file",
                password.toString(), "--accounts", String.join(",", ACCOUNTS), "--messages", "100", "--changes", "10",
                "--jar", "none", "--link", "50mbit,10ms", "--link-initial");
        assertThat(result.exitCode()).as(result.stderr() + result.out()).isZero();
        String out = result.out();
        assertThat(out).contains("emulated link: 50 Mbit/s, 10 ms round trip")
                .contains("verified after round 2: all four mailboxes hold 100 messages")
                .contains("| initial sync, 100 messages, in process, through the link |");
        // Every timed run of both tools went through the relay: none moved nothing.
        assertThat(Pattern.compile("through the link [\\d,.]+ KB up, [\\d,.]+ KB down").matcher(out).results().count())
                .as(out).isEqualTo(8);
        assertThat(out).doesNotContain("through the link 0.0 KB up, 0.0 KB down");
    }

    @Test
    void aLinkThatIsNotRateCommaRoundTripIsAUsageError() throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "pw\n");
        Cli.Result result = Cli.run("bench", "sync", "--server", "127.0.0.1:" + dovecot.port(), "--password-file",
                password.toString(), "--accounts", String.join(",", ACCOUNTS), "--link", "2mbps,40ms");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("--link rate must be a number with bit, kbit, mbit or gbit");
    }
}
