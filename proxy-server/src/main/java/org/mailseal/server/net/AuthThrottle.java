package org.mailseal.server.net;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication throttling for every protocol: failed logins are counted per client address (an IPv6 client per
 * /64, which one subscriber usually holds whole) and per user name, each failure's reply waits longer than the one
 * before (doubling from {@code delay} up to {@code maxDelay}), and once an address has failed {@code attempts}
 * times, its further attempts are answered as failed without asking the server. A count is forgotten after
 * {@code window} without a failure. The reply and its delay depend only on the counts, never on whether the user
 * exists, so the two look the same.
 *
 * <p>A user's count only slows attempts at that user down (guesses spread over many addresses); it never refuses
 * outright, or anyone could lock anyone out by failing ten times. A success forgets the user's count, not the
 * address's: one account of one's own must not buy more guesses at others from the same address.
 */
public final class AuthThrottle {
    private static final Logger LOG = LoggerFactory.getLogger("mailseal.auth");
    private final Settings settings;
    private final Cache<InetAddress, AtomicInteger> byAddress;
    private final Cache<String, AtomicInteger> byUser;
    private final MeterRegistry meters;

    /**
     * @param attempts failed attempts per client address that reach the server within a window
     * @param window   how long a count lasts after its last failure
     * @param delay    the first failure's delay; each further one doubles it
     * @param maxDelay the longest delay
     */
    public record Settings(int attempts, Duration window, Duration delay, Duration maxDelay) {
        public static final Settings DEFAULTS = new Settings(10, Duration.ofMinutes(15), Duration.ofSeconds(1),
                Duration.ofSeconds(30));

        public Settings {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
            }
            if (delay.compareTo(maxDelay) > 0) {
                throw new IllegalArgumentException("delay " + delay + " is longer than maxDelay " + maxDelay);
            }
        }
    }

    public AuthThrottle(Settings settings, MeterRegistry meters, Ticker ticker) {
        this.settings = settings;
        this.meters = meters;
        this.byAddress = Caffeine.newBuilder().expireAfterWrite(settings.window()).ticker(ticker)
                .maximumSize(1_000_000).build();
        this.byUser = Caffeine.newBuilder().expireAfterWrite(settings.window()).ticker(ticker)
                .maximumSize(1_000_000).build();
    }

    /**
     * Before an attempt: empty to let it reach the server; else the delay after which it is answered as failed
     * without asking, because this address or this user has failed too often.
     */
    public Optional<Duration> refusal(String protocol, InetAddress client, String user) {
        int byClient = count(byAddress.getIfPresent(group(client)));
        if (byClient < settings.attempts()) {
            return Optional.empty();
        }
        int failures = Math.max(byClient, count(byUser.getIfPresent(key(user))));
        Duration delay = delayAfter(failures + 1);
        counter("mailseal.auth.throttled", protocol).increment();
        LOG.info("protocol={} event=auth-throttled client={} user={} failures={} delay={}ms", protocol,
                client.getHostAddress(), printable(user), failures, delay.toMillis());
        return Optional.of(delay);
    }

    /** After the server refused an attempt: counts it, and returns how long its reply waits. */
    public Duration failed(String protocol, InetAddress client, String user) {
        int failures = Math.max(increment(byAddress, group(client)), increment(byUser, key(user)));
        Duration delay = delayAfter(failures);
        counter("mailseal.auth.failures", protocol).increment();
        LOG.info("protocol={} event=auth-failed client={} user={} failures={} delay={}ms", protocol,
                client.getHostAddress(), printable(user), failures, delay.toMillis());
        return delay;
    }

    /** After the server accepted an attempt: the user's count is forgotten. */
    public void succeeded(InetAddress client, String user) {
        byUser.invalidate(key(user));
    }

    private void succeeded(Channel client, String user) {
        client.attr(ClientAddress.USER).set(printable(user)); // the session's close line names who it was
        succeeded(address(client), user);
    }

    /** The delay of the {@code failures}-th failure in a row: {@code delay × 2^(failures-1)}, at most maxDelay. */
    Duration delayAfter(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        Duration delay = settings.delay().multipliedBy(1L << doublings);
        return delay.compareTo(settings.maxDelay()) > 0 || delay.isNegative() ? settings.maxDelay() : delay;
    }

    /** The guard SMTP sessions ask around AUTH. */
    public org.mailseal.smtp.LoginGuard smtp() {
        return new org.mailseal.smtp.LoginGuard() {
            @Override
            public Optional<Duration> refusal(Channel client, String user) {
                return AuthThrottle.this.refusal("smtp", address(client), user);
            }

            @Override
            public Duration failed(Channel client, String user) {
                return AuthThrottle.this.failed("smtp", address(client), user);
            }

            @Override
            public void succeeded(Channel client, String user) {
                AuthThrottle.this.succeeded(client, user);
            }
        };
    }

    /** The guard IMAP sessions ask around LOGIN and AUTHENTICATE. */
    public org.mailseal.imap.LoginGuard imap() {
        return new org.mailseal.imap.LoginGuard() {
            @Override
            public Optional<Duration> refusal(Channel client, String user) {
                return AuthThrottle.this.refusal("imap", address(client), user);
            }

            @Override
            public Duration failed(Channel client, String user) {
                return AuthThrottle.this.failed("imap", address(client), user);
            }

            @Override
            public void succeeded(Channel client, String user) {
                AuthThrottle.this.succeeded(client, user);
            }
        };
    }

    /** The guard POP3 sessions ask around USER/PASS and AUTH. */
    public org.mailseal.pop3.LoginGuard pop3() {
        return new org.mailseal.pop3.LoginGuard() {
            @Override
            public Optional<Duration> refusal(Channel client, String user) {
                return AuthThrottle.this.refusal("pop3", address(client), user);
            }

            @Override
            public Duration failed(Channel client, String user) {
                return AuthThrottle.this.failed("pop3", address(client), user);
            }

            @Override
            public void succeeded(Channel client, String user) {
                AuthThrottle.this.succeeded(client, user);
            }
        };
    }

    /** The address as counted: itself for IPv4, its /64 for IPv6. */
    static InetAddress group(InetAddress address) {
        if (address instanceof java.net.Inet6Address) {
            byte[] bytes = address.getAddress();
            java.util.Arrays.fill(bytes, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(bytes);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always an address
            }
        }
        return address;
    }

    private static InetAddress address(Channel client) {
        return ClientAddress.of(client).getAddress();
    }

    private Counter counter(String name, String protocol) {
        return Counter.builder(name).tag("protocol", protocol).register(meters);
    }

    private static <K> int increment(Cache<K, AtomicInteger> cache, K key) {
        // compute() is a write: the window restarts at every failure.
        return cache.asMap().compute(key, (k, count) -> {
            AtomicInteger next = count == null ? new AtomicInteger() : count;
            next.incrementAndGet();
            return next;
        }).get();
    }

    private static int count(AtomicInteger count) {
        return count == null ? 0 : count.get();
    }

    /** User names compare without case: "Alice" and "alice" are one user to every server that matters here. */
    private static String key(String user) {
        return user.toLowerCase(Locale.ROOT);
    }

    /** A user name as the log shows it: control characters (a forged log line) are escaped. */
    private static String printable(String user) {
        StringBuilder out = new StringBuilder(Math.min(user.length(), 128));
        for (int i = 0; i < user.length() && i < 128; i++) {
            char c = user.charAt(i);
            out.append(c < 0x20 || c == 0x7f || c == ' ' ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
