package org.mailseal.crypto.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.LimitExceededException;

class MimePartsTest {
    private static MimeParts parts(String message) {
        byte[] data = message.getBytes(StandardCharsets.ISO_8859_1);
        return new MimeParts(data, data.length, CryptoLimits.DEFAULTS);
    }

    private static String body(MimeParts mime, MimeParts.Entity entity) {
        return new String(mime.data(), entity.bodyStart(), entity.end() - entity.bodyStart(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void splitsAtDelimitersOnlyAndKeepsTheCrlfWithTheDelimiter() throws Exception {
        MimeParts mime = parts("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                + "preamble --b not a delimiter\r\n"
                + "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--bb not this\r\n"
                + "--b \t\r\n\r\ntwo\r\n"
                + "--b--\r\nepilogue\r\n");
        List<MimeParts.Entity> children = mime.children(mime.message());
        assertThat(children).hasSize(2);
        assertThat(body(mime, children.get(0))).isEqualTo("one\r\n--bb not this");
        assertThat(children.get(0).contentType().is("text/plain")).isTrue();
        assertThat(body(mime, children.get(1))).isEqualTo("two");
        assertThat(children.get(1).contentType()).isEqualTo(ContentType.DEFAULT);
    }

    @Test
    void aDelimiterRightAtTheStartOfTheBodyCountsAndAMissingCloseEndsAtTheEnd() throws Exception {
        MimeParts mime = parts("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nonly\r\n");
        List<MimeParts.Entity> children = mime.children(mime.message());
        assertThat(children).hasSize(1);
        assertThat(body(mime, children.get(0))).isEqualTo("only\r\n");
    }

    @Test
    void deepNestingIsRefusedWithoutRecursion() {
        StringBuilder message = new StringBuilder();
        int depth = 10_000;
        for (int i = 0; i < depth; i++) {
            message.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i).append("\r\n");
        }
        message.append("\r\ndeep\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            message.append("\r\n--b").append(i).append("--\r\n");
        }
        assertThatThrownBy(() -> parts(message.toString()).checkStructure())
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("nesting deeper than 50");
    }

    @Test
    void tooManyPartsAreRefused() {
        StringBuilder message = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (int i = 0; i < 10_001; i++) {
            message.append("--b\r\n\r\n").append(i).append("\r\n");
        }
        message.append("--b--\r\n");
        assertThatThrownBy(() -> parts(message.toString()).checkStructure())
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("more than 10000 MIME parts");
    }
}
