#!/usr/bin/env bash
# A mixed batch as an archive delivers it: Tajik, Russian, Uzbek Cyrillic and English
# pages, clean, degraded and rotated, ingested with the default languages (no language
# given per file). Beside it, on the same pages and cores in the same run: the tesseract
# CLI as a user would run it on such a batch (-l tgk+rus+eng, one single-threaded
# process per core), and the strongest bare CLI setup (--psm 1 -c
# thresholding_method=2 with each page's own language, which the CLI cannot find by
# itself). Prints seconds, pages/s, CER by level and language (cer.py), and how
# fehrist found each page's language. Figures, not assertions.
#
#   benches/mixed.sh [PATH/TO/shared]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$here/../shared}
tools="$shared/tools"
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

set="$work/set"
seed=100
render() { # text lang name level orientation
  seed=$((seed + 1))
  /usr/bin/python3 "$tools/make_scans.py" render "$here/fixtures/texts/$1.txt" "$2" --out "$set" \
    --name "$3" --level "$4" --orientation "$5" --seed "$seed" --pages 1 > /dev/null
}
for text in tgk-d45-1 tgk-d45-2 rus-d46-1 rus-d46-2 uzb-d2-1 eng-letter; do
  case $text in tgk*) lang=tgk ;; rus*) lang=rus ;; uzb*) lang=uzb_cyrl ;; eng*) lang=eng ;; esac
  for level in none light medium heavy; do render "$text" "$lang" "$text-$level" "$level" 0; done
done
render tgk-d45-1 tgk tgk-d45-1-rot90 light 90
render rus-d46-2 rus rus-d46-2-rot180 light 180
render uzb-d2-1 uzb_cyrl uzb-d2-1-rot270 light 270
render eng-letter eng eng-letter-rot180 light 180
pages=$(ls "$set" | grep -cE '\.(png|jpg)$')
echo "pages: $pages (tgk, rus, uzb_cyrl, eng; clean, light, medium, heavy, rotated), cores: $cores"

lang_of() { case $1 in tgk_*) echo tgk ;; rus_*) echo rus ;; uzb_cyrl_*) echo uzb_cyrl ;; eng_*) echo eng ;; esac; }

# fehrist: one record per page, in a shuffled order (as a batch mixes them), default
# languages: nothing tells it which page is in which language.
batch="$work/batch"
n=0
for image in $(ls "$set"/*.png "$set"/*.jpg 2>/dev/null | sort -R --random-source=<(yes)); do
  n=$((n + 1))
  id=$(basename "${image%.*}")
  mkdir -p "$batch/F-1/O-1/D-$n"
  cp "$image" "$batch/F-1/O-1/D-$n/0001.${image##*.}"
  echo "$n $id" >> "$work/records"
done
export FEHRIST_STORE="file://$work/var/store"
start=$(date +%s.%N)
"$fehrist" ingest "$batch" --workers "$cores" > /dev/null 2>&1
ingest_secs=$(echo "$(date +%s.%N) - $start" | bc)
mkdir -p "$work/hyp-fehrist"
: > "$work/found"
while read -r n id; do
  "$fehrist" show "TJ-CSA/F-1/O-1/D-$n" --text > "$work/hyp-fehrist/$id.txt"
  "$fehrist" --json show "TJ-CSA/F-1/O-1/D-$n" \
    | /usr/bin/python3 -c 'import json, sys; p = json.load(sys.stdin)["manifest"]["pages"][0]; print(sys.argv[1], p["language"], (p.get("preprocessing") or {}).get("language_found", "-"))' "$id" >> "$work/found"
done < "$work/records"

source "$here/benches/cli.sh"
default_secs=$(cli cli-default -l tgk+rus+eng)
strongest_secs=$(cli cli-strongest --psm 1 -c thresholding_method=2 -l '"$2"')

printf '\n%-62s %8s %9s\n' "" seconds pages/s
row() { printf '%-62s %8.1f %9.2f\n' "$1" "$2" "$(echo "$pages / $2" | bc -l)"; }
row "fehrist ingest, default languages (OCR, ALTO, seal, store, index)" "$ingest_secs"
row "tesseract -l tgk+rus+eng (text only)" "$default_secs"
row "tesseract --psm 1 -c thresholding_method=2 -l <own> (text only)" "$strongest_secs"
printf '%-62s %18.2f×\n' "fehrist / tesseract -l tgk+rus+eng" "$(echo "$default_secs / $ingest_secs" | bc -l)"

echo
echo "how fehrist found each page's language (page, language read, how):"
wrong=$(awk '{ split($1, a, "_"); own = (a[1] == "uzb") ? "uzb_cyrl" : a[1]; if ($2 != own) print }' "$work/found")
awk '{ print $3 }' "$work/found" | sort | uniq -c | sed 's/^/  /'
[ -n "$wrong" ] && { echo "  read in another language than their own:"; echo "$wrong" | sed 's/^/    /'; } || echo "  every page read in its own language"
for name in fehrist cli-default cli-strongest; do
  echo
  /usr/bin/python3 "$tools/cer.py" score "$set" "$work/hyp-$name" --name "$name" \
    | sed -n '/^## /p;/^-- by degradation level/,/^ALL/p;/^-- by language (all pages)/,/^-- by language (upright/p' \
    | grep -v '^-- by language (upright'
done
