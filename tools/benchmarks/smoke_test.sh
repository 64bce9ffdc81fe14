#!/usr/bin/env bash
# A second of each load client against its bare server: the bench tools start, talk and measure.
# Usage: smoke_test.sh GRPC_SERVER GRPC_LOAD HTTP_SERVER HTTP_LOAD
set -euo pipefail
GRPC_SERVER="$1" GRPC_LOAD="$2" HTTP_SERVER="$3" HTTP_LOAD="$4"
DIR="$(mktemp -d /tmp/notify-bench-smoke.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# Starts a server in the background, logging to $DIR/NAME.log.
start() {
  local name="$1"
  shift
  "$@" >/dev/null 2>"$DIR/$name.log" &
  PIDS+=($!)
}

# Waits for a server's "listening" line and prints its address.
address_of() {
  local log="$DIR/$1.log" address
  for _ in $(seq 1 100); do
    address="$(grep -m1 -E '"msg": ?"listening"' "$log" |
      sed -n 's/.*"address": \{0,1\}"\([^"]*\)".*/\1/p' || true)"
    if [ -n "$address" ]; then
      echo "$address"
      return 0
    fi
    sleep 0.1
  done
  echo "$1 did not start:" >&2
  cat "$log" >&2
  return 1
}

# Fails unless the JSON line has a positive rate field and no errors.
check() {
  local name="$1" field="$2" json="$3"
  echo "$name: $json"
  /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[2])
sys.exit(0 if r[sys.argv[1]] > 0 and r["errors"] == 0 else 1)' "$field" "$json" ||
    { echo "$name: no load measured, or errors" >&2; exit 1; }
}

start grpc "$GRPC_SERVER" --listen=127.0.0.1:0
GRPC="$(address_of grpc)"
check echo qps "$("$GRPC_LOAD" --target="$GRPC" --method=/notify.bench.Echo/Echo \
  --channels=1 --in_flight=4 --warmup=200ms --duration=1s)"
check receive_event qps "$("$GRPC_LOAD" --target="$GRPC" \
  --method=/notifications.v1.WebhookService/ReceiveEvent --channels=1 --in_flight=2 \
  --warmup=0s --duration=500ms)"

start http "$HTTP_SERVER" --listen=127.0.0.1:0 --threads=1
HTTP="$(address_of http)"
check http_closed rps "$("$HTTP_LOAD" --url="http://$HTTP/x" --body='{"id":"{seq}"}' \
  --connections=4 --warmup=200ms --duration=1s)"
check http_open rps "$("$HTTP_LOAD" --url="http://$HTTP/x" --rate=500 --connections=4 \
  --warmup=200ms --duration=1s)"
check http_count rps "$("$HTTP_LOAD" --url="http://$HTTP/x" --requests=100 --connections=4)"
echo "smoke test passed"
