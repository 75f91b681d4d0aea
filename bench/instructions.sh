#!/usr/bin/env bash
# Instructions the SDK executes per image synthesized, or per pass over the parse corpus, counted
# by valgrind (cachegrind) with V8 on one thread: a measure that does not move with the machine's
# load, for comparing two builds of the SDK. Each build is run at two counts and the difference is
# divided by the extra work, so that Node's start and the warm-up cancel out.
#
#   bash bench/instructions.sh synth|parse [SDK entry A] [SDK entry B]
#
# With no entry, the workspace's dockwright (build it first: pnpm run build). Runs
# bench/instructions.ts through jiti (its one-time transform cancels out with the start). Needs valgrind
# (Debian: apt-get install valgrind). About a minute per build for synth.
set -euo pipefail
kind=${1:?usage: bash bench/instructions.sh synth\|parse [SDK entry A] [SDK entry B]}
shift
here=$(cd "$(dirname "$0")" && pwd)
if [ "$kind" = synth ]; then low=2000; high=12000; unit=image; else low=100; high=600; unit='corpus pass'; fi
count() { # entry count
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    node --single-threaded "$here/../node_modules/jiti/lib/jiti-cli.mjs" "$here/instructions.ts" "$kind" "$2" ${1:+"$1"} 2>&1 | awk '/I[ ]+refs:/ { gsub(",", "", $NF); print $NF }'
}
per_unit() { # entry
  local a b
  # Once outside valgrind first: jiti's cache of the transformed files is then warm for both counts.
  node "$here/../node_modules/jiti/lib/jiti-cli.mjs" "$here/instructions.ts" "$kind" 1 ${1:+"$1"} >/dev/null
  a=$(count "$1" $low)
  b=$(count "$1" $high)
  echo $(((b - a) / (high - low)))
}
first=$(per_unit "${1:-}")
echo "${1:-dockwright}: $first instructions per $unit"
if [ $# -ge 2 ]; then
  second=$(per_unit "$2")
  echo "$2: $second instructions per $unit ($(awk -v a="$first" -v b="$second" 'BEGIN { printf "%.3f", b / a }')x the first)"
fi
