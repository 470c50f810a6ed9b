#!/bin/sh
# The SAML IdP benchmark: build bench_saml and the module, make a small synthetic store (the
# citizen persona has two capacities, so every full login shows the chooser), RSA-2048 keys and
# certificates with openssl for the IdP and the SP, the SP's metadata (written by bench_saml
# from its in-process lasso SP: one SP with defaults, one with sign-response), start a private
# httpd (mpm_event) with mod_mandaat as the SAML IdP and HTTP Basic as the upstream login, run
# bench_saml against it, stop everything. The markdown report goes to stdout and to
# BUILD/bench-saml-report.md, progress to stderr.
#
#   bench/run_saml.sh [BUILD_DIR] [bench_saml options...]
#
# BUILD_DIR defaults to /tmp/build-bench and is configured from this source tree if it has no
# Makefile yet. Examples:
#   bench/run_saml.sh                              # full run (about 2-3 minutes on 2 cores)
#   bench/run_saml.sh /tmp/build-bench --smoke     # seconds
# Environment: MANDAAT_BENCH_KEEP=1 keeps the temporary directory (configuration, logs,
# store); MANDAAT_BENCH_PERF=FILE records `perf record --call-graph dwarf` of httpd's children
# into FILE for 8 s of full logins, and of bench_saml itself (the in-process loops) into
# FILE.client (perf report -i FILE --children shows where a login's CPU goes).
# Needs wrk (installed here with apt-get when missing: the benchmark's own dependency, not the
# tests'), htpasswd, openssl, python3.
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
make -j2 bench/bench_saml >&2

if ! command -v wrk >/dev/null 2>&1; then
    echo "run_saml: installing wrk" >&2
    apt-get install -y wrk >&2 || { echo "run_saml: wrk is needed (apt-get install wrk)" >&2; exit 1; }
fi
for tool in htpasswd openssl python3 wrk; do
    command -v $tool >/dev/null 2>&1 || { echo "run_saml: $tool is needed" >&2; exit 1; }
done

top_builddir=$build
. "$srcdir/tests/lib/httpd.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-bench-saml.XXXXXX")
cleanup() {
    mandaat_httpd_stop_all
    if [ -n "${MANDAAT_BENCH_KEEP:-}" ]; then echo "run_saml: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || exit 1
for m in dbd socache_shmcb authn_core authn_file auth_basic authz_user; do
    [ -f "$MODDIR/mod_$m.so" ] || { echo "run_saml: no $MODDIR/mod_$m.so" >&2; exit 1; }
done

# The store: synthetic (10,000 mandates), times moved to now. Sets CITIZEN, SERVICE, ...
mkdir -p "$T/store" "$T/keys" "$T/sp" "$T/www" "$T/wrk"
DB=$T/store/mandaat.db
eval "$(./bench/bench_saml store "$DB" --mandates 10000 2>/dev/null)"
[ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$T/store"
htpasswd -b -c -s "$T/htpasswd" "$CITIZEN" pw 2>/dev/null

PORT=$(mandaat_port)
PUBLIC=https://127.0.0.1:$PORT   # lasso's IdP core wants https URLs; the bench talks plain HTTP
for k in idp sp; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench-$k" \
        -keyout "$T/keys/$k.key" -out "$T/keys/$k.cert" >/dev/null 2>&1
done
chmod 644 "$T"/keys/*
SP1=https://sp.bench.example/mellon/metadata
SP2=https://sp2.bench.example/mellon/metadata
./bench/bench_saml sp-metadata "$SP1" https://sp.bench.example/mellon/postResponse \
    "$T/keys/sp.cert" >"$T/sp/sp.xml"
./bench/bench_saml sp-metadata "$SP2" https://sp2.bench.example/mellon/postResponse \
    "$T/keys/sp.cert" >"$T/sp/sp2.xml"
python3 -c 'print("bench static " + "x" * 499)' >"$T/www/static.txt"

mandaat_httpd_conf idp "$PORT" dbd socache_shmcb authn_core authn_file auth_basic authz_user <<CONF
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
MandaatCryptoPassphrase "bench-saml-passphrase-0123456789abcdef"
MandaatCookieSecure Off
MandaatTemplateDir "$srcdir/conf/templates"
MandaatTransactionLifetime 3600
# Every AuthnRequest ID is remembered (replays), every login keeps a transaction and a session.
MandaatStoreSOCache shmcb:$T/idp/mandaat_state(33554432)
MandaatPublicURL $PUBLIC
MandaatSAMLSigningKeyFile "$T/keys/idp.key"
MandaatSAMLCertificateFile "$T/keys/idp.cert"
MandaatSAMLSPMetadataFile "$T/sp/sp.xml" $SERVICE
MandaatSAMLSPMetadataFile "$T/sp/sp2.xml" $SERVICE sign-response
<Location /static.txt>
    Require all granted
</Location>
# The person's upstream login (eID in production): Basic, sent with every request, so that
# saml/sso goes on at once (no parking detour).
<Location /mandaat>
    AuthType Basic
    AuthName "bench eID"
    AuthBasicProvider file
    AuthUserFile "$T/htpasswd"
    Require valid-user
    MandaatActorLoA "3"
</Location>
<Location /mandaat/saml/metadata>
    Require all granted
</Location>
CONF

if ! mandaat_httpd_start idp; then
    echo "run_saml: httpd does not start:" >&2
    cat "$T/idp/start.out" "$T/idp/error.log" >&2 2>/dev/null
    exit 1
fi
PID=$(cat "$T/idp/httpd.pid")
sleep 1 # the children are up

PERF=
CLIENT_PERF=
if [ -n "${MANDAAT_BENCH_PERF:-}" ] && command -v perf >/dev/null 2>&1; then
    kids=$(pgrep -P "$PID" | paste -sd, -)
    PERF="perf record -F 499 --call-graph dwarf -o '$MANDAAT_BENCH_PERF' -p $kids -- sleep 8"
    CLIENT_PERF="perf record -F 99 --call-graph dwarf -o $MANDAAT_BENCH_PERF.client --"
fi
rc=0
$CLIENT_PERF ./bench/bench_saml --port "$PORT" --httpd-pid "$PID" --public-url "$PUBLIC" --user "$CITIZEN" \
    --idp-key "$T/keys/idp.key" --idp-cert "$T/keys/idp.cert" --sp-key "$T/keys/sp.key" \
    --sp-cert "$T/keys/sp.cert" --sp-metadata "$T/sp/sp.xml" --sp2-metadata "$T/sp/sp2.xml" \
    --wrk-dir "$T/wrk" ${PERF:+--perf-cmd "$PERF"} "$@" >"$build/bench-saml-report.md" || rc=$?
{
    echo "httpd: $("$HTTPD" -v | sed -n 's/^Server version: //p'), mpm_event, 2 children x 25" \
        "threads, keep-alive unlimited, LogLevel warn, no access log; upstream authentication" \
        "HTTP Basic (htpasswd -s); store SQLite through mod_dbd (10,000 mandates); transactions," \
        "sessions and request IDs in shmcb of 32 MiB; lasso $(dpkg-query -W -f '${Version}' liblasso3 2>/dev/null || echo '?')," \
        "xmlsec1 $(dpkg-query -W -f '${Version}' libxmlsec1 2>/dev/null || echo '?')," \
        "$(openssl version | cut -d' ' -f1-2); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)."
    echo "httpd's error log: $(grep -c 'mandaat:error\|:crit\|:alert\|:emerg' "$T/idp/error.log" || true)" \
        "errors, $(grep -c 'mandaat:warn' "$T/idp/error.log" || true) mandaat warnings."
    echo
} >>"$build/bench-saml-report.md"
cat "$build/bench-saml-report.md"
if [ "$rc" -ne 0 ]; then
    echo "run_saml: bench_saml exited with $rc; the end of httpd's error log:" >&2
    tail -n 20 "$T/idp/error.log" >&2
fi
exit "$rc"
