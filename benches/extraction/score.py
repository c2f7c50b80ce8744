#!/usr/bin/python3
"""Scores extracted fields against the truth written by make_documents.py.

    score.py TRUTH_DIR RESULTS.jsonl

RESULTS.jsonl holds one line per document: {"id": ..., "level": ..., "fields": {...}}
(the `fields` of `fehrist show --json`). Prints precision and recall per field and
level. A scalar field counts one true positive when it equals the truth, one false
positive when it is given but wrong, one false negative when the truth is not given;
list fields (amounts, dates, names) count item by item.
"""
import json
import os
import sys
import unicodedata
from collections import defaultdict


def norm(value):
    if isinstance(value, dict):
        return (value["value"], value["currency"])
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def items(name, value):
    if value is None:
        return []
    if isinstance(value, list):
        return [norm(v) for v in value]
    return [norm(value)]


def main():
    truth_dir, results = sys.argv[1], sys.argv[2]
    counts = defaultdict(lambda: [0, 0, 0])  # (level, field) -> tp, fp, fn
    docs = defaultdict(int)
    for line in open(results, encoding="utf-8"):
        r = json.loads(line)
        truth = json.load(open(os.path.join(truth_dir, r["id"] + ".json"), encoding="utf-8"))
        got = r.get("fields") or {}
        kind = "writ" if truth["pipeline"] == "executive-documents" else "act"
        docs[(r["level"], kind)] += 1
        fields = dict(truth["fields"])
        if "amounts" in fields:
            # Currencies on their own: the ISO code of every sum.
            fields["currencies"] = sorted({a["currency"] for a in fields["amounts"]})
            got = dict(got)
            got["currencies"] = sorted({a["currency"] for a in got.get("amounts", [])})
        for name, expected in fields.items():
            want = items(name, expected)
            have = items(name, got.get(name))
            c = counts[(r["level"], kind, name)]
            remaining = list(want)
            for v in have:
                if v in remaining:
                    remaining.remove(v)
                    c[0] += 1
                else:
                    c[1] += 1
            c[2] += len(remaining)
    for (level, kind), n in sorted(docs.items()):
        print(f"\n{kind}s, {level}: {n} documents")
        print(f"  {'field':<20} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
        for (l, k, name), (tp, fp, fn) in sorted(counts.items()):
            if (l, k) != (level, kind):
                continue
            p = tp / (tp + fp) if tp + fp else float("nan")
            rc = tp / (tp + fn) if tp + fn else float("nan")
            print(f"  {name:<20} {p:>9.3f} {rc:>7.3f} {tp:>4} {fp:>4} {fn:>4}")


if __name__ == "__main__":
    main()
