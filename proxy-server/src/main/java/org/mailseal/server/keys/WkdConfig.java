package org.mailseal.server.keys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the Web Key Directory source ({@code type: wkd}).
 *
 * @param timeout          for the whole lookup of one URL: connect, TLS, headers and body
 * @param maxResponseBytes a larger answer is an error, not a key
 * @param methods          which of the draft's methods to try, in order; the direct one after the advanced one only
 *                         when the {@code openpgpkey} sub-domain does not exist (draft §3.1)
 * @param trust            a PEM file of CA certificates to trust instead of the JDK's trust store, or null
 */
public record WkdConfig(Duration timeout, int maxResponseBytes, List<Method> methods, Path trust) {
    public static final WkdConfig DEFAULTS =
            new WkdConfig(Duration.ofSeconds(3), 256 * 1024, List.of(Method.ADVANCED, Method.DIRECT), null);

    public enum Method { ADVANCED, DIRECT }

    public WkdConfig {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("wkd timeout must be positive, was " + timeout);
        }
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("wkd maxResponseBytes must be positive, was " + maxResponseBytes);
        }
        methods = List.copyOf(methods);
        if (methods.isEmpty() || methods.stream().distinct().count() != methods.size()) {
            throw new IllegalArgumentException("wkd methods must name each method at most once, and one at least: "
                    + methods);
        }
    }

    public WkdConfig withTimeout(Duration newTimeout) {
        return new WkdConfig(newTimeout, maxResponseBytes, methods, trust);
    }

    public WkdConfig withMaxResponseBytes(int newMaxResponseBytes) {
        return new WkdConfig(timeout, newMaxResponseBytes, methods, trust);
    }
}
