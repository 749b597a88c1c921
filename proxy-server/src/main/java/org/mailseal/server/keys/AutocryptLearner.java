package org.mailseal.server.keys;

import org.mailseal.crypto.mime.HeaderSection;

/** Learns from the header of a message that passes through; must never fail the message. */
@FunctionalInterface
public interface AutocryptLearner {

    /** Updates what is known of the message's sender; a bad or missing Autocrypt header is not an error. */
    void learn(HeaderSection header);
}
