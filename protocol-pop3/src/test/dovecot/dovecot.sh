#!/usr/bin/env bash
# A throwaway Dovecot 2.3 with IMAP (to fill mailboxes by APPEND) and POP3 (the upstream of the POP3 proxy's tests),
# plaintext, no TLS, 127.0.0.1 only, Maildir under BASE. Needs root (Dovecot drops to mail_uid for mail access).
# Usage: dovecot.sh start|stop BASE IMAP_PORT POP3_PORT [USER:PASSWORD ...]
# Each USER:PASSWORD pair is an account (USER may be user@domain); there is no default account.
# Adapted from protocol-imap/src/test/dovecot/dovecot.sh; added for POP3: protocols, pop3_uidl_format, pop3-login.
#
# Verified by hand on Debian 12 (Dovecot 2.3.19.1) with python3 imaplib + poplib, account a@example.org:
# IMAP APPEND of a 108-octet CRLF message (one body line starts with "."), answered [APPENDUID 1795851228 1]; then
# POP3 USER/PASS "+OK Logged in."; STAT (1, 108); LIST "1 108"; UIDL "1 000000016b0a83dc" (%08Xu%08Xv: UID 1,
# UIDVALIDITY 0x6b0a83dc); RETR "+OK 108 octets", the APPENDed octets exactly once un-stuffed; TOP 1 0 the header
# lines and the empty line only; DELE 1 + RSET + QUIT keeps it (new session: STAT (1, 108)); DELE 1 + QUIT answers
# "+OK Logging out, messages deleted." and expunges it (new session: STAT (0, 0); IMAP SELECT INBOX: 0 messages).
# "stop" kills the master and waits for it to exit; no process of the instance remains.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
usage="usage: dovecot.sh start|stop BASE IMAP_PORT POP3_PORT [USER:PASSWORD ...]"
cmd=${1:?$usage}
BASE=${2:?$usage}
IMAP_PORT=${3:?$usage}
POP3_PORT=${4:?$usage}
shift 4
if [ "$cmd" = stop ]; then
  if [ -f "$BASE/pid" ]; then
    pid=$(cat "$BASE/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  fi
  exit 0
fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
# Dovecot refuses uid 0 for mail; the "mail" system user exists on Debian/Ubuntu.
MAIL_USER=mail; MAIL_GROUP=mail
mkdir -p "$BASE"/{mail,run,state}
chmod 755 "$BASE"; chown "$MAIL_USER:$MAIL_GROUP" "$BASE/mail"
: > "$BASE/users"
for account in "$@"; do
  printf '%s:{PLAIN}%s\n' "${account%%:*}" "${account#*:}" >> "$BASE/users"
done
cat > "$BASE/dovecot.conf" <<CONF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $BASE/run
state_dir = $BASE/state
instance_name = mailseal-pop3-$POP3_PORT
log_path = $BASE/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$BASE/mail/%u/Maildir
mail_uid = $MAIL_USER
mail_gid = $MAIL_GROUP
first_valid_uid = 1
first_valid_gid = 1
# UIDL = IMAP UID and UIDVALIDITY in hex (the Dovecot 2.x default, written out so that tests can rely on it).
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $BASE/users
}
userdb {
  driver = static
  args = uid=$MAIL_USER gid=$MAIL_GROUP home=$BASE/mail/%u allow_all_users=yes
}
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
CONF
dovecot -F -c "$BASE/dovecot.conf" >>"$BASE/stdout.log" 2>&1 &
echo $! > "$BASE/pid"
up() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
for _ in $(seq 1 500); do
  if up "$IMAP_PORT" && up "$POP3_PORT"; then
    echo "dovecot up on 127.0.0.1: imap $IMAP_PORT, pop3 $POP3_PORT"
    exit 0
  fi
  kill -0 "$(cat "$BASE/pid")" 2>/dev/null || break
  sleep 0.02
done
echo "dovecot did not come up on ports $IMAP_PORT/$POP3_PORT; see $BASE/dovecot.log and $BASE/stdout.log" >&2
cat "$BASE/stdout.log" "$BASE/dovecot.log" >&2 2>/dev/null || true
"$0" stop "$BASE" "$IMAP_PORT" "$POP3_PORT" || true
exit 1
