package org.mailseal.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.StoreConfig;

/** The sync section: what a good one yields, and a problem naming the key for each kind of bad value. */
class SyncConfigTest {
    @TempDir
    Path dir;

    private static final String STORES = """
            sync:
              stores:
                office:
                  imap: {host: imap.example.org, user: bob, passwordFile: office.pw, trust: ca.pem}
                  encryptTo: bob@example.org
                laptop:
                  maildir: {path: Mail}
                backup:
                  imap: {host: backup.example.org, port: 1143, tls: starttls, user: bob, passwordFile: office.pw}
            """;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("office.pw"), "secret\n");
        SmimeKeys.KeyAndCertificate key = SmimeKeys.generate("ca@example.org", new java.util.Date(),
                Duration.ofDays(1));
        Files.writeString(dir.resolve("ca.pem"), SmimeKeys.pem(key.certificate()));
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("mailseal.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private SyncConfig load(String yaml) throws Exception {
        return ConfigLoader.loadSync(write(yaml));
    }

    private List<String> problems(String yaml) throws Exception {
        Path file = write(yaml);
        try {
            ConfigLoader.loadSync(file);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("the configuration was accepted");
    }

    @Test
    void aFileWithOnlySyncIsValidWithTheDefaults() throws Exception {
        SyncConfig config = load(STORES + """
                  channels:
                    - {name: inbox, a: office, b: laptop, mailboxes: INBOX}
                """);

        assertThat(config.state()).isEqualTo(dir.resolve("mailseal.yaml.sync.db"));
        assertThat(config.pollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.watchLimit()).isEqualTo(16);
        assertThat(config.stores()).containsOnlyKeys("office", "laptop", "backup");

        SyncConfig.Store office = config.stores().get("office");
        StoreConfig.Imap imap = (StoreConfig.Imap) office.config();
        assertThat(imap.port()).isEqualTo(993);
        assertThat(imap.tls()).isEqualTo(ImapUpstreamConfig.TlsMode.IMPLICIT);
        assertThat(imap.passwordFile()).isEqualTo(dir.resolve("office.pw"));
        assertThat(imap.encryptTo()).contains("bob@example.org");
        assertThat(office.upstream().sslContext()).isNotNull();
        assertThat(office.upstream().host()).isEqualTo("imap.example.org");
        assertThat(office.upstream().allowPlaintextLogin()).isFalse();
        ImapUpstreamConfig backup = config.stores().get("backup").upstream();
        assertThat(backup.port()).isEqualTo(1143);
        assertThat(backup.tls()).isEqualTo(ImapUpstreamConfig.TlsMode.STARTTLS);
        assertThat(config.stores().get("laptop").config()).isEqualTo(new StoreConfig.Maildir(dir.resolve("Mail"), null));
        assertThat(config.stores().get("laptop").upstream()).isNull();

        SyncConfig.Channel inbox = config.channels().get(0);
        assertThat(inbox.a()).isSameAs(office);
        assertThat(inbox.config()).isEqualTo(ChannelConfig.of("inbox", imap,
                config.stores().get("laptop").config(), List.of("INBOX")));
        assertThat(inbox.config().propagate()).doesNotContain(ChannelConfig.Change.DELETE_FOLDERS);
    }

    @Test
    void everyChannelKeyIsRead() throws Exception {
        SyncConfig config = load(STORES + """
                  state: /var/lib/mailseal/sync.db
                  pollInterval: 90s
                  watchLimit: 4
                  channels:
                    - name: archive
                      a: office
                      b: backup
                      mailboxes: [INBOX, "Archive/*"]
                      direction: push
                      propagate: [new, flags, delete-folders]
                      maxExpungeShare: 0.5
                """);
        assertThat(config.state()).isEqualTo(Path.of("/var/lib/mailseal/sync.db"));
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.watchLimit()).isEqualTo(4);
        ChannelConfig channel = config.channels().get(0).config();
        assertThat(channel.mailboxes()).containsExactly("INBOX", "Archive/*");
        assertThat(channel.direction()).isEqualTo(ChannelConfig.Direction.PUSH);
        assertThat(channel.propagate()).isEqualTo(Set.of(ChannelConfig.Change.NEW, ChannelConfig.Change.FLAGS,
                ChannelConfig.Change.DELETE_FOLDERS));
        assertThat(channel.maxExpungeShare()).isEqualTo(0.5);
    }

    @Test
    void runStillNeedsAListenerAndChecksTheSyncSectionToo() throws Exception {
        Path file = write(STORES + """
                  channels:
                    - {name: inbox, a: office, b: nowhere, mailboxes: INBOX}
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "listeners: at least one listener is needed",
                        "sync.channels[0].b: no store named 'nowhere' in sync.stores (there are office, laptop, backup)"));
    }

    @Test
    void syncNeedsItsSection() throws Exception {
        assertThat(problems("keys: {home: keys}\n"))
                .containsExactly("sync: missing (the stores and channels to synchronise; see the README)");
    }

    @Test
    void eachBadValueIsAProblemNamingItsKey() throws Exception {
        List<String> problems = problems("""
                sync:
                  pollInterval: 5 minutes
                  watchLimit: -1
                  colour: blue
                  stores:
                    office:
                      imap: {host: imap.example.org, user: bob, passwordFile: missing.pw, tls: ssl}
                    plain:
                      imap: {host: localhost, tls: none, user: bob, passwordFile: office.pw}
                    both:
                      imap: {host: a.example.org, user: bob, passwordFile: office.pw}
                      maildir: {path: Mail}
                    laptop:
                      maildir: {path: Mail, depth: 3}
                    home:
                      maildir: {path: Home}
                  channels:
                    - {name: one, a: laptop, b: laptop, mailboxes: INBOX}
                    - {name: two, a: laptop, b: home, mailboxes: INBOX, direction: sideways}
                    - {name: three, a: laptop, b: home, mailboxes: INBOX, maxExpungeShare: 1.5}
                    - {name: four, a: laptop, b: home, mailboxes: INBOX, propagate: [new, everything]}
                    - {name: five, a: laptop, b: home}
                    - {name: six, a: laptop, b: home, mailboxes: INBOX}
                    - {name: six, a: laptop, b: home, mailboxes: "*"}
                """);
        assertThat(problems).containsExactlyInAnyOrder(
                "sync.colour: unknown key (expected one of state, pollInterval, watchLimit, stores, channels)",
                "sync.pollInterval: '5 minutes' is not a duration like 30s, 5m or 1h",
                "sync.watchLimit: -1 is out of range (0 to 1000)",
                "sync.stores.office.imap.tls: 'ssl' is not one of none, starttls, implicit",
                "sync.stores.office.imap.passwordFile: file " + dir.resolve("missing.pw")
                        + " does not exist or cannot be read",
                "sync.stores.plain: IMAP store localhost: without TLS the password would travel in the clear; use"
                        + " starttls or implicit TLS, or allow plaintext login explicitly (loopback only)",
                "sync.stores.both: needs exactly one of imap (an IMAP account) and maildir (a local Maildir)",
                "sync.stores.laptop.maildir.depth: unknown key (expected one of path)",
                "sync.channels[0].b: store 'laptop' is side a already; a channel pairs two stores",
                "sync.channels[1].direction: 'sideways' is not one of both, push (a to b), pull (b to a)",
                "sync.channels[2].maxExpungeShare: 1.5 is out of range (0 to 1; 0.25 = a quarter of a mailbox)",
                "sync.channels[3].propagate: 'everything' is not one of new, flags, expunges, create-folders,"
                        + " delete-folders",
                "sync.channels[4].mailboxes: missing (mailbox patterns, e.g. [INBOX, \"Archive/*\"] or [\"*\"] for all)",
                "sync.channels[6].name: channel 'six' is defined twice");
    }

    @Test
    void twoNamesForOneStoreInAChannelAreCaught() throws Exception {
        assertThat(problems("""
                sync:
                  stores:
                    mail: {maildir: {path: Mail}}
                    sub: {maildir: {path: Mail/sub}}
                  channels:
                    - {name: loop, a: mail, b: sub, mailboxes: INBOX}
                """)).containsExactly("sync.channels[0]: channel loop: a and b are the same store (maildir "
                + dir.resolve("Mail") + ")");
    }

    @Test
    void theHomeFolderAndTheConfigurationFolderAnchorPaths() throws Exception {
        SyncConfig config = load("""
                sync:
                  state: state/sync.db
                  stores:
                    home: {maildir: {path: ~/Mail}}
                    here: {maildir: {path: ../Mail}}
                  channels:
                    - {name: m, a: home, b: here, mailboxes: ["*"]}
                """);
        assertThat(config.state()).isEqualTo(dir.resolve("state/sync.db"));
        assertThat(((StoreConfig.Maildir) config.stores().get("home").config()).path())
                .isEqualTo(Path.of(System.getProperty("user.home"), "Mail"));
        assertThat(((StoreConfig.Maildir) config.stores().get("here").config()).path())
                .isEqualTo(dir.getParent().resolve("Mail"));
    }
}
