package org.mailseal.imap.search;

import java.util.ArrayList;
import java.util.List;
import org.mailseal.imap.ImapReader;
import org.mailseal.imap.ImapSyntaxException;

/**
 * A parsed SEARCH program (RFC 3501 §6.4.4): what the proxy needs to answer SEARCH when some messages are stored
 * encrypted and the upstream server can only see their ciphertext.
 *
 * <h2>How the session answers a SEARCH</h2>
 * Keys split in two: <em>state</em> keys (flags, internal dates, UIDs, sequence sets, MODSEQ, OLDER/YOUNGER) that
 * the server answers right for every message, and <em>content</em> keys (BODY, TEXT, SUBJECT, FROM, TO, CC, BCC,
 * HEADER, SENT*, LARGER, SMALLER) that it answers right only for plaintext messages. When
 * {@link #dependsOnContent()} is false the command goes upstream unchanged. Otherwise:
 * <ol>
 *   <li>{@code UID SEARCH <}{@link #wire}{@code >}: exact for plaintext messages; keep only those.</li>
 *   <li>{@code UID SEARCH <}{@link #superset()}{@code >}: the candidates. Seen from the server a content key on
 *   an encrypted message is <em>unknown</em>; the superset program replaces each one with ALL where a true value
 *   could make the program match and with nothing ({@code NOT ALL}) where a false one could, tracking polarity
 *   through NOT and OR, so every encrypted message that matches is a candidate.</li>
 *   <li>For the encrypted candidates, {@code UID FETCH uids (UID FLAGS INTERNALDATE MODSEQ)} (MODSEQ only with
 *   CONDSTORE), then {@link #matches(MessageFacts)} over those facts and the decrypted message.</li>
 * </ol>
 * The answer is the union of 1 (plaintext) and 3. A client's plain SEARCH is sent as UID SEARCH on the same
 * connection, so sequence numbers in the program mean the same; the FETCH responses map UIDs back to them.
 */
public final class SearchProgram {
    private final String charset;
    private final List<SearchKey> keys;

    private SearchProgram(String charset, List<SearchKey> keys) {
        this.charset = charset;
        this.keys = List.copyOf(keys);
    }

    /**
     * Reads {@code [CHARSET astring SP] search-key *(SP search-key)} and the final CRLF from {@code in}, positioned
     * after "SEARCH " (and after any RETURN options).
     *
     * @throws ImapSyntaxException  malformed, nested deeper than 100, more than 1,000 keys, or {@code $} (BAD)
     * @throws BadCharsetException a charset other than US-ASCII or UTF-8 (NO [BADCHARSET (US-ASCII UTF-8)])
     */
    public static SearchProgram parse(ImapReader in) {
        List<SearchKey> keys = new ArrayList<>();
        String charset = new SearchParser(in).program(keys);
        return new SearchProgram(charset, keys);
    }

    /** The CHARSET given, or null. Strings are read as UTF-8 either way (US-ASCII is a subset). */
    public String charset() {
        return charset;
    }

    /** The top-level keys; all must match. */
    public List<SearchKey> keys() {
        return keys;
    }

    /** Whether any key reads message content, so encrypted messages need the proxy's own evaluation. */
    public boolean dependsOnContent() {
        return keys.stream().anyMatch(SearchKey::content);
    }

    /**
     * The program in wire form (with its CHARSET), for sending upstream as it is. Strings that cannot be quoted are
     * literals: {@code {n+}} (LITERAL+, RFC 7888) when {@code nonSynchronizing}, else synchronizing {@code {n}}
     * that need the server's continuation.
     */
    public String wire(boolean nonSynchronizing) {
        StringBuilder out = new StringBuilder();
        if (charset != null) {
            out.append("CHARSET ").append(charset).append(' ');
        }
        writeList(out, keys, nonSynchronizing);
        return out.toString();
    }

    /**
     * A program without content keys that matches at least every message this program matches, whatever the
     * message's content (see the class comment); {@code ALL} when nothing can be narrowed, {@code NOT ALL} when no
     * message can match. Always one line of 7-bit text without literals.
     */
    public String superset() {
        if (!dependsOnContent()) {
            StringBuilder out = new StringBuilder();
            writeList(out, keys, false); // no strings, so no CHARSET needed
            return out.toString();
        }
        Bound b = Bound.and(keys.stream().map(k -> Bound.of(k, true)).toList());
        StringBuilder out = new StringBuilder();
        if (b.key() == null) {
            out.append(b.always() ? "ALL" : "NOT ALL");
        } else if (b.key() instanceof SearchKey.And and) {
            writeList(out, and.keys(), false);
        } else {
            b.key().write(out, false);
        }
        return out.toString();
    }

    /** Whether the message matches, evaluated by the proxy from its facts and decrypted content. */
    public boolean matches(MessageFacts facts) {
        Evaluation e = new Evaluation(facts);
        for (SearchKey k : keys) {
            if (!e.test(k)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return wire(true);
    }

    private static void writeList(StringBuilder out, List<SearchKey> keys, boolean nonSynchronizing) {
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            keys.get(i).write(out, nonSynchronizing);
        }
    }

    /**
     * A bound on a key for any content: a constant ({@code key == null}, {@code always} true or false) or a key
     * without content keys. {@code upper} bounds match at least where the key matches; lower bounds at most.
     */
    private record Bound(SearchKey key, boolean always) {
        static final Bound TRUE = new Bound(null, true);
        static final Bound FALSE = new Bound(null, false);

        static Bound of(SearchKey k, boolean upper) {
            if (!k.content()) {
                return new Bound(k, false);
            }
            if (k instanceof SearchKey.Not n) {
                Bound inner = of(n.key(), !upper); // NOT flips which bound is needed
                if (inner.key() == null) {
                    return inner.always() ? FALSE : TRUE;
                }
                return new Bound(inner.key() instanceof SearchKey.Not nn ? nn.key() : new SearchKey.Not(inner.key()),
                        false);
            }
            if (k instanceof SearchKey.Or o) {
                Bound l = of(o.left(), upper);
                Bound r = of(o.right(), upper);
                if (l == TRUE || r == TRUE) {
                    return TRUE;
                }
                if (l == FALSE || r == FALSE) {
                    return l == FALSE ? r : l;
                }
                return new Bound(new SearchKey.Or(l.key(), r.key()), false);
            }
            if (k instanceof SearchKey.And a) {
                return and(a.keys().stream().map(c -> of(c, upper)).toList());
            }
            return upper ? TRUE : FALSE; // a content leaf: unknown to the server
        }

        static Bound and(List<Bound> parts) {
            List<SearchKey> left = new ArrayList<>();
            for (Bound p : parts) {
                if (p == FALSE) {
                    return FALSE;
                }
                if (p != TRUE) {
                    left.add(p.key());
                }
            }
            if (left.isEmpty()) {
                return TRUE;
            }
            return new Bound(left.size() == 1 ? left.get(0) : new SearchKey.And(left), false);
        }
    }
}
