"""Joins JMH results and gpg timings from one run of run.sh into a Markdown table of ratios."""
import csv
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
SIZES = {"4k": 4096, "64k": 65536, "1m": 1 << 20, "10m": 10 << 20}
gpg = {}
with open(out / "gpg.csv") as f:
    for row in csv.DictReader(f):
        gpg[(row["op"], row["algo"], row["recipients"], row["size"])] = float(row["ms"])
mailseal = {}
for result in json.load(open(out / "jmh.json")):
    op = result["benchmark"].rsplit(".", 1)[1]
    p = result["params"]
    score = result["primaryMetric"]["score"] / 1000.0  # us/op -> ms
    error = result["primaryMetric"]["scoreError"] / 1000.0
    mailseal[(op, p["algo"], p["recipients"], p["size"])] = (score, error)

print("| operation | key | recipients | message | mailseal ms (±99.9%) | gpg ms (median) | gpg / mailseal |")
print("|---|---|---|---|---|---|---|")
for key in sorted(mailseal, key=lambda k: (k[0], k[1], int(k[2]), SIZES[k[3]])):
    score, error = mailseal[key]
    g = gpg.get(key)
    ratio = f"**{g / score:.1f}x**" if g else "-"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {score:.3f} (±{error:.3f}) | {g:.1f} | {ratio} |")

speed = (out / "openssl-speed.txt").read_text()
match = re.search(r"([\d.]+)k?\s*$", speed.strip())
print()
for op in ("encrypt", "decrypt"):
    for key in sorted(mailseal):
        if key[0] == op and key[3] == "10m" and key[2] == "1":
            score, _ = mailseal[key]
            g = gpg.get(key)
            print(f"- 10 MiB {op} ({key[1]}, 1 recipient): mailseal {10 / (score / 1000):.0f} MiB/s, "
                  f"gpg {10 / (g / 1000):.0f} MiB/s")
print(f"- openssl speed -evp aes-256-cfb (16 KiB blocks): `{speed.strip()}`")
