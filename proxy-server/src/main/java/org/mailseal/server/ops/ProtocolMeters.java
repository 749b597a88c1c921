package org.mailseal.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection-level meters of one protocol: sessions opened and open, bytes each way, upstream errors. Meant for a
 * handler in front of every listener: {@link #sessionOpened()} on channel active, {@link #sessionClosed()} on channel
 * inactive (exactly once per opened session), {@link #bytesIn}/{@link #bytesOut} as bytes cross the client link.
 * Thread-safe; cheap enough to call per read and per write.
 */
public final class ProtocolMeters {
    private final Counter sessions;
    private final AtomicInteger active;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter upstreamErrors;
    private final MeterRegistry registry;
    private final String tag;

    ProtocolMeters(MeterRegistry registry, MailProtocol protocol) {
        this.registry = registry;
        this.tag = protocol.tag();
        this.sessions = Counter.builder(MailsealMetrics.SESSIONS).description("Client sessions opened")
                .tag(MailsealMetrics.PROTOCOL, tag).register(registry);
        this.active = new AtomicInteger();
        Gauge.builder(MailsealMetrics.SESSIONS_ACTIVE, active, AtomicInteger::get).description("Client sessions open now")
                .tag(MailsealMetrics.PROTOCOL, tag).register(registry);
        this.bytesIn = bytes(registry, tag, "in");
        this.bytesOut = bytes(registry, tag, "out");
        this.upstreamErrors = Counter.builder(MailsealMetrics.UPSTREAM_ERRORS)
                .description("Connections to the upstream server that failed or broke")
                .tag(MailsealMetrics.PROTOCOL, tag).register(registry);
    }

    private static Counter bytes(MeterRegistry registry, String protocol, String direction) {
        return Counter.builder(MailsealMetrics.BYTES).baseUnit("bytes")
                .description("Bytes on client links: in from clients, out to clients")
                .tag(MailsealMetrics.PROTOCOL, protocol).tag("direction", direction).register(registry);
    }

    public void sessionOpened() {
        sessions.increment();
        active.incrementAndGet();
    }

    public void sessionClosed() {
        active.decrementAndGet();
    }

    public void bytesIn(long count) {
        bytesIn.increment(count);
    }

    public void bytesOut(long count) {
        bytesOut.increment(count);
    }

    public void upstreamError() {
        upstreamErrors.increment();
    }

    /** A connection closed before its session began, for {@code reason}: a fixed word, never an address. */
    public void refused(String reason) {
        Counter.builder(MailsealMetrics.CONNECTIONS_REFUSED).description("Connections closed before a session began")
                .tag(MailsealMetrics.PROTOCOL, tag).tag("reason", reason).register(registry).increment();
    }
}
