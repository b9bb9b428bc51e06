#!/usr/bin/env bash
# docs/benchmarks.md in one command, every figure on it made here:
#  1. ONE run of the harness: the sweeps of benchmarks/targets.toml (CLN cohorts, the
#     benchmark families with auto on every objective, the peers, region and stress scale,
#     MDGPLIB, CCPLIB, Social Golfer, breakout rooms at scale) as one plan, two runs at a
#     time on the 2 cores (runs marked `alone` one at a time), into OUT (progress in
#     OUT/harness.log);
#  2. then, one after the other so that none is timed beside another, the scripts of the
#     page's other sections, each writing its tables into its page (--docs FILE) and its
#     rows into OUT: benchmarks/whole_call.py (the time limit covers the whole call) ->
#     docs/benchmarks-wholecall.md, OUT/wholecall; benchmarks/event_speed.py ->
#     docs/benchmarks-event.md; benchmarks/bounds.py (certified gaps at region and stress
#     scale, every MDGPLIB instance, our records; about 20 minutes) ->
#     docs/benchmarks-bounds.md, OUT/bounds;
#  3. the search engine's speed on fixed work (benchmarks/kernel_speed.py) on the code of
#     commit 1dc5809, the last before the restructuring, and on this code;
#  4. the page (benchmarks/write_docs.py), with this command and the commit on it and the
#     figures before the restructuring (benchmarks/before-restructuring/) beside the new ones.
#
#   bash benchmarks/run_targets.sh [OUT]        (OUT defaults to benchmarks/results; the
#                                                harness about 70 minutes on 2 cores,
#                                                then the section scripts, about 20 more)
#   bash benchmarks/run_targets.sh OUT smoke    (benchmarks/smoke.toml, a few minutes, to
#                                                check the pipeline: writes OUT/benchmarks.md,
#                                                not the docs; the section scripts are not
#                                                run, their sections in docs/ are included)
set -euo pipefail

# the whole script is read before it runs: editing it during a run cannot change that run
main() {
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/results}
MODE=${2:-targets}
PY=${PYTHON:-.venv/bin/python}
BEFORE_COMMIT=1dc5809
case "$MODE" in
  targets) DOC=docs/benchmarks.md; REPEAT=3; NOTE="" ;;
  smoke)
    DOC="$OUT/benchmarks.md"; REPEAT=1
    NOTE="A smoke run: the section scripts were not run; their sections are included as docs/ holds them." ;;
  *) echo "usage: bash benchmarks/run_targets.sh [OUT] [targets|smoke]" >&2; exit 2 ;;
esac
# what every step imports, checked now rather than after an hour's run: the peers (the
# bench extra) and the event section's test client (httpx2, in the test extra)
if ! "$PY" -c "import k_means_constrained, team_formation, fastapi.testclient" 2> /dev/null; then
  echo "error: $PY lacks the harness's peers or the event section's test client;" \
    "install the test extra (it holds the bench one): $PY -m pip install -e '.[test]'" >&2
  exit 2
fi
COMMAND="bash benchmarks/run_targets.sh${1:+ $OUT}${2:+ $MODE}"
COMMIT=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
if [ -n "$(git status --porcelain -- src benchmarks/*.py benchmarks/*.sh benchmarks/*.toml pyproject.toml 2> /dev/null)" ]; then
  COMMIT="$COMMIT (with uncommitted changes)"
fi
rm -rf "$OUT"
mkdir -p "$OUT"

# 1. the harness
echo "harness: benchmarks/$MODE.toml -> $OUT (progress in $OUT/harness.log)" >&2
"$PY" -m benchmarks --plan "benchmarks/$MODE.toml" --jobs 2 --out "$OUT" 2> "$OUT/harness.log"

# 2. the sections other scripts measure (never beside the harness: they time the machine)
INCLUDES=()
SECTION_ROWS=()
if [ "$MODE" = targets ]; then
  echo "section: benchmarks/whole_call.py -> docs/benchmarks-wholecall.md (log in $OUT/whole_call.log)" >&2
  if "$PY" -m benchmarks.whole_call --out "$OUT/wholecall" --docs docs/benchmarks-wholecall.md > "$OUT/whole_call.log" 2>&1; then
    SECTION_ROWS+=(--whole-call "$OUT/wholecall/results.csv")
  else
    echo "warning: benchmarks/whole_call.py failed (see $OUT/whole_call.log); the page keeps its last section" >&2
  fi
  echo "section: benchmarks/event_speed.py -> docs/benchmarks-event.md" >&2
  if ! "$PY" benchmarks/event_speed.py --docs docs/benchmarks-event.md > "$OUT/event_speed.log" 2>&1; then
    echo "warning: benchmarks/event_speed.py failed (see $OUT/event_speed.log)" >&2
  fi
  echo "section: benchmarks/bounds.py -> docs/benchmarks-bounds.md (log in $OUT/bounds.log)" >&2
  if "$PY" -m benchmarks.bounds --out "$OUT/bounds" --docs docs/benchmarks-bounds.md > "$OUT/bounds.log" 2>&1; then
    SECTION_ROWS+=(--bounds "$OUT/bounds")
  else
    echo "warning: benchmarks/bounds.py failed (see $OUT/bounds.log); the page keeps its last section" >&2
  fi
fi
for section in docs/benchmarks-wholecall.md docs/benchmarks-event.md docs/benchmarks-bounds.md; do
  if [ -f "$section" ]; then
    INCLUDES+=(--include "$section")
  fi
done

# 3. the search engine on fixed work, before the restructuring and now
KERNEL=()
if git cat-file -e "$BEFORE_COMMIT^{commit}" 2> /dev/null; then
  echo "kernel speed: $BEFORE_COMMIT and this code" >&2
  BEFORE_SRC=$(mktemp -d)
  trap 'rm -rf "$BEFORE_SRC"' EXIT
  git archive "$BEFORE_COMMIT" src | tar -x -C "$BEFORE_SRC"
  # the same script on the old package; there the repair lived in clnmatch.strategies
  PYTHONPATH="$BEFORE_SRC/src" "$PY" - --repeat "$REPEAT" > "$OUT/kernel-speed-before.txt" << 'EOF'
import importlib
import runpy
import sys

sys.modules["clnmatch.search.repair"] = importlib.import_module("clnmatch.strategies.repair")
sys.argv = ["benchmarks/kernel_speed.py", *sys.argv[1:]]
runpy.run_path("benchmarks/kernel_speed.py", run_name="__main__")
EOF
  "$PY" benchmarks/kernel_speed.py --repeat "$REPEAT" > "$OUT/kernel-speed-after.txt"
  KERNEL=(--kernel-before "$OUT/kernel-speed-before.txt" --kernel-after "$OUT/kernel-speed-after.txt")
else
  echo "warning: commit $BEFORE_COMMIT not in this clone; no kernel speed before/after" >&2
fi

# 4. the page
"$PY" -m benchmarks.write_docs "$OUT" --doc "$DOC" --command "$COMMAND" --commit "$COMMIT" --note "$NOTE" \
  --before benchmarks/before-restructuring/results \
  --before benchmarks/before-restructuring/results-research \
  ${INCLUDES[@]+"${INCLUDES[@]}"} ${SECTION_ROWS[@]+"${SECTION_ROWS[@]}"} \
  ${KERNEL[@]+"${KERNEL[@]}"}
}

main "$@"
