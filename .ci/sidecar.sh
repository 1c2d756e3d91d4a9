#!/usr/bin/env bash
# The README's "Run it as a sidecar": two host programs from the example manifests, a payload passed between them
# with `roadrunner invoke`, over shared memory and over TCP; both nodes stop on SIGTERM with exit code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Roadrunner.Cli -v quiet -nologo
cli="dotnet src/Roadrunner.Cli/bin/Debug/net10.0/Roadrunner.Cli.dll"
logs=$(mktemp -d)
key=samples/manifests/tcp/demo.key
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs" "$key"' EXIT
head -c 32 /dev/urandom > "$key"

pair() { # pair <folder of node-a.toml and node-b.toml>
  local dir=$1 a b
  for m in "$dir"/node-a.toml "$dir"/node-b.toml; do $cli validate "$m"; done
  $cli run "$dir/node-b.toml" > "$logs/b" 2>&1 & b=$!
  $cli run "$dir/node-a.toml" > "$logs/a" 2>&1 & a=$!
  for _ in $(seq 300); do
    if grep -q "Application started" "$logs/a" && grep -q "Application started" "$logs/b"; then break; fi
    sleep 0.1
  done
  echo "hello from the shell" | $cli invoke forwarder --data - --manifest "$dir/node-a.toml"
  # Ok means node A took it; the hop on to node B is A's own. Stop the nodes once B has logged it (or after 30 s).
  for _ in $(seq 300); do
    if grep -q "consumer stdout: received" "$logs/b"; then break; fi
    sleep 0.1
  done
  kill -TERM "$a" "$b"
  wait "$a" || { echo "CI: node A exited with $?" >&2; cat "$logs/a"; exit 1; }
  wait "$b" || { echo "CI: node B exited with $?" >&2; cat "$logs/b"; exit 1; }
  grep -q "consumer stdout: received 21 bytes: hello from the shell" "$logs/b" \
    || { echo "CI: node B did not get the payload ($dir)" >&2; cat "$logs/a" "$logs/b"; exit 1; }
  echo "sidecar ($dir): passed"
}

pair samples/manifests
pair samples/manifests/tcp
