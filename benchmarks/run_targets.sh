#!/usr/bin/env bash
# The sweeps behind docs/benchmarks.md: the targets of the exact-matching and strategies
# issues, measured in one run on this machine (2 cores). Generated cohorts go to OUT and
# research instances to OUT-research; the two groups run side by side, one core each
# (every run is single-threaded). Then docs/benchmarks.md is written from both folders.
#   bash benchmarks/run_targets.sh [OUT]      (about 60 minutes: the research lane is longer)
#   bash benchmarks/run_targets.sh [OUT] research   (research sweeps only, both cores: ~35 min)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/results}
LANE=${2:-all}
B=".venv/bin/python -m benchmarks"

cohorts() {
  # CLN scale, focus: proven optimal, median time (10 cohorts; colgen is what auto runs)
  $B --sets cln --objective focus --strategies colgen,cpsat --cohorts 10 --seeds 0 --time-limit 60 --out "$OUT"
  # CLN scale, cohesion: certified gap within 60 s (10 cohorts)
  $B --sets cln --objective cohesion --strategies colgen --cohorts 10 --seeds 0 --time-limit 60 --out "$OUT"
  # CLN scale, blend: every strategy and the peers at one time limit (3 cohorts)
  $B --sets cln --strategies all --peers team-formation,k-means-constrained --cohorts 3 --seeds 0 --time-limit 20 --out "$OUT"
  # region scale, blend: rule-abiding within 60 s, memory, gap (3 cohorts)
  $B --sets region --strategies greedy,local_search,cpsat_lns --cohorts 3 --seeds 0 --time-limit 60 --out "$OUT"
  # stress scale: 5,000 establishments / 1,000 teams (the whole call within 5 minutes)
  $B --sets stress --strategies local_search --cohorts 1 --seeds 0 --time-limit 240 --out "$OUT"
}

research() {
  local R="${OUT}-research" J=${1:-1}
  # MDGPLIB at TPSDP's time limits, 5 seeds: every n=120 file; the n=240 and n=480 files
  # numbered 01 (RanReal, Geo, RanInt where the file is here; ss and ds)
  $B --sets mdgp --strategies local_search --match '*_n120_*' --seeds 0,1,2,3,4 --jobs "$J" --out "$R"
  $B --sets mdgp --strategies local_search --match '*_n240_*_01' --seeds 0,1,2,3,4 --jobs "$J" --out "$R"
  $B --sets mdgp --strategies local_search --match '*_n480_*_01' --seeds 0,1,2,3,4 --jobs "$J" --out "$R"
  # CCPLIB sample (weighted members, capacity bounds; no best-known values): strategies side by side
  $B --sets ccp --strategies greedy,kmeans,local_search,cpsat_lns --seeds 0 --time-limit 20 --jobs "$J" --out "$R"
  # research instances the evaluator proves optimal: n=10, 12 (colgen certifies)
  $B --sets mdgp --strategies colgen,local_search --match '*_n01[02]_*' --seeds 0 --time-limit 5 --jobs "$J" --out "$R"
}

if [ "$LANE" = research ]; then
  rm -rf "${OUT}-research"
  research 2 > "${OUT}-research.log" 2>&1
else
  rm -rf "$OUT" "${OUT}-research"
  cohorts > "${OUT}.log" 2>&1 &
  research 1 > "${OUT}-research.log" 2>&1 &
  wait %1
  wait %2
fi
.venv/bin/python benchmarks/write_docs.py "$OUT" "${OUT}-research"
