package org.mailseal.server.cli;

/** Exit codes of the mailseal command line, as documented in the README. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Anything else that went wrong: I/O, an unreadable key home. */
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int NO_USABLE_KEY = 3;
    public static final int DECRYPTION_FAILED = 4;
    /** {@code sync}: a channel held back expunges beyond its safety valve; rerun with {@code --force}. */
    public static final int NEEDS_FORCE = 5;

    private ExitCodes() {}
}
