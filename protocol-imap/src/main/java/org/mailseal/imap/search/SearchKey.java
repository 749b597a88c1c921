package org.mailseal.imap.search;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;

/**
 * One search-key of RFC 3501 §6.4.4 (with RFC 7162 MODSEQ and RFC 5032 OLDER/YOUNGER), parsed. Every key can
 * write itself back in canonical wire form, which is how (parts of) a program are sent upstream.
 *
 * <p>NEW, OLD and the UN-forms are parsed into the equivalent {@link Flag}, {@link Not} and {@link And} keys
 * (NEW is "RECENT UNSEEN", OLD is "NOT RECENT", RFC 3501 §6.4.4).
 */
public sealed interface SearchKey {

    /** Whether the key reads the message itself (header, body or its size) rather than mailbox state. */
    default boolean content() {
        if (this instanceof Text || this instanceof SentDate || this instanceof Size) {
            return true;
        }
        if (this instanceof Not n) {
            return n.key().content();
        }
        if (this instanceof Or o) {
            return o.left().content() || o.right().content();
        }
        return this instanceof And a && a.keys().stream().anyMatch(SearchKey::content);
    }

    /**
     * Appends the key's wire form. Strings are quoted, or written as literals ({@code {n+}} when
     * {@code nonSynchronizing}, else {@code {n}}) when they have 8-bit octets, CR or LF (RFC 3501 §4.3).
     */
    void write(StringBuilder out, boolean nonSynchronizing);

    /** ALL. */
    record All() implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append("ALL");
        }
    }

    /**
     * ANSWERED, DELETED, DRAFT, FLAGGED, SEEN, RECENT, KEYWORD (set) and their UN-forms (not set).
     *
     * @param flag a system flag with its backslash, or a keyword
     */
    record Flag(String flag, boolean set) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            if (flag.startsWith("\\")) {
                out.append(set ? "" : "UN").append(flag.substring(1).toUpperCase(Locale.ROOT));
            } else {
                out.append(set ? "KEYWORD " : "UNKEYWORD ").append(flag);
            }
        }
    }

    /** BEFORE, ON, SINCE (internal date) and SENTBEFORE, SENTON, SENTSINCE (Date header): a date comparison. */
    enum DateOp { BEFORE, ON, SINCE;

        boolean test(LocalDate actual, LocalDate date) {
            return switch (this) {
                case BEFORE -> actual.isBefore(date);
                case ON -> actual.isEqual(date);
                case SINCE -> !actual.isBefore(date);
            };
        }
    }

    /** BEFORE, ON, SINCE: the internal date, disregarding time and timezone (RFC 3501 §6.4.4). */
    record InternalDate(DateOp op, LocalDate date) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append(op).append(' ').append(imapDate(date));
        }
    }

    /** SENTBEFORE, SENTON, SENTSINCE: the Date header's date, disregarding time and timezone. */
    record SentDate(DateOp op, LocalDate date) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append("SENT").append(op).append(' ').append(imapDate(date));
        }
    }

    /** LARGER n (larger) or SMALLER n: RFC822.SIZE compared with n. */
    record Size(boolean larger, long octets) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append(larger ? "LARGER " : "SMALLER ").append(octets);
        }
    }

    /** Where a string key looks. */
    enum Where { BCC, BODY, CC, FROM, HEADER, SUBJECT, TEXT, TO }

    /**
     * BODY, TEXT, SUBJECT, FROM, TO, CC, BCC and HEADER: a case-insensitive substring of the decoded text.
     *
     * @param header the field name of HEADER, null otherwise
     * @param value  the string as sent, UTF-8 or US-ASCII
     */
    record Text(Where where, String header, byte[] value) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append(where);
            if (header != null) {
                out.append(' ');
                writeString(out, header.getBytes(StandardCharsets.ISO_8859_1), nonSynchronizing);
            }
            out.append(' ');
            writeString(out, value, nonSynchronizing);
        }

        public String valueText() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    /** UID set (uid) or a bare sequence set. */
    record Messages(boolean uid, SequenceSet set) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append(uid ? "UID " : "").append(set.text());
        }
    }

    /**
     * MODSEQ (RFC 7162 §3.1.5): the message's mod-sequence is at least {@code modSeq}. The per-flag entry, when
     * given, is kept for the upstream; evaluated locally the message's own MODSEQ is used, which is never smaller.
     */
    record ModSeq(String entryName, String entryType, long modSeq) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append("MODSEQ ");
            if (entryName != null) {
                writeString(out, entryName.getBytes(StandardCharsets.ISO_8859_1), false);
                out.append(' ').append(entryType).append(' ');
            }
            out.append(modSeq);
        }
    }

    /** OLDER n (older) and YOUNGER n of RFC 5032: the internal date compared with now minus n seconds. */
    record Within(boolean older, long seconds) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append(older ? "OLDER " : "YOUNGER ").append(seconds);
        }
    }

    /** NOT key. */
    record Not(SearchKey key) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append("NOT ");
            key.write(out, nonSynchronizing);
        }
    }

    /** OR key key. */
    record Or(SearchKey left, SearchKey right) implements SearchKey {
        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append("OR ");
            left.write(out, nonSynchronizing);
            out.append(' ');
            right.write(out, nonSynchronizing);
        }
    }

    /** A parenthesized list: all keys match. */
    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }

        @Override
        public void write(StringBuilder out, boolean nonSynchronizing) {
            out.append('(');
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) {
                    out.append(' ');
                }
                keys.get(i).write(out, nonSynchronizing);
            }
            out.append(')');
        }
    }

    /** date-text of RFC 3501 §9: {@code 1-Feb-1994}. */
    static String imapDate(LocalDate d) {
        return d.getDayOfMonth() + "-" + d.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT) + "-"
                + String.format(Locale.ROOT, "%04d", d.getYear());
    }

    /**
     * A quoted string for 7-bit text without CR, LF, NUL; a literal otherwise (RFC 3501 §4.3). The octets are
     * carried in the StringBuilder as ISO-8859-1 chars, one per octet.
     */
    static void writeString(StringBuilder out, byte[] value, boolean nonSynchronizing) {
        boolean quotable = value.length < 1024;
        for (int i = 0; quotable && i < value.length; i++) {
            int b = value[i] & 0xff;
            quotable = b != 0 && b != '\r' && b != '\n' && b < 0x80;
        }
        if (!quotable) {
            out.append('{').append(value.length).append(nonSynchronizing ? "+}\r\n" : "}\r\n");
            out.append(new String(value, StandardCharsets.ISO_8859_1));
            return;
        }
        out.append('"');
        for (byte b : value) {
            if (b == '"' || b == '\\') {
                out.append('\\');
            }
            out.append((char) b);
        }
        out.append('"');
    }
}
