#!/bin/bash
# Work per township file, load-independent: cachegrind's instruction count of
# `validate --jobs 1` on 60 township files minus the same on 1 file, divided by 59.
# Wall times on a shared machine vary by 5-10%; this count does not, so it compares two
# versions of the code. Needs valgrind and benchmarks/out/townships_1000 (bench_validate.py
# generates it). Run from the repository (or a worktree):  benchmarks/instructions.sh [DIR]
set -eu
cd "${1:-.}"
src=benchmarks/out/townships_1000
[ -d "$src" ] || { echo "missing $src: run benchmarks/bench_validate.py first" >&2; exit 2; }
one=benchmarks/out/instr_1 sixty=benchmarks/out/instr_60
if [ ! -d "$sixty" ]; then
  mkdir -p "$one" "$sixty"
  ls "$src"/*.xlsx | head -1 | xargs -I{} cp {} "$one"/
  ls "$src"/*.xlsx | awk 'NR % 16 == 1' | head -60 | xargs -I{} cp {} "$sixty"/
fi
env -u PYTHONDONTWRITEBYTECODE .venv/bin/python -m compileall -q branchctl >/dev/null
run() {
  env -u PYTHONDONTWRITEBYTECODE valgrind --tool=cachegrind --cache-sim=no \
    --cachegrind-out-file=/dev/null .venv/bin/python -m branchctl \
    validate "$1" --json --as-of 2025-06-30 --jobs 1 2>&1 >/dev/null |
    grep -o 'I *refs: *[0-9,]*' | tr -dc 0-9
}
a=$(run "$one")
b=$(run "$sixty")
echo "1 file: $a  60 files: $b  per file: $(( (b - a) / 59 / 1000 )) k instructions"
