package org.mailseal.crypto.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Base64TextTest {
    private static byte[] decode(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Base64Text.Decoded decoded = Base64Text.decode(bytes, 0, bytes.length);
        return Arrays.copyOf(decoded.data(), decoded.length());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 76, 60, 63, 1, 7})
    void decodesWhatTheJdkEncodesAtAnyLineLength(int lineLength) throws IOException {
        Random random = new Random(lineLength);
        for (int size : new int[] {0, 1, 2, 3, 4, 47, 48, 49, 1000, 65537}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            String encoded = Base64.getEncoder().encodeToString(data);
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < encoded.length(); i += lineLength) {
                lines.append(encoded, i, Math.min(encoded.length(), i + lineLength)).append("\r\n");
            }
            assertThat(decode(lines.toString())).as("size %d", size).isEqualTo(data);
        }
    }

    @Test
    void unpaddedFinalQuadsDecode() throws IOException {
        assertThat(decode("YQ")).isEqualTo("a".getBytes(StandardCharsets.US_ASCII));
        assertThat(decode("YWI")).isEqualTo("ab".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void charactersOutsideTheAlphabetAreErrors() {
        assertThatThrownBy(() -> decode("YWJj\r\n--boundary\r\n")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decode("YW*j")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decode("YQ==YWJj")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decode("Y")).isInstanceOf(IOException.class);
    }
}
