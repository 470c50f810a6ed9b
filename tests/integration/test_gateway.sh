#!/bin/sh
# Gateway mode end to end: Debian's httpd with mod_mandaat in front of a loopback backend
# (echo_backend.py), HTTP Basic authentication as the upstream "any Apache auth" (users are the
# sample persons' INSZ), an SQLite store filled by demo/seed.sh through mandaatctl, and a
# Python client (gateway_checks.py) that plays the browser: chooser, choice, the backend's
# view, switch, cancel, why, logout, and every attack the module must refuse.
# Run by `make check`; by hand: top_builddir=/tmp/build-x sh tests/integration/test_gateway.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/httpd.sh"

skip() { echo "SKIP: $*"; exit 77; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v htpasswd >/dev/null 2>&1 || skip "htpasswd (apache2-utils) is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
[ -x "$top_builddir/mandaatctl" ] || skip "mandaatctl is not built"

T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-gateway.XXXXXX") || exit 1
mandaat_httpd_init "$T" || skip "no private httpd possible here"
BACKEND_PID=
cleanup() {
    mandaat_httpd_stop_all
    [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

MODULES="dbd socache_shmcb proxy proxy_http authn_core authn_file auth_basic authz_user"
missing=$(mandaat_httpd_missing $MODULES)
[ -z "$missing" ] || skip "no $missing"

# The store, the sample data, and one party whose name carries markup.
STORE=$T/store
mkdir -p "$STORE"
ctl() { "$top_builddir/mandaatctl" --store "sqlite3:$STORE/mandaat.db" "$@"; }
bash "$top_srcdir/demo/seed.sh" "$top_builddir/mandaatctl" "sqlite3:$STORE/mandaat.db" || exit 1
MARKUP=80.01.01-001.07
ctl party add "$MARKUP" --name '<script>alert(1)</script> & "Co"' >/dev/null || exit 1
ctl mandate give --as "$MARKUP" --giver "$MARKUP" --taker 90.01.01-345.67 \
    --service wse-loket --actions inzage >/dev/null || exit 1
ctl mandate approve --as 90.01.01-345.67 "$(ctl mandate list --party "$MARKUP" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')" >/dev/null || exit 1
[ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$STORE"

# Upstream authentication: Basic, one user per sample person, and one with a bad INSZ.
mandaat_basic_users "$T/htpasswd" 85073003328 72041512394 68092221138 90010134567 \
    95061228732 12345678901 || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/gateway-key.pem" 2>/dev/null
openssl pkey -in "$T/gateway-key.pem" -pubout -out "$T/gateway-pub.pem" 2>/dev/null
chmod 644 "$T/gateway-key.pem"

BACKEND=$(mandaat_port)
PORT=$(mandaat_port)
PORT_SHORT=$(mandaat_port)
python3 "$here/echo_backend.py" "$BACKEND" &
BACKEND_PID=$!

auth() { mandaat_basic_auth "$T/htpasswd"; }
mandaat_httpd_conf gw "$PORT" dbd socache_shmcb proxy proxy_http authn_core authn_file \
    auth_basic authz_user <<CONF
DBDriver sqlite3
DBDParams "$STORE/mandaat.db"
MandaatCryptoPassphrase "integration-test-passphrase-0123"
MandaatCookieSecure Off
MandaatTemplateDir "$top_srcdir/conf/templates"
MandaatGatewayJWTKeyFile "$T/gateway-key.pem"
MandaatActorLoA "3"
LogFormat "%r %>s actor=%{MANDAAT_ACTOR}n party=%{MANDAAT_PARTY}n basis=%{MANDAAT_BASIS}n event=%{MANDAAT_EVENT}n error=%{MANDAAT_ERROR}n" mandaat
CustomLog "$T/gw/access.log" mandaat
<Location /app>
$(auth)
    MandaatService wse-loket
    Require mandaat-action inzage
    ProxyPass "http://127.0.0.1:$BACKEND/app"
</Location>
<Location /pay>
$(auth)
    MandaatService wse-loket
    Require mandaat-action betaling
    ProxyPass "http://127.0.0.1:$BACKEND/pay"
</Location>
<Location /bakery>
$(auth)
    MandaatService wse-loket
    <RequireAll>
        Require valid-user
        Require mandaat-party 0412.345.614 self
    </RequireAll>
    ProxyPass "http://127.0.0.1:$BACKEND/bakery"
</Location>
<Location /always>
$(auth)
    MandaatService wse-loket
    MandaatChooserAutoSelect Off
    Require valid-user
    ProxyPass "http://127.0.0.1:$BACKEND/always"
</Location>
<Location /open>
    MandaatService wse-loket
    Require all granted
    ProxyPass "http://127.0.0.1:$BACKEND/open"
</Location>
<Location /custom>
$(auth)
    MandaatService wse-loket
    Require valid-user
    MandaatActorIdentifier "%{REMOTE_USER}x"
    ErrorDocument 403 "custom error %{reqenv:MANDAAT_ERROR}"
    ProxyPass "http://127.0.0.1:$BACKEND/custom"
</Location>
<Location /mandaat>
$(auth)
    Require valid-user
</Location>
<Location /mandaat/jwks>
    Require all granted
</Location>
<VirtualHost 127.0.0.1:$PORT_SHORT>
    MandaatTransactionLifetime 30
    <Location /app>
$(auth)
        MandaatService wse-loket
        Require valid-user
        ProxyPass "http://127.0.0.1:$BACKEND/app"
    </Location>
    <Location /mandaat>
$(auth)
        Require valid-user
    </Location>
</VirtualHost>
Listen 127.0.0.1:$PORT_SHORT
CONF

if ! mandaat_httpd_start gw; then
    echo "not ok - httpd with the gateway configuration starts"
    cat "$T/gw/start.out" "$T/gw/error.log" 2>/dev/null | sed 's/^/#   /'
    exit 1
fi
echo "ok - httpd with the gateway configuration starts"

python3 "$here/gateway_checks.py" --base "http://127.0.0.1:$PORT" \
    --short "http://127.0.0.1:$PORT_SHORT" --dir "$T" --ctl "$top_builddir/mandaatctl" \
    --store "sqlite3:$STORE/mandaat.db" --errorlog "$T/gw/error.log" \
    --accesslog "$T/gw/access.log" --pubkey "$T/gateway-pub.pem"
rc=$?
if [ $rc -ne 0 ]; then
    echo "# error log:"
    tail -n 40 "$T/gw/error.log" | sed 's/^/#   /'
fi
exit $rc
