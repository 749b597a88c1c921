package org.mailseal.crypto.io;

/** Checks and converts line endings of byte arrays; the fast path for text that is already CRLF throughout. */
public final class LineEndings {
    private static final long LF_BYTES = 0x0a0a0a0a0a0a0a0aL;
    private static final long CR_BYTES = 0x0d0d0d0d0d0d0d0dL;

    private LineEndings() {}

    /**
     * Length of the longest prefix of {@code b[off, off+len)} in which every LF follows a CR and every CR is
     * followed by an LF. A CR in the last position is not counted, since its LF may come next.
     */
    public static int canonicalPrefix(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            if (i + 8 <= end) {
                long word = Bytes.word(b, i);
                if (!Bytes.hasZeroByte(word ^ LF_BYTES) && !Bytes.hasZeroByte(word ^ CR_BYTES)) {
                    i += 8; // none of these eight bytes is CR or LF
                    continue;
                }
            }
            byte c = b[i];
            if (c == '\n') {
                return i - off; // an LF not consumed as part of CRLF is bare
            }
            if (c == '\r') {
                if (i + 1 >= end || b[i + 1] != '\n') {
                    return i - off;
                }
                i += 2;
            } else {
                i++;
            }
        }
        return len;
    }

    /** Whether every line of the range ends in CRLF and no CR or LF stands alone. */
    public static boolean isCanonical(byte[] b, int off, int len) {
        if (len == 0) {
            return true;
        }
        int prefix = canonicalPrefix(b, off, len);
        return prefix == len && b[off + len - 1] != '\r';
    }
}
