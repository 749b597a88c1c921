package org.mailseal.imap.rekey;

/** Observes a rekey run (progress display, logs, tests). Callbacks run on the engine's thread. */
public interface RekeyListener {
    /** What a message turned out to need. */
    enum Outcome {
        /** Not encrypted to a retired key (or not encrypted). */
        UNCHANGED,
        /** Re-wrapped, appended, verified, old copy expunged. */
        REKEYED,
        /** An earlier, interrupted run had appended the copy; the old one is now expunged. */
        COMPLETED,
        /** Dry run: would be re-wrapped. */
        WOULD_REKEY,
        /** Dry run: the copy exists; the old one would be expunged. */
        WOULD_COMPLETE,
        /** Could not be re-wrapped; left as it is. */
        FAILED
    }

    /** A listener that ignores everything. */
    RekeyListener NONE = new RekeyListener() {};

    default void planned(long messages, long bytes) {}

    default void mailbox(String name, long messages) {}

    /** After the copy's APPEND was verified and before the old message is deleted. */
    default void appended(String mailbox, long oldUid, long newUid) {}

    default void examined(String mailbox, long uid, long bytes, Outcome outcome, String reason) {}
}
