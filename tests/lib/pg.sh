# Start a throw-away PostgreSQL server on 127.0.0.1 for the tests. Sets MANDAAT_TEST_PGSQL.
# Usage: mandaat_pg_start DIR PORT; mandaat_pg_stop DIR
mandaat_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

mandaat_pg_start() {
    local dir=$1 port=$2 bin
    bin=$(mandaat_pg_bin)
    [ -n "$bin" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
    rm -rf "$dir" && mkdir -p "$dir" && chown postgres: "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log"; return 1; }
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
        start >/dev/null || { cat "$dir/server.log"; return 1; }
    runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" mandaat_test
    export MANDAAT_TEST_PGSQL="host=127.0.0.1 port=$port dbname=mandaat_test user=postgres"
}

mandaat_pg_stop() {
    local dir=$1 bin
    bin=$(mandaat_pg_bin)
    [ -d "$dir/data" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1
    return 0
}
