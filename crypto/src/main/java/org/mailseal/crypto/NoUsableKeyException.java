package org.mailseal.crypto;

import java.util.List;

/** One or more recipients have no valid (unexpired, unrevoked) encryption key. */
public final class NoUsableKeyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> addresses;

    public NoUsableKeyException(List<String> addresses) {
        super("no usable encryption key for " + String.join(", ", addresses));
        this.addresses = List.copyOf(addresses);
    }

    public List<String> addresses() {
        return addresses;
    }
}
