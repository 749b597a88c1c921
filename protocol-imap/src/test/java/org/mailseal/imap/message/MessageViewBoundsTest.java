package org.mailseal.imap.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile structure stays bounded: no deep recursion, no unbounded part lists, no exceptions. */
class MessageViewBoundsTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Multiparts each the only part of the one outside it; no boundary is a prefix of another (RFC 2046 §5.1.1). */
    private static byte[] deeplyNested(int depth) {
        StringBuilder m = new StringBuilder("Subject: deep\r\n");
        for (int i = 0; i < depth; i++) {
            m.append("Content-Type: multipart/mixed; boundary=b").append(i).append("x\r\n\r\n--b").append(i)
                    .append("x\r\n");
        }
        m.append("Content-Type: text/plain\r\n\r\nleaf\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            m.append("--b").append(i).append("x--\r\n");
        }
        return ascii(m.toString());
    }

    @Test
    void tenThousandNestedMultipartsStopAtMaxDepth() {
        byte[] message = deeplyNested(10_000);
        MessageView view = MessageView.parse(message, 50, 10_000);

        String structure = new String(view.bodyStructure(), StandardCharsets.US_ASCII);
        // 50 levels are split; the multipart at depth 50 is an opaque leaf with its own type
        assertThat(structure).startsWith("(".repeat(51) + "\"multipart\" \"mixed\" (\"boundary\" \"b50x\") NIL NIL \"7bit\" ");
        assertThat(structure).doesNotContain("b51x");
        assertThat(view.body()).isNotEmpty();
        assertThat(view.size()).isEqualTo(message.length);
        // part 1.1.(...).1 at depth 50 is the opaque leaf; as for any leaf, its "1" is itself (RFC 3501 §6.4.5)
        byte[] opaque = view.section("1.".repeat(49) + "1");
        assertThat(new String(opaque, StandardCharsets.US_ASCII)).startsWith("--b50x\r\n").endsWith("\r\n--b50x--");
        assertThat(view.section("1.".repeat(50) + "1")).isEqualTo(opaque);
        assertThat(view.section("1.".repeat(51) + "1")).isNull();
    }

    @Test
    void maximumDepthOfAThousandIsSafeForTheWriters() {
        MessageView view = MessageView.parse(deeplyNested(10_000), 1000, 100_000);
        assertThat(view.bodyStructure()).isNotEmpty();
        assertThat(view.section("1.".repeat(999) + "1")).isNotNull();
    }

    @Test
    void nestedMessagesStopAtMaxDepth() {
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            m.append("Subject: level ").append(i).append("\r\nContent-Type: message/rfc822\r\n\r\n");
        }
        m.append("innermost\r\n");
        MessageView view = MessageView.parse(ascii(m.toString()), 20, 1000);
        assertThat(view.bodyStructure()).isNotEmpty();
        assertThat(view.envelope()).isNotEmpty();
    }

    @Test
    void hundredThousandPartsStopAtMaxParts() {
        StringBuilder m = new StringBuilder("Content-Type: multipart/mixed; boundary=x\r\n\r\n");
        for (int i = 0; i < 100_000; i++) {
            m.append("--x\r\n\r\n").append(i).append("\r\n");
        }
        m.append("--x--\r\n");
        MessageView view = MessageView.parse(ascii(m.toString()), 10, 1000);

        String structure = new String(view.bodyStructure(), StandardCharsets.US_ASCII);
        // the root plus 999 parts; what follows is part of the last part's multipart body
        assertThat(structure.split("\"text\" \"plain\"", -1)).hasSize(1000);
        assertThat(view.section("999")).isNotNull();
        assertThat(view.section("1000")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "\r\n", "\r\n\r\n", "--", "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n----\r\n",
        "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a", "Content-Type: message/rfc822",
        "Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n--d--",
        "From: <\r\nTo: \"unterminated\r\nCc: (((\r\nContent-Type: text/plain; a*=x; a*1*=y; a*0=z\r\n\r\n",
        "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a--",
        "\0\0\0\r\n\0"
    })
    void malformedInputNeverThrows(String message) {
        MessageView view = MessageView.parse(message.getBytes(StandardCharsets.ISO_8859_1), 10, 100);
        assertThat(view.bodyStructure()).isNotEmpty();
        assertThat(view.body()).isNotEmpty();
        assertThat(view.envelope()).isNotEmpty();
        for (String s : new String[] {"", "HEADER", "TEXT", "1", "1.MIME", "1.1", "2", "1.HEADER",
                                      "HEADER.FIELDS (FROM)", "1.HEADER.FIELDS.NOT (TO)"}) {
            byte[] octets = view.section(s);
            if (octets != null) {
                assertThat(octets).doesNotContain(0);
            }
        }
    }

    @Test
    void bareLineFeedsAreReadAsCrlf() {
        MessageView view = MessageView.parse(ascii("Subject: lf\n\nbody\n"), 10, 100);
        assertThat(view.size()).isEqualTo(21);
        assertThat(view.section("TEXT")).isEqualTo(ascii("body\r\n"));
    }

    @Test
    void limitsAreCheckedUpFront() {
        assertThatThrownBy(() -> MessageView.parse(new byte[0], -1, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDepth");
        assertThatThrownBy(() -> MessageView.parse(new byte[0], 1001, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDepth");
        assertThatThrownBy(() -> MessageView.parse(new byte[0], 10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxParts");
        MessageView view = MessageView.parse(new byte[0], 10, 1);
        assertThatThrownBy(() -> view.section("1..2")).isInstanceOf(IllegalArgumentException.class);
    }
}
