#!/usr/bin/env bash
# Writes the benchmark messages msg-4k.eml ... msg-10m.eml into DIR: a text part and a base64 attachment of
# deterministic pseudo-random bytes, CRLF line ends, each file exactly the named size.
set -euo pipefail
DIR=${1:?usage: make-inputs.sh DIR}
mkdir -p "$DIR"
for spec in 4k:4096 64k:65536 1m:1048576 10m:10485760; do
  name=${spec%%:*}; bytes=${spec##*:}
  file="$DIR/msg-$name.eml"
  [ -f "$file" ] && [ "$(stat -c %s "$file")" = "$bytes" ] && continue
  set +o pipefail # head closes the pipe early on purpose
  {
    printf 'From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: benchmark %s\r\n' "$name"
    printf 'Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench-%s@example.org>\r\nMIME-Version: 1.0\r\n' "$name"
    printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
    printf 'Please find the data attached.\r\n--b\r\nContent-Type: application/octet-stream; name="data.bin"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'
    openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 -nosalt \
      < /dev/zero 2>/dev/null | head -c "$bytes" | base64 -w 76 | sed 's/$/\r/'
  } | head -c $((bytes - 9)) > "$file.tmp"
  set -o pipefail
  printf '\r\n--b--\r\n' >> "$file.tmp"
  mv "$file.tmp" "$file"
done
ls -l "$DIR"/msg-*.eml
