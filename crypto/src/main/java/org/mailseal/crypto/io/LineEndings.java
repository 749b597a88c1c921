package org.mailseal.crypto.io;

/** Checks and converts line endings of byte arrays; the fast path for text that is already CRLF throughout. */
public final class LineEndings {
    private LineEndings() {}

    /**
     * Length of the longest prefix of {@code b[off, off+len)} in which every LF follows a CR and every CR is
     * followed by an LF. A CR in the last position is not counted, since its LF may come next.
     */
    public static int canonicalPrefix(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            byte c = b[i];
            if (c > '\r' || c < '\n') {
                i++;
                continue;
            }
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
