#!/usr/bin/env bash
# Extraction quality: generated writs of execution (Russian, Tajik, Uzbek) and
# civil-registry acts (Russian, Tajik) with known field values, rendered clean and
# degraded (../shared/tools/make_scans.py, level medium), ingested through their
# pipelines; prints precision and recall per field. Figures, not assertions.
#
#   benches/extraction/run.sh [WRITS] [ACTS]     # default 30 writs, 10 acts
set -euo pipefail
writs=${1:-30}
acts=${2:-10}
here=$(cd "$(dirname "$0")/../.." && pwd)
tools="$here/../shared/tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="$here/target/release/fehrist"
/usr/bin/python3 "$here/benches/extraction/make_documents.py" "$work/docs" --writs "$writs" --acts "$acts"

# One batch per pipeline; clean pages under O-1, degraded ones under O-2.
for doc in "$work"/docs/*.txt; do
  id=$(basename "$doc" .txt)
  lang=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lang"])' "${doc%.txt}.json")
  case $id in writ*) batch=writs fond=F-901 ;; *) batch=acts fond=F-902 ;; esac
  n=$((10#${id//[a-z]/} + 1))
  for level in none medium; do
    inventory=$([ $level = none ] && echo O-1 || echo O-2)
    /usr/bin/python3 "$tools/make_scans.py" render "$doc" "$lang" --out "$work/render/$level/$id" \
      --name "$id" --level "$level" --seed "$n" > /dev/null
    dir="$work/$batch/$fond/$inventory/D-$n"
    mkdir -p "$dir"
    cp "$work/render/$level/$id"/*_01.png "$work/render/$level/$id"/*_01.jpg "$dir/" 2>/dev/null || true
    echo "$id $level TJ-CSA/$fond/$inventory/D-$n" >> "$work/records"
  done
done

cd "$work"
start=$(date +%s.%N)
"$fehrist" ingest "$work/writs" --pipeline executive-documents --json > "$work/writs.json" || true
"$fehrist" ingest "$work/acts" --pipeline civil-registry --json > "$work/acts.json" || true
end=$(date +%s.%N)
pages=$(wc -l < "$work/records")
printf 'ingested %d pages in %.1f s (OCR and extraction)\n' "$pages" "$(echo "$end - $start" | bc -l)"

while read -r id level code; do
  "$fehrist" show "$code" --json |
    /usr/bin/python3 -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps({"id":sys.argv[1],"level":sys.argv[2],"fields":m.get("fields",{})},ensure_ascii=False))' "$id" "$([ "$level" = none ] && echo clean || echo degraded)"
done < "$work/records" > "$work/results.jsonl"
/usr/bin/python3 "$here/benches/extraction/score.py" "$work/docs" "$work/results.jsonl"
