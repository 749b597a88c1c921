package org.mailseal.imap.search;

import java.util.ArrayList;
import java.util.List;
import org.mailseal.imap.ImapSyntaxException;

/**
 * A sequence-set of RFC 3501 §9 ({@code 1,3:5,7:*}): numbers or UIDs, ranges in either order, {@code *} for the
 * highest one in the mailbox. {@code $} (SEARCHRES, RFC 5182) is not supported and is a syntax error.
 *
 * @param text   the set as written, re-sent upstream unchanged
 * @param ranges inclusive ranges; {@link #STAR} stands for {@code *}
 */
public record SequenceSet(String text, List<SequenceSet.Range> ranges) {
    /** An inclusive range as written (either order); {@link #STAR} stands for {@code *}. */
    public record Range(long first, long last) {
    }

    /** Stands for {@code *} in {@link #ranges}. */
    public static final long STAR = -1;
    private static final long MAX = 0xFFFF_FFFFL; // nz-number is 32-bit (RFC 3501 §9)
    private static final int MAX_RANGES = 10_000;

    public SequenceSet {
        ranges = List.copyOf(ranges);
    }

    /** Parses {@code text}; throws {@link ImapSyntaxException} when it is not a sequence-set. */
    public static SequenceSet parse(String text) {
        List<Range> ranges = new ArrayList<>();
        for (String item : text.split(",", -1)) {
            if (ranges.size() == MAX_RANGES) {
                throw new ImapSyntaxException("sequence set too long");
            }
            int colon = item.indexOf(':');
            long a = number(colon < 0 ? item : item.substring(0, colon));
            long b = colon < 0 ? a : number(item.substring(colon + 1));
            ranges.add(new Range(a, b));
        }
        return new SequenceSet(text, ranges);
    }

    /** Whether this set is all digits, commas, colons and stars: a search key of its own (RFC 3501 §6.4.4). */
    static boolean looksLike(String word) {
        if (word.isEmpty()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (!(c >= '0' && c <= '9') && c != ':' && c != ',' && c != '*' && c != '$') {
                return false;
            }
        }
        return true;
    }

    private static long number(String s) {
        if (s.equals("*")) {
            return STAR;
        }
        if (s.equals("$")) {
            throw new ImapSyntaxException("SEARCHRES ($) is not supported");
        }
        if (s.isEmpty() || s.length() > 10 || s.charAt(0) == '0' || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ImapSyntaxException("bad sequence number");
        }
        long n = Long.parseLong(s);
        if (n > MAX) {
            throw new ImapSyntaxException("sequence number out of range");
        }
        return n;
    }

    /** Whether {@code n} is in the set, {@code *} being {@code highest}. */
    public boolean contains(long n, long highest) {
        for (Range r : ranges) {
            long a = r.first() == STAR ? highest : r.first();
            long b = r.last() == STAR ? highest : r.last();
            if (n >= Math.min(a, b) && n <= Math.max(a, b)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }
}
