package org.mailseal.server.keys;

import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.mime.HeaderField;

/**
 * One {@code Autocrypt} header field (Autocrypt Level 1, "The Autocrypt Header"):
 * {@code addr=a@b.example; [prefer-encrypt=mutual;] keydata=BASE64}.
 *
 * @param addr    the address the key is for, normalised
 * @param mutual  whether {@code prefer-encrypt=mutual} was given (anything else means {@code nopreference})
 * @param keydata a binary OpenPGP transferable public key, not yet checked
 */
public record AutocryptHeader(String addr, boolean mutual, byte[] keydata) {
    public static final String FIELD = "Autocrypt";

    /**
     * The field's attributes, or empty when the field is invalid: larger than {@code maxBytes}, {@code addr} or
     * {@code keydata} missing or given twice, {@code keydata} not Base64, or a critical attribute (a name not
     * starting with {@code _}) this level does not know.
     */
    public static Optional<AutocryptHeader> parse(HeaderField field, int maxBytes) {
        if (!field.is(FIELD) || field.raw().length > maxBytes) {
            return Optional.empty();
        }
        String addr = null;
        String keydata = null;
        boolean mutual = false;
        Set<String> seen = new HashSet<>();
        for (String attribute : field.value().split(";")) {
            String trimmed = attribute.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            if (equals <= 0) {
                return Optional.empty();
            }
            String name = trimmed.substring(0, equals).trim().toLowerCase(Locale.ROOT);
            String value = trimmed.substring(equals + 1).trim();
            if (!seen.add(name)) {
                return Optional.empty();
            }
            switch (name) {
                case "addr" -> addr = value;
                case "prefer-encrypt" -> mutual = value.equals("mutual");
                case "keydata" -> keydata = value;
                default -> {
                    if (!name.startsWith("_")) {
                        return Optional.empty(); // an unknown critical attribute invalidates the header
                    }
                }
            }
        }
        Optional<String> address = addr == null ? Optional.empty() : Addresses.fromUserId(addr);
        if (address.isEmpty() || keydata == null) {
            return Optional.empty();
        }
        try {
            byte[] key = Base64.getDecoder().decode(keydata.replaceAll("[ \t]", ""));
            return key.length == 0 ? Optional.empty() : Optional.of(new AutocryptHeader(address.get(), mutual, key));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
