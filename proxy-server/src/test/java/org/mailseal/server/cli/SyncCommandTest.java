package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.imap.sync.ChannelSummary;
import org.mailseal.imap.sync.MailboxPair;
import org.mailseal.imap.sync.PairSummary;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.server.sync.ChannelEngine;
import org.mailseal.server.sync.FakeSyncStore;
import org.mailseal.server.sync.StoreOpener;
import picocli.CommandLine;

/** {@code mailseal sync} end to end through picocli, with fake stores and a fake engine: exit codes and output. */
class SyncCommandTest {
    private static final String PASSWORD = "s3cret-office-password";

    @TempDir
    Path dir;

    private Path config;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<String> opened = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<String> ran = new ArrayList<>();
    /** Expunges the fake engine holds back per channel (the safety valve). */
    private int held;

    private final StoreOpener opener = store -> {
        if (store.name().equals("broken")) {
            throw new IOException("imap.broken.example: connection refused");
        }
        opened.add(store.name());
        return new FakeSyncStore();
    };

    private final ChannelEngine engine = (state, channel, a, b, listener, force) -> {
        ran.add(channel.name() + (force ? " forced" : ""));
        MailboxPair inbox = new MailboxPair(channel.name(), "INBOX", "INBOX");
        return new ChannelSummary(channel.name(), List.of(new PairSummary(inbox, 1, 2, 0, 3, 0, 0,
                force ? 0 : held, false)), List.of());
    };

    @BeforeEach
    void configuration() throws Exception {
        Files.writeString(dir.resolve("office.pw"), PASSWORD + "\n");
        config = dir.resolve("sync.yaml");
        Files.writeString(config, """
                sync:
                  stores:
                    office: {imap: {host: imap.example.org, user: bob, passwordFile: office.pw}}
                    laptop: {maildir: {path: Mail}}
                    broken: {imap: {host: imap.broken.example, user: bob, passwordFile: office.pw}}
                  channels:
                    - {name: inbox, a: office, b: laptop, mailboxes: INBOX}
                    - {name: flaky, a: broken, b: laptop, mailboxes: INBOX}
                    - {name: archive, a: office, b: laptop, mailboxes: ["Archive/*"]}
                """);
    }

    private int sync(StoreOpener storeOpener, String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == SyncCommand.class ? type.cast(new SyncCommand(storeOpener, engine))
                        : CommandLine.defaultFactory().create(type);
            }
        };
        CommandLine commandLine = MailsealCommand.commandLine(factory);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("sync"));
        all.addAll(List.of(args));
        return commandLine.execute(all.toArray(String[]::new));
    }

    private int sync(String... args) {
        return sync(opener, args);
    }

    @Test
    void eachChannelRunsAndPrintsItsSummaryAndAFailingOneDoesNotStopTheOthers() {
        int code = sync("--config", config.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(ran).containsExactly("inbox", "archive");
        assertThat(out.toString()).contains(
                "channel inbox: copied 3, matched 0, flagged 3, expunged 0, conflicts 0, folders created 0",
                "channel archive: copied 3,");
        assertThat(err.toString()).isEqualTo("mailseal: channel flaky: imap.broken.example: connection refused"
                + System.lineSeparator());
        assertThat(Files.exists(dir.resolve("sync.yaml.sync.db"))).as("the state beside the configuration").isTrue();
    }

    @Test
    void aCleanRunExitsZeroAndChannelsCanBeChosen() {
        assertThat(sync("--config", config.toString(), "--once", "--channel", "archive", "--channel", "inbox"))
                .isEqualTo(ExitCodes.OK);
        assertThat(ran).as("configuration order").containsExactly("inbox", "archive");
        assertThat(opened).as("both stores of each channel, opened at once").containsExactlyInAnyOrder("office",
                "laptop", "office", "laptop");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void heldExpungesExitFiveUntilForced() {
        held = 7;
        assertThat(sync("--config", config.toString(), "--channel", "inbox")).isEqualTo(ExitCodes.NEEDS_FORCE);
        assertThat(out.toString()).contains("7 expunges held back, rerun with --force");

        assertThat(sync("--config", config.toString(), "--channel", "inbox", "--force")).isEqualTo(ExitCodes.OK);
        assertThat(ran).containsExactly("inbox", "inbox forced");
    }

    @Test
    void aSecondSyncOnTheSameStateIsRefused() {
        SyncState busy = SyncState.open(dir.resolve("sync.yaml.sync.db"));
        try {
            assertThat(sync("--config", config.toString())).isEqualTo(ExitCodes.ERROR);
        } finally {
            busy.close();
        }
        assertThat(err.toString()).startsWith("mailseal: sync state ").contains("is in use by another sync");
        assertThat(ran).isEmpty();
    }

    @Test
    void usageAndConfigurationErrorsExitTwo() throws Exception {
        assertThat(sync("--config", config.toString(), "--channel", "nope")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("no channel named 'nope' in the configuration (there are inbox, flaky,"
                + " archive)");

        assertThat(sync("--config", config.toString(), "--once", "--watch")).isEqualTo(ExitCodes.USAGE);

        Files.writeString(config, Files.readString(config).replace("mailboxes: INBOX}", "mailboxes: INBOX,"
                + " direction: up}"));
        assertThat(sync("--config", config.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("sync.channels[0].direction: 'up' is not one of both, push");
        assertThat(ran).isEmpty();
    }

    @Test
    void theRealOpenerNeverShowsThePassword() throws Exception {
        Files.writeString(config, """
                sync:
                  stores:
                    office: {imap: {host: 127.0.0.1, port: 1, user: bob, passwordFile: office.pw}}
                    laptop: {maildir: {path: Mail}}
                  channels:
                    - {name: inbox, a: office, b: laptop, mailboxes: INBOX}
                """);
        int code = sync(StoreOpener.production(), "--config", config.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(ran).isEmpty();
        assertThat(err.toString()).contains("mailseal: channel inbox: store office");
        assertThat(out.toString() + err.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void theRealOpenerOpensMaildirStores() throws Exception {
        Files.writeString(config, """
                sync:
                  stores:
                    laptop: {maildir: {path: Mail}}
                    office: {imap: {host: 127.0.0.1, port: 1, user: bob, passwordFile: office.pw}}
                  channels:
                    - {name: inbox, a: laptop, b: office, mailboxes: INBOX}
                """);
        assertThat(sync(StoreOpener.production(), "--config", config.toString())).isEqualTo(ExitCodes.ERROR);
        assertThat(dir.resolve("Mail").resolve("cur")).isDirectory(); // the Maildir opened; the IMAP store did not
        assertThat(err.toString()).contains("store office").doesNotContain("laptop");
    }
}
