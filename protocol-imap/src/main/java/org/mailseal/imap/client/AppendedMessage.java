package org.mailseal.imap.client;

/** APPENDUID (RFC 4315 §3): where the server put an appended message. */
public record AppendedMessage(long uidValidity, long uid) {}
