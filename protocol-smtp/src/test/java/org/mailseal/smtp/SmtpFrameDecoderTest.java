package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpFrameDecoderTest {
    /**
     * Plays the session: records frames as text, asks for content after DATA and for lines otherwise, and can
     * throw away buffered input after STARTTLS.
     */
    static final class Session extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream content = new ByteArrayOutputStream();
        SmtpFrameDecoder decoder;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SmtpFrame.Line line) {
                events.add("LINE " + line.text());
                if (line.text().equalsIgnoreCase("STARTTLS")) {
                    decoder.discardBuffered();
                }
                if (line.text().equalsIgnoreCase("DATA")) {
                    decoder.requestData();
                } else {
                    decoder.requestLine();
                }
            } else if (msg instanceof SmtpFrame.LineTooLong) {
                events.add("TOO LONG");
                decoder.requestLine();
            } else if (msg instanceof SmtpFrame.Data data) {
                try {
                    byte[] bytes = new byte[data.content().readableBytes()];
                    data.content().getBytes(data.content().readerIndex(), bytes);
                    content.writeBytes(bytes);
                } finally {
                    data.release();
                }
            } else if (msg instanceof SmtpFrame.DataEnd end) {
                events.add("MESSAGE " + content.toString(StandardCharsets.ISO_8859_1)
                        + (end.bareLineEndings() ? " [bare]" : "") + (end.lineTooLong() ? " [long]" : ""));
                content.reset();
                decoder.requestLine();
            }
        }
    }

    static Session run(List<byte[]> writes, int maxCommand, int maxText) {
        Session session = new Session();
        session.decoder = new SmtpFrameDecoder(maxCommand, maxText);
        EmbeddedChannel channel = new EmbeddedChannel(session.decoder, session);
        session.decoder.requestLine();
        for (byte[] write : writes) {
            channel.writeInbound(Unpooled.wrappedBuffer(write));
        }
        assertThat(channel.finish()).isFalse();
        return session;
    }

    /** Feeds the input split at every byte boundary, and byte by byte, and checks that the result never changes. */
    static List<String> decodeEverySplit(String input) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        List<String> whole = run(List.of(bytes), 512, 1000).events;
        for (int cut = 1; cut < bytes.length; cut++) {
            List<byte[]> two = List.of(java.util.Arrays.copyOfRange(bytes, 0, cut),
                    java.util.Arrays.copyOfRange(bytes, cut, bytes.length));
            assertThat(run(two, 512, 1000).events).as("split at %d", cut).isEqualTo(whole);
        }
        List<byte[]> single = new ArrayList<>();
        for (byte b : bytes) {
            single.add(new byte[] {b});
        }
        assertThat(run(single, 512, 1000).events).as("byte by byte").isEqualTo(whole);
        return whole;
    }

    @Test
    void commandsAndContentWhereverTheInputIsSplit() {
        List<String> events = decodeEverySplit("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nDATA\r\n"
                + "Subject: dots\r\n\r\n..leading dot\r\n..\r\nlast line\r\n.\r\nQUIT\r\n");
        assertThat(events).containsExactly("LINE EHLO client.example", "LINE MAIL FROM:<a@example.org>", "LINE DATA",
                "MESSAGE Subject: dots\r\n\r\n.leading dot\r\n.\r\nlast line\r\n", "LINE QUIT");
    }

    @Test
    void anEmptyMessageAndABareLfInACommandLine() {
        List<String> events = decodeEverySplit("DATA\r\n.\r\nNOOP\nstill the same line\r\n");
        assertThat(events).containsExactly("LINE DATA", "MESSAGE ", "LINE NOOP\nstill the same line");
    }

    /** SMTP smuggling (2023): every end-of-data look-alike is content; only CRLF.CRLF ends the message. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\n", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\n.\r", "\r\n\u0000.\r\n"})
    void smugglingLookAlikesDoNotEndTheMessage(String lookAlike) {
        String smuggled = "MAIL FROM:<attacker@evil.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nsmuggled\r\n";
        List<String> events = decodeEverySplit("DATA\r\nSubject: first\r\n\r\nbody" + lookAlike + smuggled
                + ".\r\nQUIT\r\n");
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isEqualTo("LINE DATA");
        assertThat(events.get(1)).startsWith("MESSAGE Subject: first").contains("MAIL FROM:<attacker@evil.example>");
        assertThat(events.get(2)).isEqualTo("LINE QUIT");
    }

    @Test
    void bareLineEndingsAndOverlongContentLinesAreFlagged() {
        assertThat(decodeEverySplit("DATA\r\na\nb\r\n.\r\n")).contains("MESSAGE a\nb\r\n [bare]");
        assertThat(decodeEverySplit("DATA\r\na\rb\r\n.\r\n")).contains("MESSAGE a\rb\r\n [bare]");
        assertThat(decodeEverySplit("DATA\r\nx\r\r\n.\r\n")).contains("MESSAGE x\r\r\n [bare]");
        String longLine = "y".repeat(999);
        assertThat(run(List.of(("DATA\r\n" + longLine + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII)), 512, 1000).events)
                .anyMatch(e -> e.endsWith("[long]"));
        assertThat(run(List.of(("DATA\r\n" + longLine.substring(1) + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII)), 512, 1000).events)
                .noneMatch(e -> e.endsWith("[long]"));
    }

    /**
     * RFC 3207 §4.2: what the client pipelined behind STARTTLS in the same write is thrown away. (What arrives
     * later goes through the TLS handler that the session puts in front of the decoder.)
     */
    @Test
    void startTlsDiscardsWhatWasPipelinedBehindIt() {
        Session session = run(List.of("STARTTLS\r\nRSET\r\nMAIL FROM:<x@example.org>\r\n".getBytes(StandardCharsets.US_ASCII)),
                512, 1000);
        assertThat(session.events).containsExactly("LINE STARTTLS");
    }

    @Test
    void aMegabyteLineWithoutCrlfIsDiscardedWithBoundedMemory() {
        Session session = new Session();
        session.decoder = new SmtpFrameDecoder(512, 1000);
        EmbeddedChannel channel = new EmbeddedChannel(session.decoder, session);
        session.decoder.requestLine();
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'A');
        int maxBuffered = 0;
        for (int i = 0; i < 16; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
            maxBuffered = Math.max(maxBuffered, session.decoder.buffered());
        }
        assertThat(session.events).isEmpty();
        assertThat(maxBuffered).isLessThanOrEqualTo(512);
        channel.writeInbound(Unpooled.copiedBuffer("AAA\r\nNOOP\r\n", StandardCharsets.US_ASCII));
        assertThat(session.events).containsExactly("TOO LONG", "LINE NOOP");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aCommandLineOfExactlyTheLimitIsAcceptedAndOneMoreIsNot() {
        String fits = "NOOP " + "x".repeat(512 - 7);
        assertThat(run(List.of((fits + "\r\n").getBytes(StandardCharsets.US_ASCII)), 512, 1000).events)
                .containsExactly("LINE " + fits);
        assertThat(run(List.of((fits + "x\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII)), 512, 1000).events)
                .containsExactly("TOO LONG", "LINE QUIT");
    }

    @Test
    void nothingIsDecodedUntilTheSessionAsks() {
        SmtpFrameDecoder decoder = new SmtpFrameDecoder(512, 1000);
        List<Object> seen = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                seen.add(msg);
            }
        });
        channel.writeInbound(Unpooled.copiedBuffer("NOOP\r\nQUIT\r\n", StandardCharsets.US_ASCII));
        assertThat(seen).isEmpty();
        decoder.requestLine();
        assertThat(seen).containsExactly(new SmtpFrame.Line("NOOP"));
        decoder.requestLine();
        assertThat(seen).containsExactly(new SmtpFrame.Line("NOOP"), new SmtpFrame.Line("QUIT"));
        assertThat(decoder.buffered()).isZero();
        assertThat(channel.finish()).isFalse();
    }
}
