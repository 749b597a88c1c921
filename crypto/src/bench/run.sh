#!/usr/bin/env bash
# The crypto benchmark: mailseal (JMH, in process) and gpg (one subprocess per message, as Postfix content
# filters run it) on the same messages, in one run, with `openssl speed` as the ceiling for AES-256-CFB.
# Usage, from anywhere:  crypto/src/bench/run.sh [OUT_DIR]     (default: bench-results/ in the repository)
# Quick look (fewer sizes and iterations):  QUICK=1 crypto/src/bench/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/bench-results}" && cd "${1:-$ROOT/bench-results}" && pwd)
INPUTS="$OUT/inputs"
SIZES="4k 64k 1m 10m"
ALGOS="cv25519 rsa3072"
RECIPIENTS="1 10"
JMH_ITER="-wi 3 -i 5 -w 1 -r 1"
if [ -n "${QUICK:-}" ]; then SIZES="4k 10m"; ALGOS="cv25519"; RECIPIENTS="1"; JMH_ITER="-wi 2 -i 3 -w 1 -r 1"; fi

"$ROOT/crypto/src/bench/make-inputs.sh" "$INPUTS" >/dev/null

echo "== machine" | tee "$OUT/machine.txt"
{ nproc; grep -m1 'model name' /proc/cpuinfo || true; java -version 2>&1 | head -1; gpg --version | head -1; openssl version; } \
  | tee -a "$OUT/machine.txt"

echo "== openssl speed -evp aes-256-cfb (ceiling for the bulk cipher)"
openssl speed -elapsed -seconds 2 -bytes 16384 -evp aes-256-cfb 2>/dev/null | tail -1 | tee "$OUT/openssl-speed.txt"

echo "== gpg, one process per message"
export GNUPGHOME
GNUPGHOME=$(mktemp -d /tmp/msgpg.XXXXXX)
trap 'gpgconf --homedir "$GNUPGHOME" --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME"' EXIT
for algo in $ALGOS; do
  for i in $(seq 0 9); do
    if [ "$algo" = cv25519 ]; then type="Key-Type: EDDSA
Key-Curve: ed25519
Subkey-Type: ECDH
Subkey-Curve: cv25519"; else type="Key-Type: RSA
Key-Length: 3072
Subkey-Type: RSA
Subkey-Length: 3072"; fi
    printf '%%no-protection\n%s\nName-Email: %s-r%d@example.org\nExpire-Date: 0\n%%commit\n' "$type" "$algo" "$i" \
      | gpg --batch --quiet --gen-key 2>/dev/null
  done
done
median_ms() { # runs command N times, prints the median wall time in ms
  local n=$1; shift; local times=()
  for _ in $(seq "$n"); do
    local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); times+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
}
echo "op,algo,recipients,size,ms" > "$OUT/gpg.csv"
for algo in $ALGOS; do
  for r in $RECIPIENTS; do
    rcpts=(); for i in $(seq 0 $((r - 1))); do rcpts+=(-r "$algo-r$i@example.org"); done
    last="$algo-r$((r - 1))@example.org"
    for size in $SIZES; do
      n=11; [ "$size" = 10m ] && n=5
      in="$INPUTS/msg-$size.eml"; enc="$OUT/gpg-$algo-$r-$size.asc"
      gpg --batch --yes --trust-model always -z 0 --armor -e "${rcpts[@]}" -o "$enc" "$in"
      e=$(median_ms $n gpg --batch --yes --trust-model always -z 0 --armor -e "${rcpts[@]}" -o "$enc.tmp" "$in")
      d=$(median_ms $n gpg --batch --yes -d -o "$enc.out" "$enc")
      cmp -s "$enc.out" "$in" || { echo "gpg round trip failed for $enc" >&2; exit 1; }
      echo "encrypt,$algo,$r,$size,$e" >> "$OUT/gpg.csv"; echo "decrypt,$algo,$r,$size,$d" >> "$OUT/gpg.csv"
      echo "  $algo r=$r $size: encrypt $e ms, decrypt $d ms (last recipient $last)"
      rm -f "$enc" "$enc.tmp" "$enc.out"
    done
  done
done

echo "== mailseal (JMH)"
csv() { echo "$1" | tr ' ' ','; }
(cd "$ROOT" && mvn -B -ntp -q -Pbench -pl crypto test-compile exec:exec -Dbench.args="CryptoBenchmark $JMH_ITER \
  -p inputDir=$INPUTS -p size=$(csv "$SIZES") -p algo=$(csv "$ALGOS") -p recipients=$(csv "$RECIPIENTS") \
  -rf json -rff $OUT/jmh.json") | grep -E '^(Benchmark|CryptoBenchmark)' || true

python3 "$ROOT/crypto/src/bench/report.py" "$OUT" | tee "$OUT/report.md"
