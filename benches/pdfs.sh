#!/usr/bin/env bash
# The real PDFs of shared/real-dev/pdfs (scanner and PDF-tool output: JBIG2, JPX,
# CCITT, Indexed, CMYK, masks, strips, /Rotate, damage), one record each, ingested by
# fehrist; beside it, in the same run on the same cores, what a user would otherwise
# do: `pdftoppm -r 300 -gray` each page and `tesseract PAGE out -l eng` (one
# single-threaded process per core). The set has no ground truth, so this prints what
# each registered or refused, seconds, and the words each read per file (how much text
# came out, not how right it is). Figures, not assertions.
#
#   benches/pdfs.sh [PATH/TO/shared]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$here/../shared}
pdfs="$shared/real-dev/pdfs"
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

batch="$work/batch"
n=0
for pdf in "$pdfs"/*.pdf; do
  n=$((n + 1))
  mkdir -p "$batch/F-1/O-1/D-$n"
  cp "$pdf" "$batch/F-1/O-1/D-$n/"
  echo "$n $(basename "$pdf")" >> "$work/records"
done
echo "files: $n from $pdfs, cores: $cores"
export FEHRIST_STORE="file://$work/var/store"
start=$(date +%s.%N)
"$fehrist" ingest "$batch" --workers "$cores" --languages eng > "$work/ingest.log" 2>&1 || true
fehrist_secs=$(echo "$(date +%s.%N) - $start" | bc)

# The plain route: every page drawn by poppler at 300 dpi, read by tesseract (a file
# poppler cannot draw gives no pages).
mkdir -p "$work/plain"
start=$(date +%s.%N)
while read -r n name; do
  pdftoppm -r 300 -gray -png "$pdfs/$name" "$work/plain/$n" 2>/dev/null || true
done < "$work/records"
ls "$work/plain"/*.png 2>/dev/null | xargs -r -P "$cores" -I{} sh -c 'tesseract "$0" "${0%.png}" -l eng 2>/dev/null' {}
plain_secs=$(echo "$(date +%s.%N) - $start" | bc)

printf '\n%-52s %-10s %6s %6s %8s %8s\n' file fehrist sheets unread "words f" "words p"
while read -r n name; do
  plain_words=$( (cat "$work/plain/$n"-*.txt 2>/dev/null || true) | wc -w)
  if json=$("$fehrist" --json show "TJ-CSA/F-1/O-1/D-$n" 2>/dev/null); then
    read -r sheets unread < <(echo "$json" | /usr/bin/python3 -c 'import json, sys; p = json.load(sys.stdin)["manifest"]["pages"]; print(len(p), sum(1 for x in p if x.get("unread")))')
    words=$("$fehrist" show "TJ-CSA/F-1/O-1/D-$n" --text | wc -w)
    printf '%-52s %-10s %6s %6s %8s %8s\n' "$name" registered "$sheets" "$unread" "$words" "$plain_words"
  else
    printf '%-52s %-10s %6s %6s %8s %8s\n' "$name" refused - - - "$plain_words"
  fi
done < "$work/records"
echo
grep -E "^fehrist: F-1" "$work/ingest.log" | sed 's/^fehrist: /  /' || true
printf '\n%-52s %8s\n' "" seconds
printf '%-52s %8.1f\n' "fehrist ingest --languages eng" "$fehrist_secs"
printf '%-52s %8.1f\n' "pdftoppm -r 300 -gray + tesseract -l eng" "$plain_secs"
