# Sourced by the benchmarks: `cli NAME ARGS…` runs the tesseract CLI on every image of
# $set into $work/hyp-NAME/<page id>.txt, one single-threaded process per core, and
# prints the seconds it took. In ARGS, "$2" is each page's own language, as the
# sourcing script's `lang_of PAGE_ID` tells it.
cli() {
  local name=$1; shift
  mkdir -p "$work/hyp-$name"
  : > "$work/jobs-$name"
  for image in "$set"/*.png "$set"/*.jpg; do
    [ -e "$image" ] || continue
    id=$(basename "${image%.*}")
    echo "$image $work/hyp-$name/$id $(lang_of "$id")" >> "$work/jobs-$name"
  done
  local start=$(date +%s.%N)
  xargs -P "$cores" -L 1 sh -c "tesseract \"\$0\" \"\$1\" $* 2>/dev/null" < "$work/jobs-$name"
  echo "$(date +%s.%N) - $start" | bc
}
