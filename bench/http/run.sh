#!/usr/bin/env bash
# HTTP enqueue throughput: wrk (64 connections, 2 threads) POSTs one small job per request to a Release build of the
# server, with a private redis-server beside it. Prints each run and the median requests/s and p99 latency.
# Usage: bench/http/run.sh [runs=5] [seconds=10]     (needs wrk and redis-server: apt-get install wrk redis-server)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}; seconds=${2:-10}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); http_port=$(free_port); dir=$(mktemp -d)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes >/dev/null
dotnet build -c Release src/Conveyor.Server >/dev/null
CONVEYOR_REDIS=127.0.0.1:$redis_port dotnet src/Conveyor.Server/bin/Release/net10.0/Conveyor.Server.dll --urls "http://127.0.0.1:$http_port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1; rm -rf "$dir"' EXIT
until curl -sf "http://127.0.0.1:$http_port/health/live" >/dev/null; do sleep 0.2; done
url="http://127.0.0.1:$http_port/api/queues/bench/jobs"
wrk -t2 -c64 -d3s -s bench/http/enqueue.lua "$url" >/dev/null # warm-up: JIT, connections, script load
results=()
for i in $(seq "$runs"); do
  redis-cli -p "$redis_port" flushall >/dev/null
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s bench/http/enqueue.lua "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out"); errors=$(grep -c "Non-2xx" <<<"$out" || true)
  echo "run $i: $rps requests/s, p99 $p99, non-2xx lines: $errors"
  results+=("$rps $p99")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$0} END {split(a[int((NR+1)/2)], m, " "); print "median: " m[1] " requests/s (p99 of that run " m[2] ")"}'
