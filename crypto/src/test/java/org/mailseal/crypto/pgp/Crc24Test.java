package org.mailseal.crypto.pgp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.bouncycastle.bcpg.CRC24;
import org.junit.jupiter.api.Test;

class Crc24Test {
    @Test
    void matchesBouncyCastlesByteAtATimeCrcForEveryLengthAndSplit() {
        Random random = new Random(24);
        for (int length = 0; length < 100; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            CRC24 reference = new CRC24();
            for (byte b : data) {
                reference.update(b);
            }
            Crc24 whole = new Crc24();
            whole.update(data, 0, length);
            Crc24 split = new Crc24();
            int cut = length / 3;
            split.update(data, 0, cut);
            split.update(data, cut, length - cut);
            assertThat(whole.value()).as("length %d", length).isEqualTo(reference.getValue());
            assertThat(split.value()).isEqualTo(reference.getValue());
        }
    }

    @Test
    void aChangedPrefixCorrectsTheChecksumWithoutTheRest() {
        Random random = new Random(9580);
        for (int round = 0; round < 200; round++) {
            int length = 1 + random.nextInt(5000);
            int prefix = 1 + random.nextInt(Math.min(length, 700));
            byte[] old = new byte[length];
            random.nextBytes(old);
            byte[] changed = old.clone();
            for (int i = 0; i < prefix; i++) {
                changed[i] = (byte) random.nextInt(256);
            }
            byte[] difference = new byte[prefix];
            for (int i = 0; i < prefix; i++) {
                difference[i] = (byte) (old[i] ^ changed[i]);
            }
            Crc24 before = new Crc24();
            before.update(old, 0, length);
            Crc24 after = new Crc24();
            after.update(changed, 0, length);
            int corrected = before.value() ^ Crc24.shift(Crc24.ofDifference(difference, 0, prefix), length - prefix);
            assertThat(corrected).as("length %d, prefix %d", length, prefix).isEqualTo(after.value());
        }
    }
}
