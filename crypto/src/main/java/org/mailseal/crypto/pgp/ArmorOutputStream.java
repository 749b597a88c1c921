package org.mailseal.crypto.pgp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * ASCII armor for an OpenPGP message (RFC 9580 §6.2) with CRLF line ends, as MIME needs, and no CRC-24 checksum
 * (optional in RFC 4880, and RFC 9580 §6.1 asks writers to leave it out). Base64 is the JDK's, which is several
 * times faster than Bouncy Castle's byte-at-a-time armor.
 */
final class ArmorOutputStream extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEAD = "-----BEGIN PGP MESSAGE-----\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\r\n-----END PGP MESSAGE-----\r\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final OutputStream base64;
    private boolean closed;

    ArmorOutputStream(OutputStream out) throws IOException {
        this.out = out;
        out.write(HEAD);
        this.base64 = Base64.getMimeEncoder(64, CRLF).wrap(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() {
                // the message stream stays open
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        base64.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        base64.write(b, off, len);
    }

    /** Writes the last base64 line and the END line; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            base64.close();
            out.write(TAIL);
        }
    }
}
