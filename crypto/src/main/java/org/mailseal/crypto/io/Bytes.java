package org.mailseal.crypto.io;

/**
 * Searching byte arrays without copying them into strings. Plain loops: the JIT compiles them to tight code, and
 * measured here they beat both {@code String.indexOf} on a Latin-1 copy and a VarHandle-based word-at-a-time
 * scan once inlining budgets come into play.
 */
public final class Bytes {
    private Bytes() {}

    /** First index of {@code b} in {@code data[from, to)}, or -1. */
    public static int indexOf(byte[] data, int from, int to, byte b) {
        for (int i = Math.max(from, 0); i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * First index of {@code needle} in {@code data[from, to)}, or -1. A needle of eight or more bytes in a long range
     * (a MIME boundary in a large message) is found by Boyer-Moore-Horspool: it skips up to its own length at a
     * time, so most of the data is never looked at.
     */
    public static int indexOf(byte[] data, int from, int to, byte[] needle) {
        if (needle.length == 0) {
            return from;
        }
        if (needle.length >= 8 && to - from >= 1024) {
            return horspool(data, Math.max(from, 0), to, needle);
        }
        byte first = needle[0];
        int last = to - needle.length;
        for (int i = Math.max(from, 0); i <= last; i++) {
            if (data[i] == first && regionMatches(data, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    /** Last index of {@code needle} in {@code data[from, to)}, or -1; for markers known to sit near the end. */
    public static int lastIndexOf(byte[] data, int from, int to, byte[] needle) {
        for (int i = to - needle.length; i >= from; i--) {
            if (data[i] == needle[0] && regionMatches(data, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    private static int horspool(byte[] data, int from, int to, byte[] needle) {
        int last = needle.length - 1;
        int[] shift = new int[256];
        java.util.Arrays.fill(shift, needle.length);
        for (int i = 0; i < last; i++) {
            shift[needle[i] & 0xff] = last - i;
        }
        byte lastByte = needle[last];
        for (int i = from; i + last < to; i += shift[data[i + last] & 0xff]) {
            if (data[i + last] == lastByte && regionMatches(data, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code data} holds {@code needle} at {@code index}. */
    public static boolean regionMatches(byte[] data, int index, byte[] needle) {
        if (index < 0 || index + needle.length > data.length) {
            return false;
        }
        return java.util.Arrays.equals(data, index, index + needle.length, needle, 0, needle.length);
    }
}
