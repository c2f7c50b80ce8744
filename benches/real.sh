#!/usr/bin/env bash
# Recognition on real scans nobody here made (shared/real-dev: typescripts, printed
# pages, newspaper line crops, handwriting, each with its publisher's ground truth), in
# one run on the same items and cores: fehrist ingest; plain `tesseract IMG out -l LANG`
# as a user would run it (one single-threaded process per core); OCRmyPDF on the same
# images (its text layer read with `pdftotext -raw`). Prints seconds, items/s, and the
# set's own scorer's CER and word miss rate by kind. Figures, not assertions.
#
#   benches/real.sh [PATH/TO/shared]      # needs ocrmypdf (apt) for its column
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$here/../shared}
real="$shared/real-dev"
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1 PYTHONHASHSEED=0

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

# id image language, one line per item.
/usr/bin/python3 -c '
import json, sys
for item in json.load(open(sys.argv[1]))["items"]:
    print(item["id"], item["image"], item["tesseract_lang"])
' "$real/manifest.json" > "$work/items"
items=$(wc -l < "$work/items")
echo "items: $items from $real (pages and line crops), cores: $cores"

# fehrist: one record per item, its language from the inventory as an archive gives it.
batch="$work/batch"
mkdir -p "$batch"
echo "ref_code,languages" > "$batch/inventory.csv"
n=0
while read -r id image lang; do
  n=$((n + 1))
  mkdir -p "$batch/F-1/O-1/D-$n"
  cp "$real/$image" "$batch/F-1/O-1/D-$n/0001.${image##*.}"
  echo "F-1/O-1/D-$n,$lang" >> "$batch/inventory.csv"
  echo "$n $id" >> "$work/records"
done < "$work/items"
export FEHRIST_STORE="file://$work/var/store"
start=$(date +%s.%N)
"$fehrist" ingest "$batch" --workers "$cores" > "$work/ingest.log" 2>&1 || true
fehrist_secs=$(echo "$(date +%s.%N) - $start" | bc)
mkdir -p "$work/hyp-fehrist"
while read -r n id; do
  "$fehrist" show "TJ-CSA/F-1/O-1/D-$n" --text > "$work/hyp-fehrist/$id.txt" 2>/dev/null || true
done < "$work/records"

# Plain tesseract, default page segmentation, the item's own language.
mkdir -p "$work/hyp-tesseract"
while read -r id image lang; do
  echo "$real/$image $work/hyp-tesseract/$id $lang"
done < "$work/items" > "$work/jobs"
start=$(date +%s.%N)
xargs -P "$cores" -L 1 sh -c 'tesseract "$0" "$1" -l "$2" 2>/dev/null' < "$work/jobs"
tesseract_secs=$(echo "$(date +%s.%N) - $start" | bc)

# OCRmyPDF on each image (a JPEG's 72 dpi header is what OCRmyPDF is told), one job per
# item in parallel; its text layer read with pdftotext -raw.
ocrmypdf_secs=""
if command -v ocrmypdf > /dev/null; then
  mkdir -p "$work/hyp-ocrmypdf"
  start=$(date +%s.%N)
  xargs -P "$cores" -L 1 sh -c '
    ocrmypdf -q --jobs 1 --image-dpi 300 -l "$2" "$0" "$1.pdf" 2>/dev/null \
      && pdftotext -raw "$1.pdf" "$1.txt"; rm -f "$1.pdf"' \
    < <(sed "s#$work/hyp-tesseract#$work/hyp-ocrmypdf#" "$work/jobs")
  ocrmypdf_secs=$(echo "$(date +%s.%N) - $start" | bc)
fi

printf '\n%-44s %8s %8s\n' "" seconds items/s
row() { printf '%-44s %8.1f %8.2f\n' "$1" "$2" "$(echo "$items / $2" | bc -l)"; }
row "fehrist ingest (OCR, ALTO, seal, store, index)" "$fehrist_secs"
row "tesseract IMG out -l LANG" "$tesseract_secs"
[ -n "$ocrmypdf_secs" ] && row "ocrmypdf --image-dpi 300 -l LANG, pdftotext -raw" "$ocrmypdf_secs"
echo
grep -E "problem|failed" "$work/ingest.log" | head -5 || true
dirs=("$work/hyp-fehrist" "$work/hyp-tesseract")
[ -d "$work/hyp-ocrmypdf" ] && dirs+=("$work/hyp-ocrmypdf")
(cd "$real" && /usr/bin/python3 score.py "${dirs[@]}" ${ITEMS:+--items})
