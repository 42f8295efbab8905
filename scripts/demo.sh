#!/usr/bin/env bash
# scripts/demo.sh: the main job on the bundled samples (`make demo`): profile the
# sensor-analytics pipeline under pscope-run, then show where the time goes.
# Writes build/demo/demo.db (recreated each time) and ends with the HTML report of the run,
# build/demo/demo.html, printing its path. BUILD_DIR selects the build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
out="$build/demo"
mkdir -p "$out"
rm -f "$out/demo.db" "$out/demo.db-wal" "$out/demo.db-shm"
n=${DEMO_N:-20000}
echo "== profiling: sensor_pipeline $n (5 sensors, filter 20..80, normalize, rolling window)"
"$build/bin/pscope-run" -o "$out/demo.db" --label demo -- "$build/samples/sensor_pipeline" "$n"
echo
if [ -x "$build/bin/pscope-stats" ]; then
  echo "== top functions (pscope-stats --top 12)"
  "$build/bin/pscope-stats" "$out/demo.db" --top 12
  echo
  echo "== what is worth optimising (pscope-stats --hotspots --top 5)"
  "$build/bin/pscope-stats" "$out/demo.db" --hotspots --top 5
  echo
  echo "== stages (pscope-stats --stages)"
  "$build/bin/pscope-stats" "$out/demo.db" --stages
else
  echo "== top functions (sqlite3 over the function_summary view)"
  sqlite3 -header -column "$out/demo.db" \
    "SELECT name, calls, self_dur, total_dur, round(100*self_share,1) AS self_pct
     FROM function_summary ORDER BY self_dur DESC LIMIT 12"
fi
echo
echo "The data: $out/demo.db — try: sqlite3 $out/demo.db 'SELECT * FROM hotspot LIMIT 5'"
if [ -x "$build/bin/pscope-html" ]; then
  "$build/bin/pscope-html" "$out/demo.db" -o "$out/demo.html"
  echo "The HTML report (open it in a browser; it needs no network): $(cd "$out" && pwd)/demo.html"
fi
