package org.mailseal.imap.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A set of UIDs held as sorted, disjoint, non-adjacent ranges, never expanded: a server may answer
 * {@code VANISHED (EARLIER) 1:4000000000} (RFC 7162 §3.2.10) for UIDs that never existed. Parsing is bounded in
 * text length and number of ranges; {@code 5:3} means {@code 3:5} (RFC 3501 §9, seq-range). Immutable.
 */
public final class UidSet {
    /** The largest UID (RFC 3501 §2.3.1.1: a 32-bit value). */
    public static final long MAX_UID = 0xffff_ffffL;
    /** The longest sequence-set text {@link #parse} reads. */
    public static final int MAX_TEXT = 64 * 1024;
    /** The most ranges {@link #parse} accepts, before merging. */
    public static final int MAX_RANGES = 10_000;

    public static final UidSet EMPTY = new UidSet(new long[0], new long[0]);

    private final long[] starts;
    private final long[] ends;

    private UidSet(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /**
     * Parses a sequence-set of UIDs ({@code 1:5,9,12:14}); {@code *} is refused (a server's set names UIDs).
     *
     * @throws ImapClientException when the text is malformed, too long, has too many ranges, or a number is 0 or
     *                             above {@link #MAX_UID}
     */
    public static UidSet parse(String text) throws ImapClientException {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT) {
            throw new ImapClientException("a UID set must be 1 to " + MAX_TEXT + " characters");
        }
        List<long[]> ranges = new ArrayList<>();
        for (String element : text.split(",", -1)) {
            if (ranges.size() == MAX_RANGES) {
                throw new ImapClientException("a UID set of more than " + MAX_RANGES + " ranges");
            }
            int colon = element.indexOf(':');
            long a = uid(colon < 0 ? element : element.substring(0, colon));
            long b = colon < 0 ? a : uid(element.substring(colon + 1));
            ranges.add(new long[] {Math.min(a, b), Math.max(a, b)});
        }
        return normalise(ranges);
    }

    private static long uid(String text) throws ImapClientException {
        // nz-number: no sign, no leading zero, at most 10 digits (4294967295).
        if (text.isEmpty() || text.length() > 10 || text.charAt(0) == '0'
                || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ImapClientException("malformed UID in a UID set");
        }
        long value = Long.parseLong(text);
        if (value > MAX_UID) {
            throw new ImapClientException("UID above 4294967295 in a UID set");
        }
        return value;
    }

    /** The set of these UIDs (each from 1 to {@link #MAX_UID}). */
    public static UidSet of(Collection<Long> uids) {
        List<long[]> ranges = new ArrayList<>(uids.size());
        for (long uid : uids) {
            if (uid < 1 || uid > MAX_UID) {
                throw new IllegalArgumentException("not a UID: " + uid);
            }
            ranges.add(new long[] {uid, uid});
        }
        return normalise(ranges);
    }

    private static UidSet normalise(List<long[]> ranges) {
        ranges.sort((x, y) -> Long.compare(x[0], y[0]));
        long[] starts = new long[ranges.size()];
        long[] ends = new long[ranges.size()];
        int n = 0;
        for (long[] r : ranges) {
            if (n > 0 && r[0] <= ends[n - 1] + 1) {
                ends[n - 1] = Math.max(ends[n - 1], r[1]);
            } else {
                starts[n] = r[0];
                ends[n] = r[1];
                n++;
            }
        }
        return n == 0 ? EMPTY : new UidSet(Arrays.copyOf(starts, n), Arrays.copyOf(ends, n));
    }

    /**
     * The UIDs compressed into a sequence-set for a command, ascending and without duplicates: {@code 1:5,9,12:14}.
     *
     * @throws IllegalArgumentException when the collection is empty or holds a value that is not a UID
     */
    public static String format(Collection<Long> uids) {
        if (uids.isEmpty()) {
            throw new IllegalArgumentException("an empty UID set cannot be sent");
        }
        return of(uids).toString();
    }

    /** The union of two sets. */
    public UidSet union(UidSet other) {
        List<long[]> ranges = new ArrayList<>(starts.length + other.starts.length);
        for (UidSet s : List.of(this, other)) {
            for (int i = 0; i < s.starts.length; i++) {
                ranges.add(new long[] {s.starts[i], s.ends[i]});
            }
        }
        return normalise(ranges);
    }

    public boolean contains(long uid) {
        int i = Arrays.binarySearch(starts, uid);
        if (i >= 0) {
            return true;
        }
        int before = -i - 2; // the last range starting below uid
        return before >= 0 && uid <= ends[before];
    }

    public boolean isEmpty() {
        return starts.length == 0;
    }

    /** How many UIDs the set holds (up to 2^32 - 1, counted, not expanded). */
    public long size() {
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            total += ends[i] - starts[i] + 1;
        }
        return total;
    }

    /** The UIDs in ascending order, for small sets only. */
    public List<Long> toList(int limit) throws ImapClientException {
        if (size() > limit) {
            throw new ImapClientException("a UID set of " + size() + " UIDs where at most " + limit + " were expected");
        }
        List<Long> uids = new ArrayList<>((int) size());
        for (int i = 0; i < starts.length; i++) {
            for (long uid = starts[i]; uid <= ends[i]; uid++) {
                uids.add(uid);
            }
        }
        return uids;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UidSet s && Arrays.equals(starts, s.starts) && Arrays.equals(ends, s.ends);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(starts) + Arrays.hashCode(ends);
    }

    /** The sequence-set text, {@code ""} for the empty set. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < starts.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(starts[i]);
            if (ends[i] != starts[i]) {
                text.append(':').append(ends[i]);
            }
        }
        return text.toString();
    }
}
