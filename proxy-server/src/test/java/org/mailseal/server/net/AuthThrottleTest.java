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
    void anAddressIsRefusedForEveryUserButAUserIsOnlySlowedDown() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("smtp", a, "user" + i);
        }
        assertThat(throttle.refusal("smtp", a, "someone-else")).isPresent();
        assertThat(throttle.refusal("smtp", b, "someone-else")).isEmpty();
        for (int i = 0; i < 5; i++) {
            throttle.failed("smtp", address("198.51.100." + i), "Carol");
        }
        // Nobody can lock carol out by failing at her name: her own attempts still reach the server, ...
        assertThat(throttle.refusal("smtp", b, "carol")).isEmpty();
        // ... only their refusals wait as long as her count says (user names compare without case).
        assertThat(throttle.failed("smtp", b, "CAROL")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
        for (int i = 1; i <= 3; i++) {
            throttle.failed("imap", address("2001:db8:1:2::" + i), "user" + i);
        }
        assertThat(throttle.refusal("imap", address("2001:db8:1:2:ffff::9"), "next")).isPresent();
        assertThat(throttle.refusal("imap", address("2001:db8:1:3::1"), "next")).isEmpty();
    }

    @Test
    void aWindowWithoutFailuresForgetsAndSuccessForgetsOnlyTheUser() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("pop3", a, "alice");
        }
        throttle.succeeded(b, "alice");
        assertThat(throttle.failed("pop3", b, "alice")).as("the user's count is gone").isEqualTo(Duration.ofSeconds(1));
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
