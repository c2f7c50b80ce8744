#!/usr/bin/env bash
# Recognition on clean, degraded and rotated pages, in one run on the same pages and
# cores: fehrist ingest; the tesseract CLI as a user would run it (-l tgk+rus+eng); the
# strongest bare CLI setup found here (--psm 1 -c thresholding_method=2 with each page's
# own language, which the CLI cannot find by itself); OCRmyPDF --deskew --rotate-pages.
# Prints seconds and pages/second, and cer.py's CER/WER by degradation level, language
# and special letter. Figures, not assertions.
#
#   benches/recognition.sh [PATH/TO/shared]      # needs ocrmypdf (apt) for its column
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$here/../shared}
tools="$shared/tools"
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1 PYTHONHASHSEED=0

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

# The page set: every fixture text at four degradation levels, and five rotated pages.
set="$work/set"
seed=1
render() { # text lang name level orientation
  seed=$((seed + 1))
  /usr/bin/python3 "$tools/make_scans.py" render "$here/fixtures/texts/$1.txt" "$2" --out "$set" \
    --name "$3" --level "$4" --orientation "$5" --seed "$seed" --pages 1 > /dev/null
}
for text in tgk-d45-1 tgk-d45-2 rus-d46-1 rus-d46-2 uzb-d2-1; do
  case $text in tgk*) lang=tgk ;; rus*) lang=rus ;; uzb*) lang=uzb_cyrl ;; esac
  for level in none light medium heavy; do render "$text" "$lang" "$text-$level" "$level" 0; done
done
render tgk-d45-1 tgk tgk-d45-1-rot90 light 90
render tgk-d45-2 tgk tgk-d45-2-rot180 light 180
render rus-d46-1 rus rus-d46-1-rot180 light 180
render rus-d46-2 rus rus-d46-2-rot270 light 270
render uzb-d2-1 uzb_cyrl uzb-d2-1-rot180 light 180
pages=$(ls "$set" | grep -cE '\.(png|jpg)$')
echo "pages: $pages (clean, light, medium, heavy, rotated), cores: $cores"

lang_of() { case $1 in tgk_*) echo tgk ;; rus_*) echo rus ;; uzb_cyrl_*) echo uzb_cyrl ;; esac; }
languages_of() { case $1 in tgk) echo tgk+rus+eng ;; rus) echo rus+tgk+eng ;; uzb_cyrl) echo uzb_cyrl+rus+eng ;; esac; }

# fehrist: one record per page; the inventory gives each file its languages, as an
# archive does per fond.
batch="$work/batch"
mkdir -p "$batch"
echo "ref_code,languages" > "$batch/inventory.csv"
n=0
for image in "$set"/*.png "$set"/*.jpg; do
  [ -e "$image" ] || continue
  n=$((n + 1))
  id=$(basename "${image%.*}")
  mkdir -p "$batch/F-1/O-1/D-$n"
  cp "$image" "$batch/F-1/O-1/D-$n/0001.${image##*.}"
  echo "F-1/O-1/D-$n,$(languages_of "$(lang_of "$id")")" >> "$batch/inventory.csv"
  echo "$n $id" >> "$work/records"
done
export FEHRIST_STORE="file://$work/var/store"
start=$(date +%s.%N)
"$fehrist" ingest "$batch" --workers "$cores" > /dev/null 2>&1
ingest_secs=$(echo "$(date +%s.%N) - $start" | bc)
# Every record's searchable PDF too, as OCRmyPDF's column makes one (ALTO is made at
# ingest), one process per core.
cut -d' ' -f1 "$work/records" \
  | xargs -P "$cores" -I{} sh -c '"$0" show "TJ-CSA/F-1/O-1/D-$1" --pdf > "$2/record-$1.pdf"' "$fehrist" {} "$work"
fehrist_secs=$(echo "$(date +%s.%N) - $start" | bc)
mkdir -p "$work/hyp-fehrist"
while read -r n id; do
  "$fehrist" show "TJ-CSA/F-1/O-1/D-$n" --text > "$work/hyp-fehrist/$id.txt"
done < "$work/records"

source "$here/benches/cli.sh"
default_secs=$(cli cli-default -l tgk+rus+eng)
strongest_secs=$(cli cli-strongest --psm 1 -c thresholding_method=2 -l '"$2"')

ocrmypdf_secs=""
if command -v ocrmypdf > /dev/null; then
  /usr/bin/python3 "$tools/make_scans.py" pdf "$set" "$work/set.pdf" > /dev/null
  start=$(date +%s.%N)
  ocrmypdf -q --deskew --rotate-pages --jobs "$cores" -l tgk+rus+eng "$work/set.pdf" "$work/ocr.pdf" 2>/dev/null
  ocrmypdf_secs=$(echo "$(date +%s.%N) - $start" | bc)
  pdftotext -raw "$work/ocr.pdf" "$work/ocr.txt"
  mkdir -p "$work/hyp-ocrmypdf"
  /usr/bin/python3 "$tools/cer.py" split-pdftext "$work/ocr.txt" "$work/set.pdf.json" "$work/hyp-ocrmypdf" > /dev/null
fi

printf '\n%-58s %8s %9s\n' "" seconds pages/s
row() { printf '%-58s %8.1f %9.2f\n' "$1" "$2" "$(echo "$pages / $2" | bc -l)"; }
row "fehrist ingest (OCR, ALTO, seal, store, index) + PDFs" "$fehrist_secs"
row "  of which ingest alone" "$ingest_secs"
row "tesseract -l tgk+rus+eng (text only)" "$default_secs"
row "tesseract --psm 1 -c thresholding_method=2 -l <own>" "$strongest_secs"
[ -n "$ocrmypdf_secs" ] && row "ocrmypdf --deskew --rotate-pages --jobs $cores" "$ocrmypdf_secs"
for name in fehrist cli-default cli-strongest ocrmypdf; do
  [ -d "$work/hyp-$name" ] || continue
  echo
  /usr/bin/python3 "$tools/cer.py" score "$set" "$work/hyp-$name" --letters --name "$name" \
    | sed -n '/^## /p;/^-- by degradation level/,/^ALL/p;/^-- by language (all pages)/,/^-- by language (upright/p;/^-- special letters/,$p' \
    | grep -v '^-- by language (upright'
done
