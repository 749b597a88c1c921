package org.mailseal.crypto.pgp;

import java.io.IOException;

/**
 * Finds where the encrypted data packet starts in a binary OpenPGP message, by walking the packet headers of the
 * session-key packets before it (RFC 9580 §4.2). Everything from that offset on is copied untouched.
 */
final class PacketSplitter {
    static final int TAG_SED = 9;
    static final int TAG_SEIPD = 18;
    static final int TAG_OCB = 20;

    private PacketSplitter() {}

    /** Offset of the first SED, SEIPD or OCB-encrypted packet. */
    static int dataPacketOffset(byte[] binary) throws IOException {
        int pos = 0;
        while (pos < binary.length) {
            int first = binary[pos] & 0xff;
            if ((first & 0x80) == 0) {
                throw new IOException("not an OpenPGP packet at offset " + pos);
            }
            boolean newFormat = (first & 0x40) != 0;
            int tag = newFormat ? first & 0x3f : (first >> 2) & 0x0f;
            if (tag == TAG_SED || tag == TAG_SEIPD || tag == TAG_OCB) {
                return pos;
            }
            int headerLength;
            long bodyLength;
            if (newFormat) {
                int o1 = octet(binary, pos + 1);
                if (o1 < 192) {
                    headerLength = 2;
                    bodyLength = o1;
                } else if (o1 < 224) {
                    headerLength = 3;
                    bodyLength = ((o1 - 192) << 8) + octet(binary, pos + 2) + 192;
                } else if (o1 == 255) {
                    headerLength = 6;
                    bodyLength = ((long) octet(binary, pos + 2) << 24) | (octet(binary, pos + 3) << 16)
                            | (octet(binary, pos + 4) << 8) | octet(binary, pos + 5);
                } else {
                    throw new IOException("partial length on a session-key packet");
                }
            } else {
                switch (first & 0x03) {
                    case 0 -> {
                        headerLength = 2;
                        bodyLength = octet(binary, pos + 1);
                    }
                    case 1 -> {
                        headerLength = 3;
                        bodyLength = (octet(binary, pos + 1) << 8) | octet(binary, pos + 2);
                    }
                    case 2 -> {
                        headerLength = 5;
                        bodyLength = ((long) octet(binary, pos + 1) << 24) | (octet(binary, pos + 2) << 16)
                                | (octet(binary, pos + 3) << 8) | octet(binary, pos + 4);
                    }
                    default -> throw new IOException("indeterminate length on a session-key packet");
                }
            }
            long next = pos + headerLength + bodyLength;
            if (next > binary.length) {
                throw new IOException("truncated OpenPGP packet");
            }
            pos = (int) next;
        }
        throw new IOException("no encrypted data packet");
    }

    private static int octet(byte[] data, int index) throws IOException {
        if (index >= data.length) {
            throw new IOException("truncated OpenPGP packet header");
        }
        return data[index] & 0xff;
    }
}
