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
}
