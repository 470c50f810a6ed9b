#!/bin/sh
# The OpenID provider benchmark: build bench_oidc and the module, make a small synthetic store
# (the citizen persona has two capacities, so every full login shows the chooser), an EC P-256
# signing key with openssl, one confidential client (client_secret_basic, pairwise subjects,
# redirect URI http://127.0.0.1:PORT/cb, a static file), start a private httpd (mpm_event) on
# plain HTTP with mod_mandaat as the OP (MandaatPublicURL http://127.0.0.1:PORT: loopback, so
# no TLS, which measures our work and not the handshake) and HTTP Basic as the upstream login,
# run bench_oidc against it, stop everything. The markdown report goes to stdout and to
# BUILD/bench-oidc-report.md, progress to stderr.
#
#   bench/run_oidc.sh [BUILD_DIR] [bench_oidc options...]
#
# BUILD_DIR defaults to /tmp/build-bench and is configured from this source tree if it has no
# Makefile yet. Examples:
#   bench/run_oidc.sh                              # full run (about 90 s)
#   bench/run_oidc.sh /tmp/build-bench --smoke     # about 25 s
# Environment: MANDAAT_BENCH_KEEP=1 keeps the temporary directory (configuration, logs,
# store); MANDAAT_BENCH_PERF=FILE records `perf record --call-graph dwarf` of httpd's children
# into FILE for 8 s of the last full-login run (perf report -i FILE --children).
# Needs htpasswd, openssl, python3.
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
make -j2 bench/bench_oidc >&2

for tool in htpasswd openssl python3; do
    command -v $tool >/dev/null 2>&1 || { echo "run_oidc: $tool is needed" >&2; exit 1; }
done

top_builddir=$build
. "$srcdir/tests/lib/httpd.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-bench-oidc.XXXXXX")
cleanup() {
    mandaat_httpd_stop_all
    if [ -n "${MANDAAT_BENCH_KEEP:-}" ]; then echo "run_oidc: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || exit 1
for m in dbd socache_shmcb authn_core authn_file auth_basic authz_user; do
    [ -f "$MODDIR/mod_$m.so" ] || { echo "run_oidc: no $MODDIR/mod_$m.so" >&2; exit 1; }
done

# The store: synthetic (10,000 mandates), times moved to now. Sets CITIZEN, SERVICE, ...
mkdir -p "$T/store" "$T/keys" "$T/clients" "$T/www"
DB=$T/store/mandaat.db
eval "$(./bench/bench_oidc store "$DB" --mandates 10000 2>/dev/null)"
[ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$T/store"
htpasswd -b -c -s "$T/htpasswd" "$CITIZEN" pw 2>/dev/null

PORT=$(mandaat_port)
PUBLIC=http://127.0.0.1:$PORT
REDIRECT=$PUBLIC/cb
CLIENT_ID=bench-rp
CLIENT_SECRET=$(openssl rand -hex 24)
PAIRWISE=$(openssl rand -hex 24)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/keys/op.key" 2>/dev/null
chmod 644 "$T/keys/op.key"
cat >"$T/clients/bench-rp.json" <<JSON
{
  "client_id": "$CLIENT_ID",
  "token_endpoint_auth_method": "client_secret_basic",
  "client_secret": "$CLIENT_SECRET",
  "redirect_uris": ["$REDIRECT"],
  "scopes": ["openid", "profile", "mandaat"],
  "service": "$SERVICE"
}
JSON
python3 -c 'print("bench static " + "x" * 499)' >"$T/www/static.txt"
echo "bench redirect URI" >"$T/www/cb"

mandaat_httpd_conf op "$PORT" dbd socache_shmcb authn_core authn_file auth_basic authz_user <<CONF
# 2 cores: two children of 25 threads for the whole run.
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
MandaatCryptoPassphrase "bench-oidc-passphrase-0123456789abcdef"
MandaatCookieSecure Off
MandaatTemplateDir "$srcdir/conf/templates"
MandaatTransactionLifetime 3600
# Every login keeps a transaction, a session, a code, a code-used marker and a grant (about 12 KB
# of shmcb per authorize + token alone). shmcb evicts the oldest entries when full, live or not:
# with 32 MiB, the returning person's session (written once at its login) was gone after about
# 2,700 flows (10 s at 1 thread), so the runs get 128 MiB (bench/README.md, OpenID provider).
MandaatStoreSOCache shmcb:$T/op/mandaat_state(134217728)
MandaatPublicURL $PUBLIC
MandaatOIDCSigningKeyFile "$T/keys/op.key" ES256
MandaatOIDCClientFile "$T/clients/bench-rp.json"
MandaatOIDCPairwiseSecret "$PAIRWISE"
<Location /static.txt>
    Require all granted
</Location>
<Location /cb>
    Require all granted
</Location>
# The person's upstream login (eID in production): Basic, sent with every request, so that
# oidc/authorize goes on at once (no parking detour through oidc/login).
<Location /mandaat>
    AuthType Basic
    AuthName "bench eID"
    AuthBasicProvider file
    AuthUserFile "$T/htpasswd"
    Require valid-user
    MandaatActorLoA "3"
</Location>
# The relying party's back channel and the published metadata: no person. (Require all granted
# runs no authentication, so the client's own Basic credentials reach the token endpoint.)
<LocationMatch "^/mandaat/oidc/(token|userinfo|jwks|\.well-known/)">
    Require all granted
</LocationMatch>
CONF

if ! mandaat_httpd_start op; then
    echo "run_oidc: httpd does not start:" >&2
    cat "$T/op/start.out" "$T/op/error.log" >&2 2>/dev/null
    exit 1
fi
PID=$(cat "$T/op/httpd.pid")
sleep 1 # the children are up

PERF=
if [ -n "${MANDAAT_BENCH_PERF:-}" ] && command -v perf >/dev/null 2>&1; then
    kids=$(pgrep -P "$PID" | paste -sd, -)
    PERF="perf record -F 499 --call-graph dwarf -o '$MANDAAT_BENCH_PERF' -p $kids -- sleep 8"
fi
rc=0
./bench/bench_oidc --port "$PORT" --httpd-pid "$PID" --public-url "$PUBLIC" --user "$CITIZEN" \
    --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" --redirect-uri "$REDIRECT" \
    --client-file "$T/clients/bench-rp.json" --key "$T/keys/op.key" --store "$DB" \
    --pairwise-secret "$PAIRWISE" ${PERF:+--perf-cmd "$PERF"} "$@" \
    >"$build/bench-oidc-report.md" || rc=$?
{
    echo "httpd: $("$HTTPD" -v | sed -n 's/^Server version: //p'), mpm_event, 2 children x 25" \
        "threads, keep-alive unlimited, plain HTTP on 127.0.0.1, LogLevel warn, no access log;" \
        "upstream authentication HTTP Basic (htpasswd -s); store SQLite through mod_dbd (10,000" \
        "mandates); transactions, sessions, codes and grants in shmcb of 128 MiB; signing key EC" \
        "P-256 (ES256); cjose $(dpkg-query -W -f '${Version}' libcjose0 2>/dev/null || echo '?')," \
        "$(openssl version | cut -d' ' -f1-2)."
    echo "httpd's error log: $(grep -c 'mandaat:error\|:crit\|:alert\|:emerg' "$T/op/error.log" || true)" \
        "errors, $(grep -c 'mandaat:warn' "$T/op/error.log" || true) mandaat warnings."
    echo
} >>"$build/bench-oidc-report.md"
cat "$build/bench-oidc-report.md"
if [ "$rc" -ne 0 ]; then
    echo "run_oidc: bench_oidc exited with $rc; the end of httpd's error log:" >&2
    tail -n 20 "$T/op/error.log" >&2
fi
exit "$rc"
