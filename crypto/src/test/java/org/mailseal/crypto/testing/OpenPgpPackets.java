package org.mailseal.crypto.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The top-level packets of a binary OpenPGP message (RFC 9580 §4.2), with partial body lengths joined, and back:
 * for tests that cut or rearrange what is inside a packet while keeping the framing valid.
 */
public final class OpenPgpPackets {
    private OpenPgpPackets() {}

    /** One packet: its tag and its whole body. */
    public record Packet(int tag, byte[] body) {}

    public static List<Packet> split(byte[] binary) {
        List<Packet> packets = new ArrayList<>();
        int pos = 0;
        while (pos < binary.length) {
            int header = binary[pos++] & 0xff;
            if ((header & 0x80) == 0) {
                throw new IllegalArgumentException("not a packet header at offset " + (pos - 1));
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int tag;
            if ((header & 0x40) != 0) {
                tag = header & 0x3f;
                while (true) {
                    int first = binary[pos++] & 0xff;
                    if (first < 192) {
                        body.write(binary, pos, first);
                        pos += first;
                        break;
                    } else if (first < 224) {
                        int length = ((first - 192) << 8) + (binary[pos++] & 0xff) + 192;
                        body.write(binary, pos, length);
                        pos += length;
                        break;
                    } else if (first == 255) {
                        int length = ((binary[pos] & 0xff) << 24) | ((binary[pos + 1] & 0xff) << 16)
                                | ((binary[pos + 2] & 0xff) << 8) | (binary[pos + 3] & 0xff);
                        pos += 4;
                        body.write(binary, pos, length);
                        pos += length;
                        break;
                    } else {
                        int partial = 1 << (first & 0x1f);
                        body.write(binary, pos, partial);
                        pos += partial;
                    }
                }
            } else {
                tag = (header >> 2) & 0x0f;
                int lengthType = header & 0x03;
                int length;
                if (lengthType == 3) {
                    length = binary.length - pos; // indeterminate: to the end
                } else {
                    int octets = 1 << lengthType;
                    length = 0;
                    for (int i = 0; i < octets; i++) {
                        length = (length << 8) | (binary[pos++] & 0xff);
                    }
                }
                body.write(binary, pos, length);
                pos += length;
            }
            packets.add(new Packet(tag, body.toByteArray()));
        }
        return packets;
    }

    /** Encodes packets with new-format headers and five-octet definite lengths. */
    public static byte[] join(List<Packet> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Packet packet : packets) {
            int length = packet.body().length;
            out.write(0xc0 | packet.tag());
            out.write(255);
            out.write(length >>> 24);
            out.write(length >>> 16);
            out.write(length >>> 8);
            out.write(length);
            out.writeBytes(packet.body());
        }
        return out.toByteArray();
    }
}
