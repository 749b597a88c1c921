package org.mailseal.imap.sync;

/** The two stores of a channel, as the configuration names them. */
public enum Side {
    A, B;

    public Side other() {
        return this == A ? B : A;
    }
}
