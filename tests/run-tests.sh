#!/usr/bin/env bash
# Runs every test of mod_mandaat on a fresh Debian 12 machine, as root: installs the build and
# test dependencies, builds with -Wall -Wextra -Werror, starts PostgreSQL on 127.0.0.1 so that
# the store tests run on SQLite and PostgreSQL, runs `make check` (unit, CLI, integration), then
# rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests again.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/tests/lib/deps.sh"
. "$src/tests/lib/pg.sh"

work=${MANDAAT_TEST_WORK:-/tmp/mandaat-tests}
mkdir -p "$work"
mandaat_install_deps $MANDAAT_TEST_DEPS

(cd "$src" && autoreconf -fi >/dev/null 2>&1)
rm -rf "$work/build" "$work/build-asan"

echo "== build (-Werror)"
mandaat_build "$work/build" --enable-werror

pgport=${MANDAAT_TEST_PG_PORT:-55432}
trap 'mandaat_pg_stop "$work/pg"' EXIT
echo "== PostgreSQL on 127.0.0.1:$pgport"
mandaat_pg_start "$work/pg" "$pgport"

status=0
echo "== make check"
(cd "$work/build" && make -s check -j"$(nproc)") || status=1
summarise() {
    local log=$1 label=$2
    [ -f "$log" ] || return 0
    sed -n 's/^# \(TOTAL\|PASS\|SKIP\|XFAIL\|FAIL\|XPASS\|ERROR\): */\1 /p' "$log" \
        | tr '\n' ' ' | sed "s/^/$label: /"
    echo
}
[ $status -eq 0 ] || { find "$work/build" -name '*.log' -path '*tests*' -newer "$work/build/Makefile" \
    -exec grep -l -E '^(FAIL|ERROR)' {} + 2>/dev/null | head -20 | xargs -r tail -n 60; }

echo "== unit tests under ASan+UBSan"
mandaat_build "$work/build-asan" --enable-werror \
    CFLAGS="-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
asan_status=0
(cd "$work/build-asan" && ASAN_OPTIONS=detect_leaks=1 make -s check -j"$(nproc)" TESTS='$(UNIT_TESTS)') \
    || asan_status=1

pass=0 fail=0
for log in "$work/build/test-suite.log" "$work/build-asan/test-suite.log"; do
    [ -f "$log" ] || continue
    p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
    e=$(sed -n 's/^# ERROR: *//p' "$log")
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0}))
done
summarise "$work/build/test-suite.log" "build"
summarise "$work/build-asan/test-suite.log" "asan"
[ $asan_status -eq 0 ] || status=1
[ $fail -eq 0 ] || status=1
echo "$pass passed, $fail failed"
exit $status
