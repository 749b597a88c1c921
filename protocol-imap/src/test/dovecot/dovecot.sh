#!/usr/bin/env bash
# A throwaway Dovecot (IMAP only, plaintext, 127.0.0.1) used as the oracle for MessageView's differential tests.
# User oracle@example.org / oraclepw, Maildir under BASE. Needs root (Dovecot drops to mail_uid for mail access).
# Usage: dovecot.sh start|stop BASE PORT [USER:PASSWORD ...]
# Extra USER:PASSWORD pairs add accounts (ImapConformanceTest gives every transcript fresh ones).
# Settings adapted from proxy-server/src/test/mailstack/mailstack.sh (TLS, POP3, LMTP and Postfix left out).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
cmd=${1:?usage: dovecot.sh start|stop BASE PORT}
BASE=${2:?usage: dovecot.sh start|stop BASE PORT}
PORT=${3:?usage: dovecot.sh start|stop BASE PORT}
shift 3
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
printf 'oracle@example.org:{PLAIN}oraclepw\n' > "$BASE/users"
for account in "$@"; do
  printf '%s:{PLAIN}%s\n' "${account%%:*}" "${account#*:}" >> "$BASE/users"
done
cat > "$BASE/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $BASE/run
state_dir = $BASE/state
instance_name = mailseal-oracle-$PORT
log_path = $BASE/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$BASE/mail/%u/Maildir
mail_uid = $MAIL_USER
mail_gid = $MAIL_GROUP
first_valid_uid = 1
first_valid_gid = 1
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
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
CONF
dovecot -F -c "$BASE/dovecot.conf" >>"$BASE/stdout.log" 2>&1 &
echo $! > "$BASE/pid"
for _ in $(seq 1 500); do
  (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && { echo "dovecot up on 127.0.0.1:$PORT"; exit 0; }
  kill -0 "$(cat "$BASE/pid")" 2>/dev/null || break
  sleep 0.02
done
echo "dovecot did not come up on port $PORT; see $BASE/dovecot.log and $BASE/stdout.log" >&2
cat "$BASE/stdout.log" "$BASE/dovecot.log" >&2 2>/dev/null || true
exit 1
