package org.mailseal.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle's arithmetic, on a clock the test turns. */
class AuthThrottleTest {
    private final AtomicLong now = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AuthThrottle throttle = new AuthThrottle(new AuthThrottle.Settings(3, Duration.ofMinutes(10),
            Duration.ofSeconds(1), Duration.ofSeconds(5)), meters, now::get);
    private final InetAddress a = InetAddress.getLoopbackAddress();
    private final InetAddress b = address("192.0.2.2");

    @Test
    void delaysDoubleUpToTheCeilingAndTheThirdFailureClosesTheDoor() {
        assertThat(throttle.refusal("imap", a, "alice")).isEmpty();
        assertThat(throttle.failed("imap", a, "alice")).isEqualTo(Duration.ofSeconds(1));
        assertThat(throttle.failed("imap", a, "alice")).isEqualTo(Duration.ofSeconds(2));
        assertThat(throttle.refusal("imap", a, "alice")).isEmpty();
        assertThat(throttle.failed("imap", a, "alice")).isEqualTo(Duration.ofSeconds(4));
        assertThat(throttle.refusal("imap", a, "alice")).contains(Duration.ofSeconds(5));
        assertThat(meters.counter("mailseal.auth.failures", "protocol", "imap").count()).isEqualTo(3);
        assertThat(meters.counter("mailseal.auth.throttled", "protocol", "imap").count()).isEqualTo(1);
    }

    @Test
    void anAddressIsRefusedForEveryUserAndAUserFromEveryAddress() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("smtp", a, "user" + i);
        }
        assertThat(throttle.refusal("smtp", a, "someone-else")).isPresent();
        assertThat(throttle.refusal("smtp", b, "someone-else")).isEmpty();
        for (int i = 0; i < 3; i++) {
            throttle.failed("smtp", address("198.51.100." + i), "Carol");
        }
        assertThat(throttle.refusal("smtp", b, "carol")).as("user names compare without case").isPresent();
    }

    @Test
    void aWindowWithoutFailuresForgetsAndSuccessForgetsOnlyTheUser() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("pop3", a, "alice");
        }
        throttle.succeeded(b, "alice");
        assertThat(throttle.refusal("pop3", b, "alice")).as("the user's count is gone").isEmpty();
        assertThat(throttle.refusal("pop3", a, "bob")).as("the address's count stays").isPresent();
        now.addAndGet(Duration.ofMinutes(10).plusSeconds(1).toNanos());
        assertThat(throttle.refusal("pop3", a, "bob")).isEmpty();
        assertThat(throttle.failed("pop3", a, "bob")).isEqualTo(Duration.ofSeconds(1));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
