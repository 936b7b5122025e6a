#!/bin/bash
# A B A B: redis-benchmark -P 16 (SET, GET, LPUSH, LPOP) against two builds, or one build
# with two notify-keyspace-events settings; each server fresh with its own temp data dir.
# Prints one CSV line per test and run, prefixed A or B. Ports 27201/27202 must be free.
# usage: bench/ab-redis-benchmark.sh A_DIR B_DIR [ROUNDS] [NOTIFY_A] [NOTIFY_B]  (notify-keyspace-events of each side)
A=$1; B=$2; ROUNDS=${3:-2}; NOTIFY_A=${4:-}; NOTIFY_B=${5:-$NOTIFY_A}
run() {
  local name=$1 root=$2 port=$3 notify=$4
  local dir=$(mktemp -d /tmp/kiwi-ab-XXXX)
  (cd $root && exec node dist/cli.js --port $port --dir $dir --set "server.notify_keyspace_events=$notify" >/tmp/ab-$name.log 2>&1) &
  local pid=$!
  for i in $(seq 1 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-benchmark -h 127.0.0.1 -p $port -t set,get,lpush,lpop -n 200000 -c 50 -P 16 -d 16 -r 1000000 --csv -q 2>/dev/null | sed "s/^/$name,/"
  kill $pid; wait $pid 2>/dev/null; rm -rf $dir
}
for r in $(seq 1 $ROUNDS); do
  run A $A 27201 "$NOTIFY_A"
  run B $B 27202 "$NOTIFY_B"
done
