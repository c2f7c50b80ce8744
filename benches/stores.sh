#!/usr/bin/env bash
# The same generated batch ingested into the local store and into S3 (a Garage node
# on 127.0.0.1, started here), in one run: pages/second and peak memory for each.
# Figures, not assertions.
#
#   benches/stores.sh [PAGES]    # default 2000: the fixture pages copied under new fonds
set -euo pipefail
pages=${1:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
cores=$(nproc)
work=$(mktemp -d)
garage_dir="$work/garage"
mkdir -p "$garage_dir"
trap '"$here/.ci/garage" stop "$garage_dir"; rm -rf "$work"' EXIT

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

# Copies of the five fixture pages (three files) under as many fonds as it takes.
. "$here/benches/fixture-copies.sh"
batch="$work/batch"
copies=$(( (pages + 4) / 5 ))
fixture_copies "$batch" "$copies"
made=$(( copies * 5 ))
echo "pages: $made ($copies copies of the 5 fixture pages), cores: $cores"

eval "$("$here/.ci/garage" start "$garage_dir")"
run() { # label, store URL
  local dir="$work/$1"
  mkdir -p "$dir"
  (cd "$dir" && /usr/bin/time -f "%e %M" -o "$dir/time" \
    env FEHRIST_STORE="$2" "$fehrist" ingest "$batch" --workers "$cores" > "$dir/out" 2>&1)
  read -r secs kib < "$dir/time"
  printf '%-32s %8.1f s %8.2f pages/s %8.0f MiB peak\n' "$1" "$secs" "$(echo "$made / $secs" | bc -l)" "$(echo "$kib / 1024" | bc -l)"
}
echo
run "local store (file://)" "file://$work/local/var/store"
run "S3 (Garage on 127.0.0.1)" "$FEHRIST_TEST_S3/bench"
