#!/usr/bin/env bash
# The mod_mandaat demo, as root on Debian 12: installs the build dependencies, builds, fills an
# SQLite store with sample data (demo/seed.sh) and shows, for each sample person, every capacity
# the WSE-loket would offer and why other parties are missing.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/tests/lib/deps.sh"
work=${MANDAAT_DEMO_DIR:-/var/tmp/mandaat-demo}
mkdir -p "$work"

mandaat_install_deps python3
echo "== building in $work/build"
mandaat_build "$work/build"
ctl="$work/build/mandaatctl"
store="sqlite3:$work/mandaat.db"
rm -f "$work/mandaat.db" "$work/mandaat.db-wal" "$work/mandaat.db-shm"
echo "== sample data ($store)"
bash "$src/demo/seed.sh" "$ctl" "$store"

show() {
    echo
    echo "-- $1"
    shift
    "$ctl" --store "$store" capacities "$@" --explain
}
later=$(date -u -d '+3 days' +%F)
show "An Peeters, a citizen" 85.07.30-033.28 wse-loket
show "Jan Janssens, director of two companies" 72.04.15-123.94 wse-loket
show "Piet Verhoeven, accountant with SSM Mandaatuitvoerder" 90.01.01-345.67 wse-loket
show "Piet Verhoeven, three days later: the Garage Dubois mandate has expired" \
    90.01.01-345.67 wse-loket --at "$later"
show "Sofie Maes, accountant lacking SSM Mandaatuitvoerder" 95.06.12-287.32 wse-loket
show "Els Claes, legal representative of the firm (executor without a right)" 68.09.22-211.38 wse-loket
show "Els Claes, logged in with a means of too low a level" 68.09.22-211.38 wse-loket --loa 2
echo
echo "Audit trail: $ctl --store $store audit list"
echo "Store:       $work/mandaat.db (mandaatctl --store $store ...)"
