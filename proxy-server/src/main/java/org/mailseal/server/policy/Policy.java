package org.mailseal.server.policy;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.mailseal.crypto.Format;

/**
 * Who gets encrypted mail: a rule per address, else per domain, else the default (DESIGN.md: opportunistic for a
 * new installation). A domain may have a gateway: the address whose key all mail to that domain is encrypted to
 * (system-to-system protection), in place of its recipients' own keys.
 */
public record Policy(Rule defaultRule, Map<String, Rule> domains, Map<String, Rule> addresses,
                     Map<String, String> gateways) {

    public enum Mode {
        /** No usable key: the recipient is refused (550 5.7.1 at RCPT time); nothing goes out in plaintext. */
        REQUIRE,
        /** Encrypt when a key exists, else send plaintext. */
        OPPORTUNISTIC,
        /** Never encrypt. */
        NEVER
    }

    /** @param preferred the format to use when the recipient has keys of both; null for OpenPGP first */
    public record Rule(Mode mode, Format preferred) {}

    public Policy {
        domains = lowerKeys(domains);
        addresses = lowerKeys(addresses);
        gateways = gateways.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                e -> e.getKey().toLowerCase(Locale.ROOT), e -> e.getValue().toLowerCase(Locale.ROOT)));
    }

    public static Policy opportunistic() {
        return new Policy(new Rule(Mode.OPPORTUNISTIC, null), Map.of(), Map.of(), Map.of());
    }

    /** The address whose keys mail to this recipient is encrypted to: its domain's gateway, else itself. */
    public String keyAddressFor(String recipient) {
        String lower = recipient.toLowerCase(Locale.ROOT);
        int at = lower.lastIndexOf('@');
        return at < 0 ? lower : gateways.getOrDefault(lower.substring(at + 1), lower);
    }

    public Rule ruleFor(String address) {
        String lower = address.toLowerCase(Locale.ROOT);
        Rule rule = addresses.get(lower);
        if (rule != null) {
            return rule;
        }
        int at = lower.lastIndexOf('@');
        return at < 0 ? defaultRule : domains.getOrDefault(lower.substring(at + 1), defaultRule);
    }

    private static Map<String, Rule> lowerKeys(Map<String, Rule> rules) {
        return rules.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
    }
}
