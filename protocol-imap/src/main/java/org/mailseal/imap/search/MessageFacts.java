package org.mailseal.imap.search;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Set;
import org.mailseal.imap.message.MessageView;

/**
 * What a search program is evaluated over for one message: its state as the upstream reports it
 * ({@code UID FETCH uids (UID FLAGS INTERNALDATE MODSEQ)}) and its decrypted content.
 *
 * @param uid          the message's UID
 * @param sequence     its sequence number on the client's connection (the FETCH response's number)
 * @param flags        FLAGS, system flags with their backslash; compared case-insensitively
 * @param internalDate INTERNALDATE with the zone the server wrote (BEFORE/ON/SINCE use its date in that zone)
 * @param modSeq       MODSEQ (RFC 7162), 0 when the server has no CONDSTORE
 * @param content      the decrypted plaintext message; its size stands in for RFC822.SIZE
 * @param mailbox      what {@code *} and OLDER/YOUNGER refer to
 */
public record MessageFacts(long uid, long sequence, Set<String> flags, OffsetDateTime internalDate, long modSeq,
                           MessageView content, Mailbox mailbox) {

    /**
     * The mailbox around the message.
     *
     * @param messages   EXISTS: the highest sequence number, what {@code *} is in a sequence set
     * @param highestUid the UID of the last message (for example from {@code UID SEARCH *})
     * @param now        the time OLDER and YOUNGER (RFC 5032) count back from
     */
    public record Mailbox(long messages, long highestUid, Instant now) {
        public Mailbox {
            Objects.requireNonNull(now, "now");
        }
    }

    public MessageFacts {
        Objects.requireNonNull(flags, "flags");
        Objects.requireNonNull(internalDate, "internalDate");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(mailbox, "mailbox");
        flags = Set.copyOf(flags);
    }

    boolean hasFlag(String flag) {
        for (String f : flags) {
            if (f.equalsIgnoreCase(flag)) { // flag names are case-insensitive (RFC 9051 §2.3.2)
                return true;
            }
        }
        return false;
    }
}
