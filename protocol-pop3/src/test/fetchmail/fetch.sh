#!/usr/bin/env bash
# Runs fetchmail 6.4 once, non-interactively, against a plaintext POP3 server and appends what it retrieves to an
# mbox file. Exits with fetchmail's own status (0 mail retrieved, 1 no mail, 3 authentication failed, ...; see
# README.md in this directory). fetchmail's dialogue (-v) goes to stdout, its warnings and errors to stderr.
# Usage: fetch.sh HOST PORT USER PASSWORD OUT_MBOX [FETCHMAIL_OPTION ...]
#   e.g. --keep (leave the messages on the server; the default deletes them), -v (debug level: adds the line
#   "message U@H:N was not the expected length (A actual != E expected)"), --limit N.
# Nothing outside a temporary directory is touched: rcfile, pid file, id file and HOME all live there.
set -euo pipefail
usage="usage: fetch.sh HOST PORT USER PASSWORD OUT_MBOX [FETCHMAIL_OPTION ...]"
[ $# -ge 5 ] || { echo "$usage" >&2; exit 64; }
host=$1 port=$2 user=$3 password=$4 out=$5
shift 5
command -v fetchmail >/dev/null || { echo "fetch.sh: fetchmail is not installed" >&2; exit 69; }
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
case "$out" in *"'"*) echo "fetch.sh: OUT_MBOX must not contain a single quote" >&2; exit 64 ;; esac
# An rcfile string ends at the first double quote whatever precedes it, then C escapes are decoded in it:
# a backslash is written \\ and a double quote \x22.
quote() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\x22}"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fetchmail-XXXXXX")
trap 'rm -rf "$work"' EXIT
# The MDA: one mbox (mboxrd) entry per message. fetchmail hands an MDA the message with LF line ends (stripcr is
# on by default with an MDA) and without the POP3 dot-stuffing.
cat > "$work/deliver" <<'SH'
#!/bin/sh
{ echo "From fetchmail  Thu Jan  1 00:00:00 1970"; sed 's/^\(>*From \)/>\1/'; echo; } >> "$1"
SH
chmod 700 "$work/deliver"
# fetchmail refuses an rcfile that others can read (exit 6).
(umask 077; cat > "$work/fetchmailrc" <<RC
set invisible
poll $(quote "$host") service $port protocol pop3 timeout 30
  user $(quote "$user") there with password $(quote "$password")
  sslproto ''
  fetchall
  no rewrite
  mda "$work/deliver '$out'"
RC
)
# As root, fetchmail runs the MDA as FETCHMAILUSER (else LOGNAME, USER): make that the caller, who owns $work.
status=0
HOME="$work" FETCHMAILHOME="$work" FETCHMAILUSER="$(id -un)" fetchmail -f "$work/fetchmailrc" \
  --pidfile "$work/fetchmail.pid" --idfile "$work/fetchids" --nodetach --nosyslog -v "$@" || status=$?
exit "$status"
