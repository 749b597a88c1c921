package org.mailseal.crypto.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Converts any line ending (CRLF, bare LF, bare CR) to CRLF, the canonical form of a MIME entity (RFC 2049 §4).
 * Files on Unix usually end lines with LF; what gets encrypted must be canonical so that every reader agrees.
 */
public final class CanonicalLineInputStream extends FilterInputStream {
    private final byte[] chunk = new byte[16384];
    private int chunkPos;
    private int chunkLen;
    private boolean pendingLf;
    private boolean lastWasCr;

    public CanonicalLineInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int written = 0;
        while (written < len) {
            if (pendingLf) {
                b[off + written++] = '\n';
                pendingLf = false;
                continue;
            }
            if (chunkPos == chunkLen) {
                if (written > 0 && in.available() <= 0) {
                    break;
                }
                chunkLen = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    if (lastWasCr) {
                        // A bare CR at the very end: it already went out; finish it as CRLF.
                        lastWasCr = false;
                        pendingLf = true;
                        continue;
                    }
                    break;
                }
            }
            byte c = chunk[chunkPos++];
            if (c == '\n') {
                if (lastWasCr) {
                    lastWasCr = false;
                    b[off + written++] = '\n';
                } else {
                    b[off + written++] = '\r';
                    pendingLf = true;
                }
            } else {
                if (lastWasCr) {
                    // The CR before this byte was bare: finish it as CRLF, then emit this byte.
                    lastWasCr = false;
                    b[off + written++] = '\n';
                    chunkPos--;
                    continue;
                }
                b[off + written++] = c;
                lastWasCr = c == '\r';
            }
        }
        return written == 0 ? -1 : written;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        long total = 0;
        while (total < n) {
            int r = read(sink, 0, (int) Math.min(sink.length, n - total));
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    @Override
    public int available() {
        return chunkLen - chunkPos + (pendingLf ? 1 : 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
