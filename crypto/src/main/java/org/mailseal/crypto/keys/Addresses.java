package org.mailseal.crypto.keys;

import java.util.Locale;
import java.util.Optional;

/** E-mail addresses as they appear in OpenPGP user IDs and certificates, normalised for lookups. */
public final class Addresses {
    private Addresses() {}

    /** The address in a user ID such as {@code Alice <alice@example.org>} or a bare address, lower-cased. */
    public static Optional<String> fromUserId(String userId) {
        String candidate = userId;
        int open = userId.lastIndexOf('<');
        int close = userId.lastIndexOf('>');
        if (open >= 0 && close > open) {
            candidate = userId.substring(open + 1, close);
        }
        candidate = candidate.trim();
        int at = candidate.indexOf('@');
        if (at <= 0 || at == candidate.length() - 1 || candidate.contains(" ")) {
            return Optional.empty();
        }
        return Optional.of(normalize(candidate));
    }

    public static String normalize(String address) {
        return address.trim().toLowerCase(Locale.ROOT);
    }
}
