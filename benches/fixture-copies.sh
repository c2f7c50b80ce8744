# Sourced by the benches: fixture_copies BATCH COPIES writes a batch of COPIES copies
# of the five fixture pages (three files) under other fond numbers (F-12/O-3/D-45
# becomes F-112/O-3/D-45 in the first copy): the same pages, but distinct records,
# so every copy is read again rather than recognized as registered. Needs $here.
fixture_copies() {
  local batch=$1 copies=$2 n f target langs
  mkdir -p "$batch"
  cp "$here/fixtures/batch/batch.toml" "$batch/"
  echo "ref_code,languages" > "$batch/inventory.csv"
  for n in $(seq 1 "$copies"); do
    for f in F-12/O-3/D-45 F-12/O-3/D-46 F-7/O-1/D-2; do
      target="$batch/F-$n${f#F-}"
      mkdir -p "$target"
      cp "$here/fixtures/batch/$f"/* "$target/"
      langs=$(awk -F, -v code="$f" '$1 == code { print $5 }' "$here/fixtures/batch/inventory.csv")
      echo "F-$n${f#F-},$langs" >> "$batch/inventory.csv"
    done
  done
}
