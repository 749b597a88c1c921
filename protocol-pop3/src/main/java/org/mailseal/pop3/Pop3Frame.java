package org.mailseal.pop3;

/** What the command decoder hands the session: one command line, or why a line was dropped. */
sealed interface Pop3Frame {
    /** A command line without its CRLF (UTF-8: RFC 6856 allows it in USER and PASS). */
    record Line(String text) implements Pop3Frame {}

    /** A line longer than the limit: discarded, and not one byte of it was kept beyond the limit. */
    record TooLong() implements Pop3Frame {}

    /** A line that ends in a bare LF, or holds a CR or NUL: discarded. */
    record Malformed() implements Pop3Frame {}
}
