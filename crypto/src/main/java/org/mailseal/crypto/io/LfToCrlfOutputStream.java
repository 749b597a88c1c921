package org.mailseal.crypto.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes LF as CRLF. Only for output known to hold no CR of its own, such as Bouncy Castle's ASCII armor, which
 * ends lines with the platform separator while MIME requires CRLF.
 */
public final class LfToCrlfOutputStream extends FilterOutputStream {
    public LfToCrlfOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (b == '\n') {
            out.write('\r');
        }
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                out.write(b, start, i - start);
                out.write('\r');
                start = i; // the LF itself goes out with the next run
            }
        }
        out.write(b, start, end - start);
    }

    /** Flushes but does not close the underlying stream: callers own it. */
    @Override
    public void close() throws IOException {
        flush();
    }
}
