#!/usr/bin/env bash
# scripts/deps.sh: make sure the Debian packages pscope builds and tests with are present.
# Installs the missing ones with apt-get when run as root; otherwise prints the exact
# command to run and exits 1. Usage: scripts/deps.sh [extra-package ...]
# Exit codes: 0 all present (or installed), 1 missing and not root / install failed.
set -u
packages=(libsqlite3-dev libcjson-dev libyaml-dev libpcre2-dev libcunit1-dev libdw-dev
          libelf-dev gnuplot-nox sqlite3 pkg-config python3 "$@")
packages+=(protobuf-c-compiler libprotobuf-c-dev)  # pscope-export --format pprof: profile.proto encoded with protobuf-c
packages+=(zlib1g-dev)  # pscope-export --format pprof: gzip
packages+=(uftrace)  # tests/e2e/export_import.sh records the test programs to import them
packages+=(libzstd-dev)  # trace blocks: zstd-compressed columns (common/traceblk.c)
packages+=(python3-html5lib)  # tests/e2e/html.sh: strict HTML5 parse of pscope-html reports
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "pscope: missing packages: ${missing[*]}" >&2
  echo "pscope: run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "pscope: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q "${missing[@]}" >&2 || { echo "pscope: apt-get install failed" >&2; exit 1; }
fi
exit 0
