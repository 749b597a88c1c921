package org.mailseal.crypto.keys;

import java.util.List;

/**
 * Answers "which keys may mail to this address be encrypted to?". Implementations return only keys that are valid
 * now: never expired, revoked or not-yet-valid ones. Further sources (LDAP, WKD, Autocrypt) plug in behind it.
 */
public interface KeyDirectory {

    /** Usable encryption keys for an address (case-insensitive), possibly of both formats; empty when none. */
    List<RecipientKey> encryptionKeys(String address);
}
