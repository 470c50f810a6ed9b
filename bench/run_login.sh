#!/bin/sh
# The login-path benchmark: build bench_login and the module, make a synthetic store (100,000
# mandates; the accountant firm's employee has 20,001 capacities, the citizen 2), start a
# private httpd (mpm_event) with the gateway in front of a static backend (a second httpd
# without mod_mandaat), run bench_login against it, stop everything. The markdown report goes to
# stdout and to BUILD/bench-login-report.md, progress to stderr.
#
#   bench/run_login.sh [BUILD_DIR] [bench_login options...]
#
# BUILD_DIR defaults to /tmp/build-bench and is configured from this source tree if it has no
# Makefile yet. Examples:
#   bench/run_login.sh                               # full run (about 5-8 minutes on 2 cores)
#   bench/run_login.sh /tmp/build-bench --smoke      # seconds: a few hundred logins
#   bench/run_login.sh /tmp/build-bench --logins 20000 --warmup 2000
# Environment: MANDAAT_BENCH_KEEP=1 keeps the temporary directory (configuration, logs,
# store); MANDAAT_BENCH_HTPASSWD="-m" (or "-B") hashes the Basic passwords with apr1-MD5 (or
# bcrypt) instead of the cheap SHA-1 default, to see the upstream authentication's share;
# MANDAAT_BENCH_CONF="lines" appends httpd configuration (what-if runs, e.g.
# "DBDMin 1
# DBDKeep 1
# DBDMax 1"); the report quotes it.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=/tmp/build-bench
case "${1:-}" in
    -*|"") ;;
    *) build=$1; shift ;;
esac

mkdir -p "$build"
cd "$build"
build=$(pwd)
if [ ! -f Makefile ]; then
    [ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi)
    "$srcdir/configure" --enable-werror -q
fi
make -j2 >&2
make -j2 bench >&2

for tool in htpasswd openssl python3; do
    command -v $tool >/dev/null 2>&1 || { echo "run_login: $tool is needed" >&2; exit 1; }
done

top_builddir=$build
. "$srcdir/tests/lib/httpd.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-bench-login.XXXXXX")
cleanup() {
    mandaat_httpd_stop_all
    if [ -n "${MANDAAT_BENCH_KEEP:-}" ]; then echo "run_login: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || exit 1
for m in dbd socache_shmcb proxy proxy_http authn_core authn_file auth_basic authz_user; do
    [ -f "$MODDIR/mod_$m.so" ] || { echo "run_login: no $MODDIR/mod_$m.so" >&2; exit 1; }
done

# The store: synthetic, times moved to now. Sets CITIZEN, CITIZEN_PARTY, EMPLOYEE, ...
mkdir -p "$T/store"
DB=$T/store/mandaat.db
eval "$(./bench/bench_login store "$DB")"
[ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$T/store"

# Upstream authentication: HTTP Basic, user = INSZ, password pw.
for u in "$CITIZEN" "$DIRECTOR" "$EMPLOYEE"; do
    if [ -f "$T/htpasswd" ]; then c=; else c=-c; fi
    htpasswd -b ${MANDAAT_BENCH_HTPASSWD:--s} $c "$T/htpasswd" "$u" pw 2>/dev/null
done
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/jwt-key.pem" 2>/dev/null
chmod 644 "$T/jwt-key.pem"

# The app: one static file, served by a second httpd without mod_mandaat (the backend), and
# the same bytes as the static baseline on the gateway.
mkdir -p "$T/www/auth" "$T/backend/app"
python3 -c 'print("bench backend " + "x" * 497)' >"$T/www/static.txt"
cp "$T/www/static.txt" "$T/www/auth/static.txt"
cp "$T/www/static.txt" "$T/backend/app/x"

PORT=$(mandaat_port)
BACK=$(mandaat_port)
auth() {
    cat <<CONF
    AuthType Basic
    AuthName "bench eID"
    AuthBasicProvider file
    AuthUserFile "$T/htpasswd"
    AuthzSendForbiddenOnFailure On
CONF
}
mandaat_httpd_conf gw "$PORT" dbd socache_shmcb proxy proxy_http authn_core authn_file \
    auth_basic authz_user <<CONF
# 2 cores: two children of 25 threads that stay for the whole run (no reaping, no recycling),
# so that their memory can be followed.
StartServers 2
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 25
MaxSpareThreads 50
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
LogLevel warn mandaat:warn
DocumentRoot "$T/www"
DBDriver sqlite3
DBDParams "$DB"
MandaatCryptoPassphrase "bench-login-passphrase-0123456789"
MandaatCookieSecure Off
MandaatTemplateDir "$srcdir/conf/templates"
MandaatGatewayJWTKeyFile "$T/jwt-key.pem"
MandaatActorLoA "3"
MandaatTransactionLifetime 3600
# shmcb's default 512,000 bytes keep a session only for some 60-70 later logins (see
# bench/README.md): size it as conf/mandaat.conf advises, or the run measures evictions.
MandaatStoreSOCache shmcb:$T/gw/mandaat_state(16777216)
<Location /static.txt>
    Require all granted
</Location>
<Location /app>
$(auth)
    MandaatService $SERVICE
    Require valid-user
    ProxyPass "http://127.0.0.1:$BACK/app"
</Location>
<Location /mandaat>
$(auth)
    Require valid-user
</Location>
# The floor of a login without mod_mandaat's work: the same authentication, with and without
# mod_proxy.
<Location /auth>
$(auth)
    Require valid-user
</Location>
<Location /proxied>
$(auth)
    Require valid-user
    ProxyPass "http://127.0.0.1:$BACK/app"
</Location>
${MANDAAT_BENCH_CONF:-}
CONF

mandaat_httpd_conf backend "$BACK" -nomandaat <<CONF
StartServers 1
ServerLimit 1
ThreadsPerChild 25
MaxRequestWorkers 25
MinSpareThreads 1
MaxSpareThreads 25
KeepAlive On
MaxKeepAliveRequests 0
LogLevel warn
DocumentRoot "$T/backend"
CONF
# (httpd.sh's LogLevel names mod_mandaat, which the backend does not load.)
sed -i 's/ mandaat:debug//' "$T/backend/httpd.conf"

if ! mandaat_httpd_start backend; then
    echo "run_login: the backend httpd does not start:" >&2
    cat "$T/backend/start.out" "$T/backend/error.log" >&2 2>/dev/null
    exit 1
fi
if ! mandaat_httpd_start gw; then
    echo "run_login: httpd does not start:" >&2
    cat "$T/gw/start.out" "$T/gw/error.log" >&2 2>/dev/null
    exit 1
fi
PID=$(cat "$T/gw/httpd.pid")
sleep 1 # the children are up

# A store change that invalidates every process's resolution cache: a party's name.
BUMP="'$build/mandaatctl' --store 'sqlite3:$DB' party add $CITIZEN_PARTY --name \"Bench \$(date +%s%N)\" >/dev/null"
rc=0
# Each login run stops after 240 s (override with --login-budget 0): the run then stays under
# 10 minutes on 2 cores whatever the login rate.
./bench/bench_login --port "$PORT" --httpd-pid "$PID" --backend-pid "$(cat "$T/backend/httpd.pid")" \
    --bump "$BUMP" --login-budget 240 "$@" \
    >"$build/bench-login-report.md" || rc=$?
{
    echo "httpd: $("$HTTPD" -v | sed -n 's/^Server version: //p'), mpm_event, 2 children x 25" \
        "threads, keep-alive unlimited, LogLevel warn, no access log; upstream" \
        "authentication HTTP Basic (htpasswd ${MANDAAT_BENCH_HTPASSWD:--s}); store SQLite" \
        "through mod_dbd; transactions and sessions in shmcb of 16 MiB; Mandaat-JWT signed (ES256) on every" \
        "proxied request; backend: a second httpd (mpm_event, one child) serving the file." \
        "Store: $(du -m "$DB" | cut -f1) MiB at the end."
    [ -z "${MANDAAT_BENCH_CONF:-}" ] ||
        echo "**What-if run**, added to httpd.conf: \`$(echo "$MANDAAT_BENCH_CONF" | tr '\n' ';')\`."
    echo "httpd's error log: $(grep -c 'mandaat:error\|:crit\|:alert\|:emerg' "$T/gw/error.log" || true)" \
        "errors, $(grep -c 'mandaat:warn' "$T/gw/error.log" || true) mandaat warnings."
    echo
} >>"$build/bench-login-report.md"
cat "$build/bench-login-report.md"
if [ "$rc" -ne 0 ]; then
    echo "run_login: bench_login exited with $rc; the end of httpd's error log:" >&2
    tail -n 20 "$T/gw/error.log" >&2
fi
exit "$rc"
