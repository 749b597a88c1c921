package org.mailseal.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The response and command decoders, fed every way a stream can be cut, and dot-stuffing both ways. */
class Pop3CodecTest {
    private static final String STREAM = "+OK hello\r\n"
            + "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"
            + "-ERR no such message\r\n"
            + "+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n"
            + "+OK\r\n.\r\n";
    private static final boolean[] MULTI = {false, true, true, true, true};

    private static List<String> decode(byte[] stream, int... cuts) {
        Pop3ResponseDecoder decoder = new Pop3ResponseDecoder(ByteBufAllocator.DEFAULT, 1 << 20);
        List<String> responses = new ArrayList<>();
        int from = 0;
        int next = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : stream.length;
            decoder.feed(Unpooled.wrappedBuffer(stream, from, to - from));
            from = to;
            Pop3Response response;
            while (next < MULTI.length && (response = decoder.next(MULTI[next])) != null) {
                responses.add(response.status() + "|" + (response.multiLine()
                        ? response.body().toString(StandardCharsets.US_ASCII) : "") + "|"
                        + response.raw().toString(StandardCharsets.US_ASCII));
                response.release();
                next++;
            }
        }
        decoder.release();
        return responses;
    }

    @Test
    void responsesComeOutTheSameHoweverTheStreamIsCut() {
        byte[] stream = STREAM.getBytes(StandardCharsets.US_ASCII);
        List<String> whole = decode(stream);
        assertThat(whole).containsExactly(
                "+OK hello||+OK hello\r\n",
                "+OK 2 messages|1 120\r\n2 200\r\n|+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n",
                "-ERR no such message||-ERR no such message\r\n", // no body after -ERR, though one was expected
                "+OK|Subject: x\r\n\r\n..dot\r\n|+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n",
                "+OK||+OK\r\n.\r\n");
        for (int a = 1; a < stream.length; a++) {
            assertThat(decode(stream, a)).as("cut at %d", a).isEqualTo(whole);
            for (int b = a + 1; b < stream.length; b += 3) {
                assertThat(decode(stream, a, b)).as("cut at %d and %d", a, b).isEqualTo(whole);
            }
        }
    }

    @Test
    void listingsAreReadUnstuffed() {
        Pop3ResponseDecoder decoder = new Pop3ResponseDecoder(ByteBufAllocator.DEFAULT, 1 << 20);
        decoder.feed(Unpooled.copiedBuffer("+OK\r\nTOP\r\n..odd\r\nSASL PLAIN\r\n.\r\n", StandardCharsets.US_ASCII));
        Pop3Response response = decoder.next(true);
        assertThat(response.lines()).containsExactly("TOP", ".odd", "SASL PLAIN");
        response.release();
        decoder.release();
    }

    @Test
    void aBrokenStreamIsAnErrorNotAHang() {
        Pop3ResponseDecoder garbage = new Pop3ResponseDecoder(ByteBufAllocator.DEFAULT, 1 << 20);
        garbage.feed(Unpooled.copiedBuffer("HELLO\r\n", StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> garbage.next(false)).isInstanceOf(Pop3UpstreamException.class);
        garbage.release();
        Pop3ResponseDecoder endless = new Pop3ResponseDecoder(ByteBufAllocator.DEFAULT, 4096);
        endless.feed(Unpooled.copiedBuffer("+OK\r\n" + "x".repeat(5000) + "\r\n", StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> endless.next(true)).hasMessageContaining("larger than 4096");
        endless.release();
        Pop3ResponseDecoder longStatus = new Pop3ResponseDecoder(ByteBufAllocator.DEFAULT, 1 << 20);
        longStatus.feed(Unpooled.copiedBuffer("+OK " + "y".repeat(9000), StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> longStatus.next(false)).hasMessageContaining("status line longer");
        longStatus.release();
    }

    @Test
    void commandLinesAreCutAtCrlfBoundedAndCheckedOneAtATime() {
        Pop3CommandDecoder decoder = new Pop3CommandDecoder(512);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.copiedBuffer("USER bob\r\nPASS sec ret\r\nRETR 1\n" + "x".repeat(2000)
                + "\r\nNUL\0\r\nNOOP\r\n", StandardCharsets.UTF_8));
        List<Object> frames = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            assertThat((Object) channel.readInbound()).as("nothing before it is asked for").isNull();
            decoder.request();
            frames.add(channel.readInbound());
        }
        assertThat(frames).containsExactly(new Pop3Frame.Line("USER bob"), new Pop3Frame.Line("PASS sec ret"),
                new Pop3Frame.Malformed(), new Pop3Frame.TooLong(), new Pop3Frame.Malformed(),
                new Pop3Frame.Line("NOOP"));
        channel.finishAndReleaseAll();
    }

    @Test
    void dotStuffingRoundTrips() {
        for (String message : new String[] {"", "a\r\n", ".\r\n", "..\r\n.x\r\nno end", "x\r\n.\r\n.\r\n", ".", "\r\n"}) {
            byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
            ByteBuf stuffed = Unpooled.buffer();
            DotStuffing.stuff(bytes, 0, bytes.length, stuffed);
            String wire = stuffed.toString(StandardCharsets.US_ASCII);
            assertThat(wire).as(message).endsWith(".\r\n");
            assertThat(wire.substring(0, wire.length() - 3)).as(message).doesNotContain("\r\n.\r\n")
                    .doesNotStartWith(".\r\n");
            ByteBuf body = stuffed.slice(0, stuffed.readableBytes() - 3);
            String back = new String(DotStuffing.unstuff(body), StandardCharsets.US_ASCII);
            String expected = message.isEmpty() || message.endsWith("\r\n") ? message : message + "\r\n";
            assertThat(back).as(message).isEqualTo(expected);
            stuffed.release();
        }
    }
}
