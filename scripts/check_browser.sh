#!/usr/bin/env bash
# scripts/check_browser.sh: the body of `make check-browser` (mk/browser.mk): profile two
# samples, write a single-run, a diff and a batch report under $BUILD_DIR/browser, and
# check each in headless chromium (tests/browser/check_report.py). Screenshots land next
# to the reports. Ends with "N passed, M failed"; exit 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
out="$build/browser"
rm -rf "$out" && mkdir -p "$out"
run="$build/bin/pscope-run"
html="$build/bin/pscope-html"
"$run" -o "$out/pipeline.db" --label pipeline -- "$build/samples/sensor_pipeline" 5000 >/dev/null
"$run" -o "$out/linear.db" --label base -- "$build/samples/linear" 2000 >/dev/null
"$run" -o "$out/linear.db" --label current -- "$build/samples/linear" 4000 >/dev/null
"$html" "$out/pipeline.db" -o "$out/report.html"
"$html" --diff "$out/linear.db:base" "$out/linear.db:current" -o "$out/diff.html" || [ $? -eq 1 ]
"$html" --batch -q -o "$out/batch" "$out/linear.db" "$out/pipeline.db"
/usr/bin/python3 tests/browser/check_report.py --search normalize --outdir "$out" "$out/report.html"
/usr/bin/python3 tests/browser/check_report.py --search main --outdir "$out" "$out/diff.html" \
  "$out/batch/index.html" "$out/batch/01-run1.html"
