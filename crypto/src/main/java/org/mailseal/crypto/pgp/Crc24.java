package org.mailseal.crypto.pgp;

/**
 * CRC-24 of ASCII armor (RFC 4880 §6.1: generator 0x864CFB, initial value 0xB704CE). GnuPG 2.2 needs the checksum
 * line to recognise the end of the armor, so mailseal writes it although RFC 9580 made it optional. Table-driven,
 * a byte per step.
 */
final class Crc24 {
    private static final int INIT = 0xB704CE;
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 16;
            for (int bit = 0; bit < 8; bit++) {
                crc <<= 1;
                if ((crc & 0x1000000) != 0) {
                    crc ^= 0x1864CFB;
                }
            }
            TABLE[i] = crc & 0xFFFFFF;
        }
    }

    private int crc = INIT;

    void update(byte[] b, int off, int len) {
        int c = crc;
        for (int i = off, end = off + len; i < end; i++) {
            c = (c << 8) ^ TABLE[((c >>> 16) ^ b[i]) & 0xff];
        }
        crc = c & 0xFFFFFF;
    }

    int value() {
        return crc & 0xFFFFFF;
    }
}
