package org.mailseal.crypto.io;

import java.io.IOException;
import java.util.Arrays;

/**
 * Strict base64 (RFC 4648 §4) for text that is broken into lines, such as ASCII armor: line breaks and blanks are
 * skipped, anything else outside the alphabet is an error. One pass, four characters at a time where a line holds
 * whole quads (the JDK's MIME decoder makes two passes and silently drops characters it does not know).
 */
public final class Base64Text {
    private static final int[] DECODE = new int[256];
    private static final int SKIP = -2;
    private static final int PAD = -3;

    static {
        Arrays.fill(DECODE, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            DECODE[alphabet.charAt(i)] = i;
        }
        DECODE['\r'] = SKIP;
        DECODE['\n'] = SKIP;
        DECODE[' '] = SKIP;
        DECODE['\t'] = SKIP;
        DECODE['='] = PAD;
    }

    private Base64Text() {}

    /** Decoded bytes: the first {@code length} of {@code data}. */
    public record Decoded(byte[] data, int length) {}

    public static Decoded decode(byte[] src, int from, int to) throws IOException {
        byte[] dst = new byte[(to - from) / 4 * 3 + 3];
        int out = 0;
        int accumulator = 0;
        int count = 0;
        int i = from;
        while (i < to) {
            if (count == 0) {
                // Whole quads: four lookups, one check.
                while (i + 4 <= to) {
                    int a = DECODE[src[i] & 0xff];
                    int b = DECODE[src[i + 1] & 0xff];
                    int c = DECODE[src[i + 2] & 0xff];
                    int d = DECODE[src[i + 3] & 0xff];
                    if ((a | b | c | d) < 0) {
                        break;
                    }
                    int v = a << 18 | b << 12 | c << 6 | d;
                    dst[out] = (byte) (v >> 16);
                    dst[out + 1] = (byte) (v >> 8);
                    dst[out + 2] = (byte) v;
                    out += 3;
                    i += 4;
                }
                if (i >= to) {
                    break;
                }
            }
            int value = DECODE[src[i++] & 0xff];
            if (value == SKIP) {
                continue;
            }
            if (value == PAD) {
                out = finish(dst, out, accumulator, count);
                for (; i < to; i++) {
                    int rest = DECODE[src[i] & 0xff];
                    if (rest != SKIP && rest != PAD) {
                        throw new IOException("base64 data after padding");
                    }
                }
                return new Decoded(dst, out);
            }
            if (value < 0) {
                throw new IOException("invalid base64 character 0x" + Integer.toHexString(src[i - 1] & 0xff));
            }
            accumulator = accumulator << 6 | value;
            if (++count == 4) {
                dst[out] = (byte) (accumulator >> 16);
                dst[out + 1] = (byte) (accumulator >> 8);
                dst[out + 2] = (byte) accumulator;
                out += 3;
                accumulator = 0;
                count = 0;
            }
        }
        return new Decoded(dst, finish(dst, out, accumulator, count));
    }

    /** Emits the bytes of a final partial quad (two or three characters). */
    private static int finish(byte[] dst, int out, int accumulator, int count) throws IOException {
        switch (count) {
            case 0 -> {
                return out;
            }
            case 2 -> {
                dst[out] = (byte) (accumulator >> 4);
                return out + 1;
            }
            case 3 -> {
                dst[out] = (byte) (accumulator >> 10);
                dst[out + 1] = (byte) (accumulator >> 2);
                return out + 2;
            }
            default -> throw new IOException("truncated base64");
        }
    }
}
