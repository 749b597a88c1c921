package org.mailseal.crypto.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalLineInputStreamTest {
    /** Delivers at most {@code step} bytes per read, to split input at every possible place. */
    private static InputStream trickle(byte[] data, int step) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static String canonical(String input, int step) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[step + 2];
        try (InputStream in = new CanonicalLineInputStream(trickle(input.getBytes(StandardCharsets.ISO_8859_1), step))) {
            int n;
            while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, n);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 70000})
    void everyLineEndingBecomesCrlfWhereverTheInputIsSplit(int step) throws IOException {
        assertThat(canonical("a\r\nb\nc\rd\r\n\r\ne", step)).isEqualTo("a\r\nb\r\nc\r\nd\r\n\r\ne");
        assertThat(canonical("\n\n\r\r", step)).isEqualTo("\r\n\r\n\r\n\r\n");
        assertThat(canonical("end with cr\r", step)).isEqualTo("end with cr\r\n");
        assertThat(canonical("already\r\ncanonical\r\n", step)).isEqualTo("already\r\ncanonical\r\n");
        assertThat(canonical("", step)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 100000})
    void largeMixedInputMatchesALineByLineConversion(int step) throws IOException {
        StringBuilder input = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        String[] endings = {"\r\n", "\n", "\r"};
        for (int i = 0; i < 20000; i++) {
            String line = "line " + i + " ".repeat(i % 13);
            input.append(line).append(endings[(i * 7) % 3 == 0 ? 0 : (i % 5 == 0 ? 1 : 0)]);
            expected.append(line).append("\r\n");
        }
        assertThat(canonical(input.toString(), step)).isEqualTo(expected.toString());
    }
}
