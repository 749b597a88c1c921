package org.mailseal.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import org.mailseal.crypto.io.SpillBuffer;

/**
 * A decrypted message: the restored header section followed by the body, which lives in memory or in an
 * encrypted spill file. Closing it drops the plaintext.
 */
public final class PlaintextMessage implements AutoCloseable {
    private final byte[] header;
    private final SpillBuffer content;
    private final long bodyOffset;

    PlaintextMessage(byte[] header, SpillBuffer content, long bodyOffset) {
        this.header = header;
        this.content = content;
        this.bodyOffset = bodyOffset;
    }

    /** Exact size in octets, CRLF line ends. */
    public long size() {
        return header.length + content.size() - bodyOffset;
    }

    /** A fresh stream over the whole message. */
    public InputStream openStream() throws IOException {
        InputStream body = content.openStream();
        body.skipNBytes(bodyOffset);
        return new SequenceInputStream(new ByteArrayInputStream(header), body);
    }

    public void writeTo(OutputStream out) throws IOException {
        try (InputStream in = openStream()) {
            in.transferTo(out);
        }
    }

    /** The whole message as bytes; for small messages and tests. */
    public byte[] toByteArray() throws IOException {
        try (InputStream in = openStream()) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() throws IOException {
        java.util.Arrays.fill(header, (byte) 0);
        content.close();
    }
}
