package org.mailseal.crypto.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Searching byte arrays without copying them into strings. Scans eight bytes per step (SWAR: a byte equal to
 * the one sought becomes zero after XOR, and zero bytes are detected with two arithmetic operations).
 */
public final class Bytes {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private Bytes() {}

    /** Whether any of the eight bytes of the word is zero. */
    static boolean hasZeroByte(long word) {
        return ((word - ONES) & ~word & HIGHS) != 0;
    }

    static long broadcast(byte b) {
        return (b & 0xffL) * ONES;
    }

    static long word(byte[] data, int index) {
        return (long) LONGS.get(data, index);
    }

    /** First index of {@code b} in {@code data[from, to)}, or -1. */
    public static int indexOf(byte[] data, int from, int to, byte b) {
        long pattern = broadcast(b);
        int i = Math.max(from, 0);
        while (i + 8 <= to && !hasZeroByte(word(data, i) ^ pattern)) {
            i += 8;
        }
        for (; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** First index of {@code needle} in {@code data[from, to)}, or -1. */
    public static int indexOf(byte[] data, int from, int to, byte[] needle) {
        if (needle.length == 0) {
            return from;
        }
        byte first = needle[0];
        int last = to - needle.length;
        int i = from;
        while (i <= last) {
            i = indexOf(data, i, last + 1, first);
            if (i < 0) {
                return -1;
            }
            if (regionMatches(data, i, needle)) {
                return i;
            }
            i++;
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

    /** Whether {@code data} holds {@code needle} at {@code index}. */
    public static boolean regionMatches(byte[] data, int index, byte[] needle) {
        if (index < 0 || index + needle.length > data.length) {
            return false;
        }
        return java.util.Arrays.equals(data, index, index + needle.length, needle, 0, needle.length);
    }
}
