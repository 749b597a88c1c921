#!/bin/sh
# DEMO ONLY: a throwaway self-signed certificate for mailseal, Postfix and Dovecot in docker/compose.yaml, made
# once into DIR (a named volume). Use real certificates (ACME or your CA) in production.
set -eu
dir=${1:-/tls}
if [ ! -s "$dir/cert.pem" ] || [ ! -s "$dir/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=mail.example.org" \
    -addext "subjectAltName=DNS:mail.example.org,DNS:localhost,DNS:mailseal,DNS:postfix,DNS:dovecot,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  echo "demo-tls: made $dir/cert.pem"
fi
# mailseal (uid 10001) reads the key as itself; Postfix and Dovecot read it as root before dropping privileges.
chown 10001:10001 "$dir/key.pem"
chmod 0600 "$dir/key.pem"
chmod 0644 "$dir/cert.pem"
