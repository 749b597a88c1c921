package org.mailseal.server.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulated link of {@code bench sync --link}: bytes arrive whole and in order, and never sooner than the delay
 * and the rate allow. Only lower bounds on time are checked, which hold however busy the machine is.
 */
class EmulatedLinkTest {
    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (true) {
                Socket s;
                try {
                    s = echo.accept();
                } catch (IOException e) {
                    return;
                }
                Thread t = new Thread(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                    } catch (IOException ignored) {
                        // the test closed its end
                    }
                });
                t.setDaemon(true);
                t.start();
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void stopEchoServer() throws IOException {
        echo.close();
    }

    @Test
    void parsesRatesAndRoundTripsAsTcWritesThem() {
        assertThat(EmulatedLink.Spec.parse("2mbit,60ms")).isEqualTo(new EmulatedLink.Spec(2_000_000, 60_000_000));
        assertThat(EmulatedLink.Spec.parse(" 20MBit , 20ms")).isEqualTo(new EmulatedLink.Spec(20_000_000, 20_000_000));
        assertThat(EmulatedLink.Spec.parse("512kbit,0.5s")).isEqualTo(new EmulatedLink.Spec(512_000, 500_000_000));
        assertThat(EmulatedLink.Spec.parse("1gbit,0ms")).isEqualTo(new EmulatedLink.Spec(1_000_000_000, 0));
        assertThat(EmulatedLink.Spec.parse("1.5mbit,250us").toString()).isEqualTo("1.5 Mbit/s, 0.25 ms round trip");
    }

    @Test
    void rejectsWhatIsNotRateCommaRoundTrip() {
        for (String bad : new String[] {"", "2mbit", "2mbit,", ",40ms", "2mbit,40ms,1", "2,40ms", "2mbps,40ms",
            "2MB,40ms", "2mbit,40", "2mbit,40sec", "-2mbit,40ms", "2mbit,-40ms", "0mbit,40ms", "1bit,40ms",
            "2mbit,11s", "1e3mbit,40ms", "200gbit,40ms"}) {
            assertThatThrownBy(() -> EmulatedLink.Spec.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("link");
        }
    }

    @Test
    void aRoundTripTakesAtLeastTheRoundTripTime() throws IOException {
        try (EmulatedLink link = EmulatedLink.start(EmulatedLink.Spec.parse("100mbit,80ms"), "127.0.0.1", echo.getLocalPort());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port())) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                s.getOutputStream().write(("ping " + i + "\n").getBytes());
                byte[] back = s.getInputStream().readNBytes(7);
                long elapsed = System.nanoTime() - start;
                assertThat(new String(back)).isEqualTo("ping " + i + "\n");
                assertThat(elapsed).as("round trip %d in ns", i).isGreaterThanOrEqualTo(80_000_000L);
            }
        }
    }

    @Test
    void bytesArriveWholeInOrderAndNoFasterThanTheRate() throws Exception {
        int n = 300_000;
        byte[] data = new byte[n];
        new Random(1).nextBytes(data);
        // 4 Mbit/s = 500,000 bytes/s: 0.6 s at the least each way (the echo pipelines the two directions).
        try (EmulatedLink link = EmulatedLink.start(EmulatedLink.Spec.parse("4mbit,20ms"), "127.0.0.1", echo.getLocalPort());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port())) {
            long start = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < n; off += 1000) {
                        out.write(data, off, Math.min(1000, n - off));
                    }
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // the read below fails too
                }
            });
            writer.start();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            in.transferTo(received);
            long elapsed = System.nanoTime() - start;
            writer.join();
            assertThat(received.toByteArray()).isEqualTo(data);
            assertThat(elapsed).as("ns for %d bytes at 4 Mbit/s", n).isGreaterThanOrEqualTo(600_000_000L + 20_000_000L);
        }
    }

    @Test
    void connectionsShareTheRateOfTheLink() throws Exception {
        int n = 100_000;
        // 8 Mbit/s = 1,000,000 bytes/s: two connections sending 100,000 bytes each need 0.2 s at the least.
        try (EmulatedLink link = EmulatedLink.start(EmulatedLink.Spec.parse("8mbit,0ms"), "127.0.0.1", echo.getLocalPort());
             Socket a = new Socket(InetAddress.getLoopbackAddress(), link.port());
             Socket b = new Socket(InetAddress.getLoopbackAddress(), link.port())) {
            long start = System.nanoTime();
            Thread[] threads = new Thread[2];
            byte[][] back = new byte[2][];
            Socket[] sockets = {a, b};
            for (int i = 0; i < 2; i++) {
                Socket s = sockets[i];
                int k = i;
                threads[i] = new Thread(() -> {
                    try {
                        s.getOutputStream().write(new byte[n]);
                        s.shutdownOutput();
                        back[k] = s.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        back[k] = new byte[0];
                    }
                });
                threads[i].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(back[0]).hasSize(n);
            assertThat(back[1]).hasSize(n);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
        }
    }

    @Test
    void whenTheServerClosesTheClientSeesTheEnd() throws IOException {
        try (ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = closing.accept()) {
                    s.getOutputStream().write("* BYE\r\n".getBytes());
                } catch (IOException ignored) {
                    // the assertion below fails
                }
            });
            t.start();
            try (EmulatedLink link = EmulatedLink.start(EmulatedLink.Spec.parse("10mbit,10ms"), "127.0.0.1",
                    closing.getLocalPort());
                 Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port())) {
                s.setSoTimeout(10_000);
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("* BYE\r\n");
            }
        }
    }
}
