#!/bin/sh
# Two gateway nodes, one state: two httpd instances with the same configuration (apart from
# Listen and ServerRoot) share a PostgreSQL store through mod_dbd and a redis cache through
# mod_socache_redis, as behind a load balancer. twonode_checks.py starts a login on one node and
# finishes it on the other, switches, double-submits and logs out across them, revokes a mandate
# with mandaatctl, and stops redis and PostgreSQL under them: nobody may get through then.
# Run by `make check`; by hand: top_builddir=/tmp/build-x sh tests/integration/test_twonode.sh
# PostgreSQL: a database of its own on the server in MANDAAT_TEST_PGSQL when that is set (an
# outage is then that database refusing connections, since the server is shared), else a
# throw-away server of its own (tests/lib/pg.sh, as root), which the outage really stops.
# MANDAAT_TEST_KEEP=1 keeps the temporary directory.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/httpd.sh"
. "$top_srcdir/tests/lib/pg.sh"

skip() { echo "SKIP: $*"; exit 77; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v htpasswd >/dev/null 2>&1 || skip "htpasswd (apache2-utils) is not installed"
command -v redis-server >/dev/null 2>&1 || skip "redis-server is not installed"
command -v psql >/dev/null 2>&1 || skip "psql (PostgreSQL) is not installed"
[ -n "$(mandaat_pg_bin)" ] || skip "PostgreSQL is not installed"
[ -x "$top_builddir/mandaatctl" ] || skip "mandaatctl is not built"
ls /usr/lib/*/apr-util-1/apr_dbd_pgsql*.so >/dev/null 2>&1 ||
    skip "apr-util's pgsql driver (libaprutil1-dbd-pgsql) is not installed"
if [ -z "${MANDAAT_TEST_PGSQL:-}" ]; then
    if [ "$(id -u)" != 0 ] || ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1
    then
        skip "no MANDAAT_TEST_PGSQL, and no server of our own (needs root and user postgres)"
    fi
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-twonode.XXXXXX") || exit 1
BACKEND_PID='' PGMODE='' PGBASE='' DB=''
cleanup() {
    mandaat_httpd_stop_all
    [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
    [ -s "$T/redis.pid" ] && kill "$(cat "$T/redis.pid")" 2>/dev/null
    case $PGMODE in
    own) mandaat_pg_stop "$T/pg" ;;
    shared)
        psql "$PGBASE" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 ;;
    esac
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || skip "no private httpd possible here"
missing=$(mandaat_httpd_missing dbd socache_redis proxy proxy_http authn_core authn_file \
    auth_basic authz_user)
[ -z "$missing" ] || skip "no $missing"

fail_setup() {
    echo "not ok - $1"
    shift
    for f in "$@"; do [ -f "$f" ] && tail -n 30 "$f" | sed 's/^/#   /'; done
    exit 1
}

PORT_A=$(mandaat_port)
PORT_B=$(mandaat_port)
BACKEND=$(mandaat_port)
REDIS=$(mandaat_port)
PGPORT=$(mandaat_port)
mkdir -p "$T/hooks"

# ---- redis: our own, on a free port, nothing written to disk. The checks stop and start it
# (and PostgreSQL) through hooks: small scripts with the values written in. ----
cat >"$T/hooks/redis_up" <<EOF
redis-server --bind 127.0.0.1 --port $REDIS --save '' --appendonly no --daemonize yes \\
    --pidfile "$T/redis.pid" --logfile "$T/redis.log" --dir "$T" >/dev/null || exit 1
i=0
until redis-cli -h 127.0.0.1 -p $REDIS ping 2>/dev/null | grep -q PONG; do
    i=\$((i + 1)); [ \$i -lt 100 ] || exit 1; sleep 0.1
done
EOF
cat >"$T/hooks/redis_down" <<EOF
pid=\$(cat "$T/redis.pid") && kill "\$pid" || exit 1
i=0
while kill -0 "\$pid" 2>/dev/null; do
    i=\$((i + 1)); [ \$i -lt 100 ] || exit 1; sleep 0.1
done
rm -f "$T/redis.pid"
EOF
sh "$T/hooks/redis_up" || fail_setup "redis-server starts on 127.0.0.1:$REDIS" "$T/redis.log"
echo "ok - redis-server starts on 127.0.0.1:$REDIS"

# ---- PostgreSQL: a fresh database ----
if [ -n "${MANDAAT_TEST_PGSQL:-}" ]; then
    PGMODE=shared
    PGBASE=$MANDAAT_TEST_PGSQL
    DB=mandaat_twonode_$$
    psql "$PGBASE" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
        -c "CREATE DATABASE $DB" >"$T/psql.out" 2>&1 ||
        fail_setup "create database $DB on $MANDAAT_TEST_PGSQL" "$T/psql.out"
    PARAMS=$(printf '%s\n' "$PGBASE" | sed "s/dbname=[^ ]*/dbname=$DB/")
    case $PARAMS in *dbname=*) ;; *) PARAMS="$PARAMS dbname=$DB" ;; esac
    # The server is shared with other tests: the outage is our database refusing connections
    # and its open connections ended, which is what a stopped server looks like to a client.
    cat >"$T/hooks/pg_down" <<EOF
psql "$PGBASE" -q -v ON_ERROR_STOP=1 -c "ALTER DATABASE $DB ALLOW_CONNECTIONS false" \
    -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$DB'" >/dev/null
EOF
    cat >"$T/hooks/pg_up" <<EOF
psql "$PGBASE" -q -v ON_ERROR_STOP=1 -c "ALTER DATABASE $DB ALLOW_CONNECTIONS true" >/dev/null
EOF
else
    PGMODE=own
    (mandaat_pg_start "$T/pg" "$PGPORT") >"$T/pgstart.out" 2>&1 ||
        fail_setup "a PostgreSQL server of our own starts on 127.0.0.1:$PGPORT" "$T/pgstart.out"
    PARAMS="host=127.0.0.1 port=$PGPORT dbname=mandaat_test user=postgres"
    PGBIN=$(mandaat_pg_bin)
    cat >"$T/hooks/pg_down" <<EOF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -m fast -w stop >/dev/null
EOF
    cat >"$T/hooks/pg_up" <<EOF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$T/pg -c fsync=off" \
    start >/dev/null
EOF
fi
echo "ok - PostgreSQL database for the nodes ($PGMODE server)"

# ---- the store: schema and the demo data, through mandaatctl ----
STORE="pgsql:$PARAMS"
if ! "$top_builddir/mandaatctl" --store "$STORE" migrate >"$T/seed.out" 2>&1 ||
    ! bash "$top_srcdir/demo/seed.sh" "$top_builddir/mandaatctl" "$STORE" >>"$T/seed.out" 2>&1; then
    fail_setup "mandaatctl migrate and demo/seed.sh fill the PostgreSQL store" "$T/seed.out"
fi
echo "ok - mandaatctl migrate and demo/seed.sh fill the PostgreSQL store"

# ---- upstream login (Basic), the backend ----
mandaat_basic_users "$T/htpasswd" 85073003328 72041512394 68092221138 90010134567 || exit 1
: >"$T/backend.log"
python3 "$here/twonode_checks.py" backend "$BACKEND" "$T/backend.log" &
BACKEND_PID=$!

# ---- the two nodes: one configuration ----
auth() { mandaat_basic_auth "$T/htpasswd"; }
node_conf() {
    cat <<CONF
DBDriver pgsql
DBDParams "$PARAMS"
MandaatStoreSOCache redis:127.0.0.1:$REDIS
MandaatCryptoPassphrase "two-node-test-passphrase-0123456"
MandaatCookieSecure Off
MandaatTemplateDir "$top_srcdir/conf/templates"
MandaatActorLoA "3"
LogFormat "%r %>s us=%D actor=%{MANDAAT_ACTOR}n party=%{MANDAAT_PARTY}n event=%{MANDAAT_EVENT}n error=%{MANDAAT_ERROR}e" mandaat
CustomLog "access.log" mandaat
<Location /app>
$(auth)
    MandaatService wse-loket
    Require mandaat-action inzage
    ProxyPass "http://127.0.0.1:$BACKEND/app"
</Location>
<Location /mandaat>
$(auth)
    Require valid-user
</Location>
CONF
}
for n in a b; do
    if [ $n = a ]; then port=$PORT_A; else port=$PORT_B; fi
    node_conf | mandaat_httpd_conf "$n" "$port" dbd socache_redis proxy proxy_http \
        authn_core authn_file auth_basic authz_user
    mandaat_httpd_start "$n" ||
        fail_setup "httpd node $n starts on 127.0.0.1:$port" "$T/$n/start.out" "$T/$n/error.log"
    echo "ok - httpd node $n starts on 127.0.0.1:$port"
done

python3 "$here/twonode_checks.py" checks --a "http://127.0.0.1:$PORT_A" \
    --b "http://127.0.0.1:$PORT_B" --hooks "$T/hooks" --ctl "$top_builddir/mandaatctl" \
    --store "$STORE" --backend-log "$T/backend.log" \
    --accesslog "$T/a/access.log" --accesslog "$T/b/access.log"
rc=$?
if [ $rc -ne 0 ]; then
    for n in a b; do
        echo "# node $n error log:"
        tail -n 25 "$T/$n/error.log" | sed 's/^/#   /'
    done
fi
exit $rc
