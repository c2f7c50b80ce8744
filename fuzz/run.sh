#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) from its committed seed corpus,
# two at a time, and prints executions and findings per target. Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`); the stable toolchain is let through the
# fuzzer's unstable flags with RUSTC_BOOTSTRAP=1, without a sanitizer.
#
#   fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none
targets=$(cargo fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  local target=$1
  mkdir -p "$work/$target"
  # New inputs go to a scratch folder; the committed corpus stays as it is.
  cargo fuzz run -s none "$target" "$work/$target" corpus/"$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    > "$work/$target.log" 2>&1 && status=ok || status="FOUND (see fuzz/artifacts/$target)"
  local execs
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/$target.log" | grep -oE '[0-9]+$' || echo "?")
  printf '%-14s %10s executions in %ss  %s\n' "$target" "$execs" "$seconds" "$status"
}
export -f run
export work seconds
echo "$targets" | xargs -P 2 -I{} bash -c 'run {}'
