#!/usr/bin/env bash
# Ingest throughput: `fehrist ingest` plus every record's searchable PDF against the
# `tesseract` CLI on the same pages, the same languages and the same cores, in one run.
# Prints pages/second, peak memory and character error rate for both, and their ratio.
# Figures, not assertions.
#
#   benches/ingest.sh [COPIES]    # COPIES of the fixture batch (5 pages each), default 4
#
# The CLI side is the strongest plain setup on this machine: one single-threaded
# process per core (OMP_THREAD_LIMIT=1, xargs -P), since Tesseract's default OpenMP
# threading is several times slower on 2 cores (see shared/FACTS.md).
set -euo pipefail
copies=${1:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p fehrist-cli --manifest-path "$here/Cargo.toml"
fehrist="${CARGO_TARGET_DIR:-$here/target}/release/fehrist"

. "$here/benches/fixture-copies.sh"
batch="$work/batch"
fixture_copies "$batch" "$copies"
total=$(( copies * 5 ))

echo "pages: $total (the 5 fixture pages × $copies), cores: $cores"
echo

# fehrist: one process, one single-threaded Tesseract per worker.
export FEHRIST_STORE="file://$work/var/store"
/usr/bin/time -f "%e %M" -o "$work/fehrist.time" \
  "$fehrist" ingest "$batch" --workers "$cores" > "$work/fehrist.out"
read -r f_secs f_kib < "$work/fehrist.time"
# …and every record's searchable PDF (ALTO is made during the ingest), one process
# per core as the CLI runs.
pdf_start=$(date +%s.%N)
tail -n +2 "$batch/inventory.csv" | cut -d, -f1 \
  | xargs -P "$cores" -I{} sh -c '"$0" show "TJ-CSA/$1" --pdf > "$2/$(echo "$1" | tr / _).pdf"' "$fehrist" {} "$work"
pdf_secs=$(echo "$(date +%s.%N) - $pdf_start" | bc)
f_secs=$(echo "$f_secs + $pdf_secs" | bc)

# tesseract CLI: every file (a multi-page TIFF is one call), its record's languages.
mkdir -p "$work/cli"
: > "$work/cli.jobs"
while IFS=, read -r code langs; do
  [ "$code" = ref_code ] && continue
  for file in "$batch/$code"/*; do
    echo "$file $work/cli/$(echo "$code" | tr / _)_$(basename "${file%.*}") $langs" >> "$work/cli.jobs"
  done
done < "$batch/inventory.csv"
/usr/bin/time -f "%e %M" -o "$work/cli.time" \
  env OMP_THREAD_LIMIT=1 xargs -P "$cores" -L 1 sh -c 'tesseract "$0" "$1" -l "$2" 2>/dev/null' < "$work/cli.jobs"
read -r c_secs c_kib < "$work/cli.time"

# Character error rate of both against the fixtures' ground truth, on the first copy
# (F-12/O-3/D-45 became F-112/O-3/D-45), normalized as shared/tools/cer.py does.
/usr/bin/python3 - "$here" "$work" "$fehrist" <<'PY'
import subprocess, sys, unicodedata, re, os
here, work, fehrist = sys.argv[1:4]
def norm(s): return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()
def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]
pages = [("F-12/O-3/D-45", 1, "0001"), ("F-12/O-3/D-45", 2, "0002"),
         ("F-12/O-3/D-46", 1, "scan"), ("F-12/O-3/D-46", 2, "scan"), ("F-7/O-1/D-2", 1, "0001")]
edits = {"fehrist": 0, "tesseract": 0}
length = 0
for code, sheet, stem in pages:
    truth = norm(open(f"{here}/fixtures/truth/{code}/L-{sheet}.txt", encoding="utf-8").read())
    length += len(truth)
    first = "F-1" + code.split("/", 1)[0][2:] + "/" + code.split("/", 1)[1]
    ours = subprocess.run([fehrist, "show", f"TJ-CSA/{first}/L-{sheet}", "--text"],
                          capture_output=True, text=True, check=True).stdout
    edits["fehrist"] += lev(norm(ours), truth)
    cli = open(f"{work}/cli/{first.replace('/', '_')}_{stem}.txt", encoding="utf-8").read()
    if stem == "scan":
        cli = cli.split("\f")[sheet - 1]
    edits["tesseract"] += lev(norm(cli), truth)
with open(f"{work}/cer", "w") as out:
    out.write(f"{edits['fehrist'] / length * 100:.2f} {edits['tesseract'] / length * 100:.2f}\n")
PY
read -r f_cer c_cer < "$work/cer"

awk -v n="$total" -v fs="$f_secs" -v fk="$f_kib" -v fc="$f_cer" -v cs="$c_secs" -v ck="$c_kib" -v cc="$c_cer" -v cores="$cores" 'BEGIN {
  printf "%-54s %8s %10s %12s %8s\n", "", "seconds", "pages/s", "peak MiB", "CER %"
  printf "%-54s %8.2f %10.2f %12.0f %8s\n", "fehrist ingest + PDFs (OCR, ALTO, seal, store, index)", fs, n / fs, fk / 1024, fc
  printf "%-54s %8.2f %10.2f %12.0f %8s\n", "tesseract CLI, " cores " processes (text only)", cs, n / cs, ck / 1024, cc
  printf "\nfehrist / tesseract CLI throughput: %.2f×\n", cs / fs
}'
echo "(peak memory of the CLI run is that of the largest single process)"
