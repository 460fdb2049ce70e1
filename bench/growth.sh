#!/usr/bin/env bash
# Growth alone: the same questions against the 100x10, 1000x10 and 10000x10 registries loaded by
# earlier `python -m bench.run --scale S --systems registry` runs, back to back, so the machine's
# drift between runs hours apart does not pass for growth. Usage: bash bench/growth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for scale in 100x10 1000x10 10000x10; do
  echo "=== $scale $(date +%H:%M:%S)"
  .venv/bin/python -m bench.run --scale "$scale" --systems registry --reuse \
    --no-keep-alive-check --no-bulk-ingest 2>&1 | head -14
done
