#!/usr/bin/env bash
# A throwaway Postfix + Dovecot on 127.0.0.1 for integration tests, with mailseal's LMTP placement wired in:
#   Postfix SMTP 10025 (STARTTLS; SASL PLAIN/LOGIN through Dovecot) delivers every local mailbox over LMTP to
#   127.0.0.1:$MAILSEAL_LMTP (mailseal), which delivers to Dovecot's LMTP on 10024. IMAP 10143, POP3 10110.
#   For mailseal nodes behind a load balancer, the same services expecting a PROXY protocol header (v1 or v2):
#   Postfix SMTP 10026, Dovecot IMAP 10144 and POP3 10111 (trusted from 127.0.0.0/8).
# Users alice@example.org/alicepw and bob@example.org/bobpw. Everything lives under $BASE. Needs root and
# `apt-get install postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd` (.ci/run does it).
# Usage: BASE=dir MAILSEAL_LMTP=10030 mailstack.sh start|stop
# Adapted from shared/recipes/mailstack.sh.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
BASE=${BASE:?set BASE to a scratch directory}
MAILSEAL_LMTP=${MAILSEAL_LMTP:-10030}
cmd=${1:-start}
if [ "$cmd" = stop ]; then
  postfix -c "$BASE/postfix/etc" stop >/dev/null 2>&1 || true
  [ -f "$BASE/dovecot/pid" ] && kill "$(cat "$BASE/dovecot/pid")" 2>/dev/null || true
  exit 0
fi
id vmail >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin vmail
VUID=$(id -u vmail); VGID=$(id -g vmail)
mkdir -p "$BASE"/{mail,tls,dovecot/run,dovecot/state,postfix/etc,postfix/spool,postfix/data}
chmod 755 "$BASE"; chown vmail:vmail "$BASE/mail"; chown postfix "$BASE/postfix/data"
[ -f "$BASE/tls/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BASE/tls/key.pem" \
  -out "$BASE/tls/cert.pem" -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 600 "$BASE/tls/key.pem"; chmod 644 "$BASE/tls/cert.pem"
printf 'alice@example.org:{PLAIN}alicepw\nbob@example.org:{PLAIN}bobpw\n' > "$BASE/dovecot/users"
cat > "$BASE/dovecot/dovecot.conf" <<EOF
protocols = imap pop3 lmtp
listen = 127.0.0.1
base_dir = $BASE/dovecot/run
state_dir = $BASE/dovecot/state
instance_name = mailseal-test-dovecot
log_path = $BASE/dovecot/dovecot.log
ssl = yes
ssl_cert = <$BASE/tls/cert.pem
ssl_key = <$BASE/tls/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
haproxy_trusted_networks = 127.0.0.0/8
auth_mechanisms = plain login
mail_location = maildir:$BASE/mail/%u/Maildir
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $BASE/dovecot/users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$BASE/mail/%u allow_all_users=yes
}
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    port = 10143
  }
  inet_listener imaps {
    port = 0
  }
  inet_listener imap_haproxy {
    port = 10144
    haproxy = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 10110
  }
  inet_listener pop3s {
    port = 0
  }
  inet_listener pop3_haproxy {
    port = 10111
    haproxy = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 10024
  }
}
service auth {
  inet_listener auth {
    address = 127.0.0.1
    port = 10012
  }
}
EOF
printf 'alice@example.org OK\nbob@example.org OK\n' > "$BASE/postfix/etc/recipients"
cat > "$BASE/postfix/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $BASE/postfix/spool
data_directory = $BASE/postfix/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
local_transport = error:local delivery disabled
relay_domains =
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
notify_classes =
alias_maps =
alias_database =
maillog_file_prefixes = /var, /dev/stdout, /tmp
maillog_file = $BASE/postfix/maillog
virtual_mailbox_domains = example.org
virtual_mailbox_maps = texthash:$BASE/postfix/etc/recipients
virtual_transport = lmtp:inet:127.0.0.1:$MAILSEAL_LMTP
lmtp_destination_recipient_limit = 50
message_size_limit = 52428800
smtpd_tls_cert_file = $BASE/tls/cert.pem
smtpd_tls_key_file = $BASE/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:10012
EOF
cat > "$BASE/postfix/etc/master.cf" <<'EOF'
127.0.0.1:10025 inet n - n - - smtpd
127.0.0.1:10026 inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
wait_port() { for _ in $(seq 1 500); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.02; done; echo "port $1 not up" >&2; return 1; }
dovecot -F -c "$BASE/dovecot/dovecot.conf" >>"$BASE/dovecot/stdout.log" 2>&1 &
echo $! > "$BASE/dovecot/pid"
postfix -c "$BASE/postfix/etc" start >/dev/null 2>&1
wait_port 10143; wait_port 10024; wait_port 10012; wait_port 10025; wait_port 10026; wait_port 10144; wait_port 10111
echo "mailstack up"
