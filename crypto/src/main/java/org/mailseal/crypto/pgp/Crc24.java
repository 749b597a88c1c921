package org.mailseal.crypto.pgp;

/**
 * CRC-24 of ASCII armor (RFC 4880 §6.1: generator 0x864CFB, initial value 0xB704CE). GnuPG 2.2 needs the checksum
 * line to recognise the end of the armor, so mailseal writes it although RFC 9580 made it optional.
 *
 * <p>Computed eight bytes per step ("slicing-by-8") with the 24-bit register kept in the top of an int, so that
 * the byte-at-a-time dependency chain does not cap the throughput of armoring large messages.
 */
final class Crc24 {
    private static final int POLY = 0x864CFB << 8;
    private static final int INIT = 0xB704CE << 8;
    private static final int[][] TABLES = new int[8][256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 24;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ POLY : crc << 1;
            }
            TABLES[0][i] = crc;
        }
        for (int t = 1; t < 8; t++) {
            for (int i = 0; i < 256; i++) {
                int previous = TABLES[t - 1][i];
                TABLES[t][i] = (previous << 8) ^ TABLES[0][previous >>> 24];
            }
        }
    }

    private int crc = INIT;

    Crc24() {}

    private Crc24(int register) {
        this.crc = register << 8;
    }

    /**
     * The CRC of {@code len} bytes with a zero initial register. The CRC is linear: for two messages of one length,
     * their CRCs differ by exactly this CRC of their XOR, which lets a checksum be corrected for a changed prefix
     * without reading the rest ({@link #shift}).
     */
    static int ofDifference(byte[] b, int off, int len) {
        Crc24 crc = new Crc24(0);
        crc.update(b, off, len);
        return crc.value();
    }

    /**
     * The register after {@code zeroBytes} more zero bytes, from a zero-initialised register holding {@code crc}:
     * crc · x^(8 · zeroBytes) mod P, by squaring, in O(log n) steps.
     */
    static int shift(int crc, long zeroBytes) {
        int result = crc;
        int power = 0x100; // x^8 mod P
        for (long n = zeroBytes; n > 0; n >>>= 1) {
            if ((n & 1) != 0) {
                result = multiply(result, power);
            }
            power = multiply(power, power);
        }
        return result;
    }

    /** a · b mod P in GF(2)[x], P = x^24 + 0x864CFB. */
    private static int multiply(int a, int b) {
        int product = 0;
        for (int bit = 23; bit >= 0; bit--) {
            product <<= 1;
            if ((product & 0x1000000) != 0) {
                product ^= 0x1864CFB;
            }
            if ((b & (1 << bit)) != 0) {
                product ^= a;
            }
        }
        return product;
    }

    void update(byte[] b, int off, int len) {
        int[] t0 = TABLES[0];
        int[] t1 = TABLES[1];
        int[] t2 = TABLES[2];
        int[] t3 = TABLES[3];
        int[] t4 = TABLES[4];
        int[] t5 = TABLES[5];
        int[] t6 = TABLES[6];
        int[] t7 = TABLES[7];
        int c = crc;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            c ^= (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
            c = t7[c >>> 24] ^ t6[(c >>> 16) & 0xff] ^ t5[(c >>> 8) & 0xff] ^ t4[c & 0xff]
                    ^ t3[b[i + 4] & 0xff] ^ t2[b[i + 5] & 0xff] ^ t1[b[i + 6] & 0xff] ^ t0[b[i + 7] & 0xff];
        }
        for (; i < end; i++) {
            c = (c << 8) ^ t0[(c >>> 24) ^ (b[i] & 0xff)];
        }
        crc = c;
    }

    int value() {
        return crc >>> 8;
    }
}
