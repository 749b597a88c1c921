package org.mailseal.imap.sync;

import java.util.Set;
import java.util.TreeSet;

/**
 * One message known on both sides.
 *
 * @param uidA    its UID in the mailbox on side A; 0 after A's UIDVALIDITY changed, until it is re-matched
 * @param uidB    the same on side B
 * @param flags   the flags both sides held when they were last synchronised: the base of the three-way merge
 * @param content  the key to re-match it by after a UIDVALIDITY change: of the content side A holds
 * @param contentB the key of the content side B holds where it differs from A's (a plaintext message encrypted for
 *                 B's key on the way), else {@code null}
 */
public record MessagePair(long uidA, long uidB, Set<String> flags, ContentKey content, ContentKey contentB) {
    /** A message both sides hold with the same content. */
    public MessagePair(long uidA, long uidB, Set<String> flags, ContentKey content) {
        this(uidA, uidB, flags, content, null);
    }

    public MessagePair {
        if (contentB != null && content != null && contentB.equals(content)) {
            contentB = null;
        }
        requireUid(uidA);
        requireUid(uidB);
        flags = Set.copyOf(flags);
        flags.forEach(MessagePair::requireFlag);
        if (content == null) {
            throw new IllegalArgumentException("a message pair needs its content key");
        }
    }

    /** The content key of what that side holds. */
    public ContentKey content(Side side) {
        return side == Side.B && contentB != null ? contentB : content;
    }

    public long uid(Side side) {
        return side == Side.A ? uidA : uidB;
    }

    /** Whether the UID on that side is known (it is not after a UIDVALIDITY change until re-matched). */
    public boolean matched(Side side) {
        return uid(side) != 0;
    }

    static void requireUid(long uid) {
        if (uid < 0 || uid > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("UID out of range (nz-number): " + uid);
        }
    }

    /** A flag is an atom or a backslash and an atom (RFC 3501 9, flag): never a space or a control character. */
    static void requireFlag(String flag) {
        if (flag == null || flag.isEmpty() || flag.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("not an IMAP flag: " + (flag == null ? "null" : "'" + flag.strip() + "'"));
        }
    }

    /** The canonical stored form: sorted, space-separated. */
    static String encodeFlags(Set<String> flags) {
        flags.forEach(MessagePair::requireFlag);
        return String.join(" ", new TreeSet<>(flags));
    }

    static Set<String> decodeFlags(String stored) {
        return stored.isEmpty() ? Set.of() : Set.of(stored.split(" "));
    }
}
