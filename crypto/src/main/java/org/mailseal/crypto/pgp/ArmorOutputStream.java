package org.mailseal.crypto.pgp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * ASCII armor for an OpenPGP message (RFC 4880 §6.2) with CRLF line ends, as MIME needs, and the CRC-24 line
 * that GnuPG 2.2 relies on to find the end of the armor. Base64 is the JDK's, several times faster than Bouncy
 * Castle's byte-at-a-time armor.
 */
final class ArmorOutputStream extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEAD = "-----BEGIN PGP MESSAGE-----\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\r\n-----END PGP MESSAGE-----\r\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final OutputStream base64;
    private final Crc24 crc = new Crc24();
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
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        crc.update(b, off, len);
        base64.write(b, off, len);
    }

    /** Writes the last base64 line and the END line; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            base64.close();
            int value = crc.value();
            byte[] checksum = {(byte) (value >> 16), (byte) (value >> 8), (byte) value};
            out.write(CRLF);
            out.write('=');
            out.write(Base64.getEncoder().encode(checksum));
            out.write(TAIL);
        }
    }
}
