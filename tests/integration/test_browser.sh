#!/bin/sh
# The chooser in a real browser: Debian's chromium, driven by playwright-core from
# tests/browser/chooser.test.mjs, against a private httpd with mod_mandaat in front of the echo
# backend (HTTP Basic as the upstream login, an SQLite store filled by demo/seed.sh). It chooses
# by keyboard and by mouse, searches with and without JavaScript, checks that the nonce CSP holds
# and that axe-core finds no accessibility violation on the chooser, the why page and error pages.
# Run by `make check`; by hand: top_builddir=/tmp/build-x sh tests/integration/test_browser.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory; MANDAAT_TEST_CHROMIUM names another browser).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/httpd.sh"

started=$(date +%s)
skip() { echo "SKIP: $*"; exit 77; }
CHROMIUM=${MANDAAT_TEST_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no chromium at $CHROMIUM (Debian package chromium)"
command -v node >/dev/null 2>&1 || skip "node is not installed (Debian packages nodejs npm)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v htpasswd >/dev/null 2>&1 || skip "htpasswd (apache2-utils) is not installed"
[ -x "$top_builddir/mandaatctl" ] || skip "mandaatctl is not built"

# playwright-core and axe-core at the versions of the committed lockfile, once per checkout.
browser_dir=$top_srcdir/tests/browser
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ] ||
    [ ! -f "$browser_dir/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null 2>&1 || { echo "not ok - npm is needed to install tests/browser"; exit 1; }
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error) || {
        echo "not ok - npm ci in tests/browser"
        exit 1
    }
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-browser.XXXXXX") || exit 1
mandaat_httpd_init "$T" || skip "no private httpd possible here"
BACKEND_PID=
cleanup() {
    mandaat_httpd_stop_all
    [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

missing=$(mandaat_httpd_missing dbd socache_shmcb proxy proxy_http authn_core authn_file \
    auth_basic authz_user)
[ -z "$missing" ] || skip "no $missing"

# The sample data, and seven more clients ("Klant Aerts" ... "Klant Goossens", born on 1970-01-01
# ... 07) who give the accountant Piet a mandate each, so that his chooser has more rows than one
# page (MandaatChooserPageSize 5 below): the page's script then asks the server, and the pager
# shows.
STORE=$T/store
mkdir -p "$STORE"
ctl() { "$top_builddir/mandaatctl" --store "sqlite3:$STORE/mandaat.db" "$@"; }
bash "$top_srcdir/demo/seed.sh" "$top_builddir/mandaatctl" "sqlite3:$STORE/mandaat.db" || exit 1
PIET=90.01.01-345.67
i=0
for name in Aerts Baert Coppens Dewulf Engels Fierens Goossens; do
    i=$((i + 1))
    base=70010${i}10${i} # born 1970-01-0i, a valid INSZ once the check digits are added
    insz=$(printf '70.01.0%d-10%d.%02d' "$i" "$i" $((97 - base % 97)))
    ctl party add "$insz" --name "Klant $name" >/dev/null || exit 1
    id=$(ctl mandate give --as "$insz" --giver "$insz" --taker "$PIET" --service wse-loket \
        --actions inzage | sed -n 's/^mandate \([0-9]*\) given.*/\1/p')
    [ -n "$id" ] && ctl mandate approve --as "$PIET" "$id" >/dev/null || exit 1
done
[ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$STORE"

# Upstream authentication: Basic, one user per sample person, and one with a bad INSZ.
mandaat_basic_users "$T/htpasswd" 72041512394 90010134567 95061228732 12345678901 || exit 1

BACKEND=$(mandaat_port)
PORT=$(mandaat_port)
python3 "$here/echo_backend.py" "$BACKEND" &
BACKEND_PID=$!

auth() { mandaat_basic_auth "$T/htpasswd"; }
mandaat_httpd_conf br "$PORT" dbd socache_shmcb proxy proxy_http authn_core authn_file \
    auth_basic authz_user <<CONF
DBDriver sqlite3
DBDParams "$STORE/mandaat.db"
MandaatCryptoPassphrase "integration-test-passphrase-0123"
MandaatCookieSecure Off
MandaatTemplateDir "$top_srcdir/conf/templates"
MandaatActorLoA "3"
<Location /app>
$(auth)
    MandaatService wse-loket
    Require mandaat-action inzage
    ProxyPass "http://127.0.0.1:$BACKEND/app"
</Location>
<Location /always>
$(auth)
    MandaatService wse-loket
    MandaatChooserAutoSelect Off
    Require valid-user
    ProxyPass "http://127.0.0.1:$BACKEND/always"
</Location>
<Location /mandaat>
$(auth)
    Require valid-user
    MandaatChooserPageSize 5
</Location>
CONF

if ! mandaat_httpd_start br; then
    echo "not ok - httpd with the browser test's configuration starts"
    cat "$T/br/start.out" "$T/br/error.log" 2>/dev/null | sed 's/^/#   /'
    exit 1
fi
echo "ok - httpd with the browser test's configuration starts"

echo "# setup took $(($(date +%s) - started)) s"
node "$browser_dir/chooser.test.mjs" --base "http://127.0.0.1:$PORT" --chromium "$CHROMIUM" \
    --shots "$T/shots"
rc=$?
if [ $rc -ne 0 ]; then
    echo "# error log:"
    tail -n 40 "$T/br/error.log" | sed 's/^/#   /'
fi
exit $rc
