package org.mailseal.imap.client;

/** What SELECT reported (RFC 3501 §6.3.1); uidNext is 0 when the server did not say. */
public record SelectedMailbox(String name, long exists, long uidValidity, long uidNext) {}
