package org.mailseal.smtp;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This hop's Received field (RFC 5321 §4.4), put in front of every copy, outside any encryption. It has no "for"
 * clause: a copy must not name its recipients (Bcc).
 */
final class TraceField {
    /** RFC 5322 §3.3 date-time with a numeric zone ("GMT" is obsolete syntax). */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private TraceField() {}

    /**
     * @param heloName the name the client gave (the parser already refused spaces and control characters)
     * @param protocol RFC 3848 name: ESMTP, ESMTPS, ESMTPA, ESMTPSA, SMTP or LMTP
     */
    static byte[] received(String heloName, SocketAddress client, String hostname, String protocol) {
        String address = client instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : "unknown";
        byte[] id = new byte[6];
        ThreadLocalRandom.current().nextBytes(id);
        return ("Received: from " + heloName + " ([" + address + "])\r\n\tby " + hostname + " (mailseal) with "
                + protocol + " id " + HexFormat.of().formatHex(id) + ";\r\n\t" + DATE.format(ZonedDateTime.now(ZoneOffset.UTC))
                + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
