package org.mailseal.crypto.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Converts any line ending (CRLF, bare LF, bare CR) to CRLF, the canonical form of a MIME entity (RFC 2049 §4).
 * Files on Unix usually end lines with LF; what gets encrypted must be canonical so that every reader agrees.
 * Runs that are already canonical are copied in bulk.
 */
public final class CanonicalLineInputStream extends FilterInputStream {
    private byte[] chunk;
    private int chunkPos;
    private int chunkLen;
    /** How many bytes from chunkPos on are known to be canonical. */
    private int cleanRun;
    private boolean pendingLf;
    private boolean lastWasCr;
    private boolean eof;

    public CanonicalLineInputStream(InputStream in) {
        super(in);
    }

    private final byte[] one = new byte[1];

    @Override
    public int read() throws IOException {
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
                if (eof || (written > 0 && in.available() <= 0)) {
                    break;
                }
                if (!fill()) {
                    if (lastWasCr) {
                        lastWasCr = false;
                        pendingLf = true; // a bare CR at the very end
                        continue;
                    }
                    break;
                }
            }
            if (cleanRun > 0 && !lastWasCr) {
                int n = Math.min(cleanRun, len - written);
                System.arraycopy(chunk, chunkPos, b, off + written, n);
                chunkPos += n;
                cleanRun -= n;
                written += n;
                continue;
            }
            byte c = chunk[chunkPos++];
            cleanRun = 0;
            if (c == '\n') {
                if (!lastWasCr) {
                    b[off + written++] = '\r';
                    pendingLf = true;
                } else {
                    b[off + written++] = '\n';
                    lastWasCr = false;
                }
            } else if (lastWasCr) {
                chunkPos--; // the CR before was bare: finish it as CRLF, then look at this byte again
                b[off + written++] = '\n';
                lastWasCr = false;
            } else {
                b[off + written++] = c;
                lastWasCr = c == '\r';
            }
            if (!lastWasCr && !pendingLf) {
                cleanRun = LineEndings.canonicalPrefix(chunk, chunkPos, chunkLen - chunkPos);
            }
        }
        return written == 0 ? -1 : written;
    }

    private boolean fill() throws IOException {
        if (chunk == null) {
            // Sized to what is there when that is known (a small message needs no 16 KiB buffer), at most 16 KiB.
            chunk = new byte[Math.max(512, Math.min(1 << 14, in.available() + 1))];
        }
        int n = in.read(chunk, 0, chunk.length);
        if (n <= 0) {
            eof = true;
            chunkPos = chunkLen = 0;
            return false;
        }
        chunkPos = 0;
        chunkLen = n;
        cleanRun = lastWasCr ? 0 : LineEndings.canonicalPrefix(chunk, 0, n);
        return true;
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
