package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DotStufferTest {
    private static String stuff(String... chunks) {
        DotStuffer stuffer = new DotStuffer();
        StringBuilder out = new StringBuilder();
        for (String chunk : chunks) {
            byte[] padded = ("xx" + chunk + "yy").getBytes(StandardCharsets.ISO_8859_1); // offsets are honoured
            ByteBuf stuffed = stuffer.stuff(padded, 2, padded.length - 4, ByteBufAllocator.DEFAULT);
            out.append(stuffed.toString(StandardCharsets.ISO_8859_1));
            stuffed.release();
        }
        ByteBuf end = stuffer.end(ByteBufAllocator.DEFAULT);
        out.append(end.toString(StandardCharsets.ISO_8859_1));
        end.release();
        return out.toString();
    }

    @Test
    void leadingDotsAreDoubledAndTheEndIsAppended() {
        assertThat(stuff(".a\r\nb\r\n.\r\n")).isEqualTo("..a\r\nb\r\n..\r\n.\r\n");
        assertThat(stuff(".", "a\r", "\n.", "\r\n")).isEqualTo("..a\r\n..\r\n.\r\n");
        assertThat(stuff("no final line end")).isEqualTo("no final line end\r\n.\r\n");
        assertThat(stuff("")).isEqualTo(".\r\n");
    }

    @Test
    void bareLineEndsBecomeCrlfAndTheResultDoesNotDependOnHowTheContentIsCut() {
        String content = "ab\r\n.cd\r\n..\n.\rx\r\r\n.\n\nplain text line\r\n.";
        String expected = "ab\r\n..cd\r\n...\r\n..\r\nx\r\n\r\n..\r\n\r\nplain text line\r\n..\r\n.\r\n";
        assertThat(stuff(content)).isEqualTo(expected);
        for (int i = 0; i <= content.length(); i++) {
            for (int j = i; j <= content.length(); j++) {
                assertThat(stuff(content.substring(0, i), content.substring(i, j), content.substring(j)))
                        .as("cut at %d and %d", i, j).isEqualTo(expected);
            }
        }
    }

    /** Whatever the content, the stuffed form holds CRLF.CRLF only at its very end, and no bare CR or LF. */
    @Test
    void smugglingLookAlikesCannotEndTheDataUpstream() {
        for (String lookAlike : List.of("\n.\n", "\n.\r\n", "\r.\n", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\n.\r", "\r")) {
            String stuffed = stuff("body" + lookAlike + "MAIL FROM:<evil@example.org>\r\n");
            assertThat(stuffed.indexOf("\r\n.\r\n")).as(lookAlike).isEqualTo(stuffed.length() - 5);
            assertThat(stuffed.replace("\r\n", "")).as(lookAlike).doesNotContain("\r").doesNotContain("\n");
        }
    }
}
