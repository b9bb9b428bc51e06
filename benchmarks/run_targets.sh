#!/usr/bin/env bash
# Every figure of docs/benchmarks.md from ONE run of the harness: the sweeps of
# benchmarks/targets.toml (CLN cohorts, the benchmark families with auto on every
# objective, the peers, region and stress scale, MDGPLIB, CCPLIB) run as one plan, two
# runs at a time on the 2 cores, into OUT; then the page is written from OUT alone, with
# this command and the harness command on it.
#   bash benchmarks/run_targets.sh [OUT]          (OUT defaults to benchmarks/results;
#                                                   75-100 minutes on 2 cores)
#   bash benchmarks/run_targets.sh OUT smoke      (benchmarks/smoke.toml: a few minutes, to
#                                                   check the pipeline; writes OUT/benchmarks.md,
#                                                   not the docs)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/results}
MODE=${2:-targets}
case "$MODE" in
  targets) DOC=docs/benchmarks.md ;;
  smoke) DOC="$OUT/benchmarks.md" ;;
  *) echo "usage: bash benchmarks/run_targets.sh [OUT] [targets|smoke]" >&2; exit 2 ;;
esac
COMMAND="bash benchmarks/run_targets.sh $OUT${2:+ $MODE}"
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
.venv/bin/python -m benchmarks --plan "benchmarks/$MODE.toml" --jobs 2 --out "$OUT" 2> "$OUT.log"
.venv/bin/python benchmarks/write_docs.py "$OUT" --doc "$DOC" --command "$COMMAND"
