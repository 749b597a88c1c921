package org.mailseal.server.net;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection-level meters of one protocol: sessions opened and open now, bytes on the client side (as they
 * cross the socket, TLS included), and connections refused before a session began. Names and tags are listed in
 * the README ("Metrics and health"); tags never carry an address or a user name.
 */
public final class ConnectionMeters {
    final Counter sessions;
    final AtomicInteger active;
    final Counter bytesIn;
    final Counter bytesOut;
    private final MeterRegistry registry;
    private final String protocol;

    /** One set per protocol and registry: the listeners of one protocol share it (a gauge registers once). */
    public ConnectionMeters(MeterRegistry registry, String protocol) {
        this.registry = registry;
        this.protocol = protocol;
        this.sessions = Counter.builder("mailseal.sessions").description("Client sessions opened")
                .tag("protocol", protocol).register(registry);
        this.active = new AtomicInteger();
        registry.gauge("mailseal.sessions.active", Tags.of("protocol", protocol), active);
        this.bytesIn = bytes(registry, protocol, "in");
        this.bytesOut = bytes(registry, protocol, "out");
    }

    /** Counts a connection closed before its session began, for {@code reason} (a fixed word, not an address). */
    void refused(String reason) {
        Counter.builder("mailseal.connections.refused").description("Connections closed before a session began")
                .tag("protocol", protocol).tag("reason", reason).register(registry).increment();
    }

    private static Counter bytes(MeterRegistry registry, String protocol, String direction) {
        return Counter.builder("mailseal.bytes").description("Bytes on client connections, as on the wire")
                .baseUnit("bytes").tag("protocol", protocol).tag("direction", direction).register(registry);
    }
}
