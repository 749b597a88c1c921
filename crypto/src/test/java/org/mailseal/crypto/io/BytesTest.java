package org.mailseal.crypto.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte searches, against the obvious loop, on data chosen to hold near misses. */
class BytesTest {
    private static int naive(byte[] data, int from, int to, byte[] needle) {
        for (int i = Math.max(from, 0); i + needle.length <= to; i++) {
            boolean match = true;
            for (int j = 0; j < needle.length && match; j++) {
                match = data[i + j] == needle[j];
            }
            if (match) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void indexOfFindsWhatTheObviousLoopFinds() {
        Random random = new Random(2046);
        for (int round = 0; round < 3000; round++) {
            // A small alphabet makes partial matches common; the needle is sometimes planted, sometimes not.
            int alphabet = 2 + random.nextInt(4);
            byte[] data = new byte[random.nextInt(5000)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) ('a' + random.nextInt(alphabet));
            }
            byte[] needle = new byte[1 + random.nextInt(40)];
            for (int i = 0; i < needle.length; i++) {
                needle[i] = (byte) ('a' + random.nextInt(alphabet));
            }
            if (random.nextBoolean() && data.length > needle.length) {
                System.arraycopy(needle, 0, data, random.nextInt(data.length - needle.length), needle.length);
            }
            int from = data.length == 0 ? 0 : random.nextInt(data.length);
            int to = from + random.nextInt(data.length - from + 1);
            assertThat(Bytes.indexOf(data, from, to, needle)).as("round %d", round)
                    .isEqualTo(naive(data, from, to, needle));
            assertThat(Bytes.indexOf(data, 0, data.length, needle)).isEqualTo(naive(data, 0, data.length, needle));
        }
    }
}
