#!/bin/sh
# Build bench_resolve in a build directory and run it; the markdown report goes to stdout (and
# to BUILD/bench-report.md), progress to stderr.
#
#   bench/run.sh [BUILD_DIR] [bench_resolve options...]
#
# BUILD_DIR defaults to /tmp/build-bench and is configured from this source tree if it has no
# Makefile yet. Examples:
#   bench/run.sh                                  # full run: 100k and 10M stores, 1M KBO rows
#   bench/run.sh /tmp/build-bench --reuse         # reuse stores built by an earlier run
#   bench/run.sh /tmp/build-bench --smoke         # a few seconds: what CI may run
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=/tmp/build-bench
case "${1:-}" in
    -*|"") ;;
    *) build=$1; shift ;;
esac

mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
    [ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi)
    "$srcdir/configure" --enable-werror -q
fi
make -j2 bench >&2
./bench/bench_resolve "$@" | tee bench-report.md
