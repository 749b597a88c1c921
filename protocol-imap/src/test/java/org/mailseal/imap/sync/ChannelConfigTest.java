package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailseal.imap.ImapUpstreamConfig.TlsMode;
import org.mailseal.imap.sync.ChannelConfig.Change;
import org.mailseal.imap.sync.ChannelConfig.Direction;

class ChannelConfigTest {
    private static final Path PASSWORD = Path.of("/etc/mailseal/office.password");
    private static final StoreConfig OFFICE = new StoreConfig.Imap("imap.office.example", 993, TlsMode.IMPLICIT,
            "alice", PASSWORD, false, "alice@office.example");
    private static final StoreConfig LAPTOP = new StoreConfig.Maildir(Path.of("/home/alice/Maildir"), "alice@laptop.example");

    private static ChannelConfig channel() {
        return ChannelConfig.of("office-laptop", OFFICE, LAPTOP, List.of("INBOX", "Archive/*"));
    }

    @Test
    void defaultsAreBothDirectionsAllButFolderDeletionAndAQuarterAsTheExpungeValve() {
        ChannelConfig c = channel();
        assertThat(c.direction()).isEqualTo(Direction.BOTH);
        assertThat(c.propagate()).containsExactlyInAnyOrder(Change.NEW, Change.FLAGS, Change.EXPUNGES,
                Change.CREATE_FOLDERS);
        assertThat(c.propagates(Change.DELETE_FOLDERS)).isFalse();
        assertThat(c.maxExpungeShare()).isEqualTo(0.25);
        assertThat(c.store(Side.A).encryptTo()).contains("alice@office.example");
        assertThat(c.store(Side.B).encryptTo()).contains("alice@laptop.example");
    }

    @Test
    void directionSaysWhichSideChangesFlowFrom() {
        assertThat(channel().flowsFrom(Side.A)).isTrue();
        assertThat(channel().flowsFrom(Side.B)).isTrue();
        assertThat(channel().withDirection(Direction.PUSH).flowsFrom(Side.A)).isTrue();
        assertThat(channel().withDirection(Direction.PUSH).flowsFrom(Side.B)).isFalse();
        assertThat(channel().withDirection(Direction.PULL).flowsFrom(Side.A)).isFalse();
        assertThat(channel().withDirection(Direction.PULL).flowsFrom(Side.B)).isTrue();
    }

    @Test
    void theExpungeValveStopsARunAboveItsShare() {
        ChannelConfig c = channel();
        assertThat(c.expungeNeedsForce(25, 100)).isFalse();
        assertThat(c.expungeNeedsForce(26, 100)).isTrue();
        assertThat(c.expungeNeedsForce(0, 0)).isFalse();
        assertThat(c.expungeNeedsForce(1, 1)).isTrue(); // an emptied one-message mailbox still asks
        assertThat(c.withMaxExpungeShare(1).expungeNeedsForce(100, 100)).isFalse();
        assertThat(c.withMaxExpungeShare(0).expungeNeedsForce(1, 1000)).isTrue();
        assertThatThrownBy(() -> c.expungeNeedsForce(5, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN, 25})
    void theExpungeValveIsAShare(double share) {
        assertThatThrownBy(() -> channel().withMaxExpungeShare(share))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channel office-laptop: the expunge safety valve is a share from 0 to 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "a/b", "ümlaut", "x\r\n"})
    void channelNamesAreSimpleTokens(String name) {
        assertThatThrownBy(() -> ChannelConfig.of(name, OFFICE, LAPTOP, List.of("*")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel name");
    }

    @Test
    void mailboxPatternsAreRequiredCleanAndDistinct() {
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, LAPTOP, List.of()))
                .hasMessageContaining("channel c: at least one mailbox pattern");
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, LAPTOP, List.of("INBOX", " ")))
                .hasMessageContaining("must be non-blank");
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, LAPTOP, List.of("INBOX\r\nA1 DELETE x")))
                .hasMessageContaining("without control characters");
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, LAPTOP, List.of("*", "*")))
                .hasMessageContaining("'*' is listed twice");
        assertThat(ChannelConfig.of("c", OFFICE, LAPTOP, List.of("*")).mailboxes()).containsExactly("*");
    }

    @Test
    void aChannelPropagatesSomethingAndKeepsItsOwnCopy() {
        assertThatThrownBy(() -> channel().withPropagate(Set.of()))
                .hasMessageContaining("propagates nothing");
        Set<Change> mutable = EnumSet.of(Change.NEW);
        ChannelConfig c = channel().withPropagate(mutable);
        mutable.add(Change.DELETE_FOLDERS);
        assertThat(c.propagate()).containsExactly(Change.NEW);
        assertThat(channel().withPropagate(EnumSet.allOf(Change.class)).propagates(Change.DELETE_FOLDERS)).isTrue();
    }

    @Test
    void bothStoresAreRequiredAndMustDiffer() {
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, null, List.of("*")))
                .hasMessageContaining("both stores");
        StoreConfig sameAccount = new StoreConfig.Imap("IMAP.office.example", 993, TlsMode.IMPLICIT, "alice",
                Path.of("/other"), false, null);
        assertThatThrownBy(() -> ChannelConfig.of("c", OFFICE, sameAccount, List.of("*")))
                .hasMessageContaining("channel c: a and b are the same store (imap alice@imap.office.example:993)");
        StoreConfig nested = new StoreConfig.Maildir(Path.of("/home/alice/Maildir/.Archive"), null);
        assertThatThrownBy(() -> ChannelConfig.of("c", LAPTOP, nested, List.of("*")))
                .hasMessageContaining("the same store");
        StoreConfig otherUser = new StoreConfig.Imap("imap.office.example", 993, TlsMode.IMPLICIT, "bob",
                PASSWORD, false, null);
        assertThat(ChannelConfig.of("c", OFFICE, otherUser, List.of("*")).b()).isEqualTo(otherUser);
    }

    @Test
    void anImapStoreNeverSendsItsPasswordInTheClearUnlessAllowed() {
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 143, TlsMode.NONE, "alice", PASSWORD, false, null))
                .hasMessageContaining("the password would travel in the clear");
        assertThat(new StoreConfig.Imap("127.0.0.1", 143, TlsMode.NONE, "alice", PASSWORD, true, null).tls())
                .isEqualTo(TlsMode.NONE);
    }

    @Test
    void anImapStoreIsValidatedFieldByField() {
        assertThatThrownBy(() -> new StoreConfig.Imap(" ", 993, TlsMode.IMPLICIT, "alice", PASSWORD, false, null))
                .hasMessageContaining("host must be");
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 0, TlsMode.IMPLICIT, "alice", PASSWORD, false, null))
                .hasMessageContaining("port must be 1-65535, got 0");
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 993, null, "alice", PASSWORD, false, null))
                .hasMessageContaining("TLS mode");
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 993, TlsMode.IMPLICIT, "", PASSWORD, false, null))
                .hasMessageContaining("user must be");
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 993, TlsMode.IMPLICIT, "alice", null, false, null))
                .hasMessageContaining("alice@mail.example: a password file is required");
        assertThat(OFFICE.toString()).doesNotContain("password");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "@example.org", "alice@", "a@b@c", "<alice@example.org>", "alice @example.org"})
    void aKeyAddressIsAPlainAddress(String address) {
        assertThatThrownBy(() -> new StoreConfig.Maildir(Path.of("/srv/mail"), address))
                .hasMessageContaining("Maildir store /srv/mail: the key address must be a plain address");
        assertThatThrownBy(() -> new StoreConfig.Imap("mail.example", 993, TlsMode.IMPLICIT, "alice", PASSWORD, false,
                address)).hasMessageContaining("the key address must be a plain address");
    }

    @Test
    void aMaildirPathIsAbsoluteAndNormalised() {
        assertThatThrownBy(() -> new StoreConfig.Maildir(Path.of("Maildir"), null))
                .hasMessageContaining("the path must be absolute, got Maildir");
        assertThat(new StoreConfig.Maildir(Path.of("/home/alice/./x/../Maildir"), null).path())
                .isEqualTo(Path.of("/home/alice/Maildir"));
        assertThat(new StoreConfig.Maildir(Path.of("/srv/mail"), null).encryptTo()).isEmpty();
    }
}
