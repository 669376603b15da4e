#!/usr/bin/env bash
# Issue 16's "same study, same seed" check with wall times (docs/scaling.md, "Identical results
# and wall times"): one study — `vibann evaluate --seeds-report 4 --quick --seed 1` — on one
# worker thread, on two, and through a Redis queue served by two `vibann worker` processes (one
# thread each), then a comparison of the three studies.json without their wall times.
#
#   bash bench/jobs-identical.sh [OUT_DIR]      (needs redis-server on PATH; run after npm ci)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d /tmp/vibann-jobs-XXXX)}"
mkdir -p "$out"
vibann=(node "$here/bin/vibann.js")
port=$((20000 + RANDOM % 20000))
study=(evaluate --seeds-report 4 --quick --seed 1)

timed() { # name, command…
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$out/$name.log" 2>&1
  t1=$(date +%s.%N)
  printf '%-8s wall %6.1f s  load %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
}

timed workers1 "${vibann[@]}" "${study[@]}" --workers 1 --out "$out/w1"
timed workers2 "${vibann[@]}" "${study[@]}" --workers 2 --out "$out/w2"

redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --logfile "$out/redis.log" --pidfile "$out/redis.pid"
trap 'kill "$(cat "$out/redis.pid")" 2>/dev/null || true; kill ${w1:-} ${w2:-} 2>/dev/null || true' EXIT
sleep 0.5
url="redis://127.0.0.1:$port"
"${vibann[@]}" worker --queue "$url" --workers 1 >"$out/worker1.log" 2>&1 &
w1=$!
"${vibann[@]}" worker --queue "$url" --workers 1 >"$out/worker2.log" 2>&1 &
w2=$!
timed queue "${vibann[@]}" "${study[@]}" --queue "$url" --out "$out/q"

node --input-type=module -e '
import { readFileSync } from "node:fs";
const strip = (o) => JSON.parse(JSON.stringify(o, (k, v) => (/wall|_s$|elapsed|date|time|path|dir|host|pid/i.test(k) ? undefined : v)));
const [a, b, c] = process.argv.slice(1).map((d) => strip(JSON.parse(readFileSync(`${d}/studies.json`, "utf8"))));
const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
console.log("studies.json (without times and paths): workers 2", same(a, b) ? "identical" : "DIFFERENT", "· queue", same(a, c) ? "identical" : "DIFFERENT");
process.exit(same(a, b) && same(a, c) ? 0 : 1);
' "$out/w1" "$out/w2" "$out/q"
