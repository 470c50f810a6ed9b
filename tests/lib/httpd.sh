# Private httpd instances for the integration tests and the demo (POSIX sh; sourced).
# Debian's apache2 binary runs a configuration in a directory of its own (ServerRoot, PidFile,
# ErrorLog, mutexes, a free port on 127.0.0.1); the system's apache2 service is never touched.
#
#   mandaat_httpd_init DIR      sets HTTPD, MODDIR, MODULE, RUNAS, RUNGROUP, T=DIR and a pool of
#                               free ports; returns 1 (with a message on stderr) if it cannot
#   mandaat_port                prints a free port from the pool
#   mandaat_httpd_conf NAME PORT [MODULE...]   writes $T/NAME/httpd.conf, stdin appended
#   mandaat_httpd_configtest NAME              httpd -t, output in $T/NAME/configtest.out
#   mandaat_httpd_start NAME / mandaat_httpd_stop NAME / mandaat_httpd_stop_all
#
# Uses top_builddir (default: the source tree) and APXS (default: apxs). Function-local
# variables carry the prefix _mh_ because POSIX sh has no `local`.

# mandaat_httpd_init DIR: the paths and user every later call uses; DIR must exist.
mandaat_httpd_init() {
    T=$1
    [ -d "$T" ] || { echo "mandaat_httpd_init: no directory $T" >&2; return 1; }
    chmod 755 "$T"
    HTTPD=${MANDAAT_TEST_HTTPD:-/usr/sbin/apache2}
    MODDIR=$("${APXS:-apxs}" -q LIBEXECDIR 2>/dev/null) || MODDIR=/usr/lib/apache2/modules
    [ -n "$MODDIR" ] || MODDIR=/usr/lib/apache2/modules
    MODULE=${top_builddir:-.}/.libs/mod_mandaat.so
    # The children switch to this user when httpd starts as root; files they write
    # (SQLite store, logs) must be theirs.
    RUNAS=
    if [ "$(id -u)" = 0 ]; then
        for _mh_u in www-data nobody; do
            if id "$_mh_u" >/dev/null 2>&1; then RUNAS=$_mh_u; break; fi
        done
    fi
    RUNGROUP=${RUNAS:+$(id -gn "$RUNAS")}
    # Free ports, asked from the kernel all at once (python3 starts slowly on a busy machine);
    # holding every socket until all are bound makes them distinct.
    MANDAAT_PORTS=$(python3 -c '
import socket
socks = [socket.socket() for _ in range(64)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' 2>/dev/null)
    [ -n "$MANDAAT_PORTS" ] || { echo "mandaat_httpd_init: cannot find free ports" >&2; return 1; }
    [ -x "$HTTPD" ] || { echo "mandaat_httpd_init: no httpd at $HTTPD" >&2; return 1; }
    return 0
}

# mandaat_port: print the next free port of the pool. The pool lives in $T/.ports so that
# `port=$(mandaat_port)`, which runs in a subshell, still takes each port once.
mandaat_port() {
    if [ -f "$T/.ports" ]; then
        _mh_pool=$(cat "$T/.ports")
    else
        _mh_pool=$MANDAAT_PORTS
    fi
    _mh_p=${_mh_pool%% *}
    [ -n "$_mh_p" ] || { echo "mandaat_port: the pool of free ports is empty" >&2; return 1; }
    if [ "$_mh_p" = "$_mh_pool" ]; then _mh_pool=; else _mh_pool=${_mh_pool#"$_mh_p" }; fi
    printf '%s\n' "$_mh_pool" >"$T/.ports"
    MANDAAT_PORTS=$_mh_pool
    echo "$_mh_p"
}

# mandaat_httpd_loadmodule NAME: the LoadModule line of module NAME (dbd, proxy_http, ...).
mandaat_httpd_loadmodule() {
    echo "LoadModule ${1}_module \"$MODDIR/mod_$1.so\""
}

# mandaat_httpd_conf NAME PORT [MODULE...]: write $T/NAME/httpd.conf, a server on
# 127.0.0.1:PORT with mpm_event, authz_core, the named modules and mod_mandaat (left out when
# a name is -nomandaat); the lines on stdin are appended.
mandaat_httpd_conf() {
    _mh_d=$T/$1
    _mh_port=$2
    shift 2
    mkdir -p "$_mh_d"
    _mh_mandaat=1
    for _mh_m in "$@"; do [ "$_mh_m" = -nomandaat ] && _mh_mandaat=; done
    {
        echo "ServerRoot \"$_mh_d\""
        echo "ServerName 127.0.0.1"
        echo "Listen 127.0.0.1:$_mh_port"
        echo "PidFile \"$_mh_d/httpd.pid\""
        echo "ErrorLog \"$_mh_d/error.log\""
        if [ -n "$_mh_mandaat" ]; then echo "LogLevel warn mandaat:debug"; else echo "LogLevel warn"; fi
        echo "DefaultRuntimeDir \"$_mh_d\""
        echo "Mutex file:$_mh_d default"
        [ -n "$RUNAS" ] && printf 'User %s\nGroup %s\n' "$RUNAS" "$RUNGROUP"
        mandaat_httpd_loadmodule mpm_event
        mandaat_httpd_loadmodule authz_core
        for _mh_m in "$@"; do
            case $_mh_m in
            -nomandaat | mpm_event | authz_core) ;;
            *) mandaat_httpd_loadmodule "$_mh_m" ;;
            esac
        done
        [ -n "$_mh_mandaat" ] && echo "LoadModule mandaat_module \"$MODULE\""
        cat
    } >"$_mh_d/httpd.conf"
}

# mandaat_httpd_configtest NAME: httpd -t on $T/NAME/httpd.conf.
mandaat_httpd_configtest() {
    "$HTTPD" -f "$T/$1/httpd.conf" -t >"$T/$1/configtest.out" 2>&1
}

# mandaat_httpd_start NAME: -k start must succeed and the daemon write its PidFile.
mandaat_httpd_start() {
    "$HTTPD" -f "$T/$1/httpd.conf" -k start >"$T/$1/start.out" 2>&1 || return 1
    _mh_i=0
    while [ ! -s "$T/$1/httpd.pid" ] && [ $_mh_i -lt 100 ]; do
        sleep 0.1
        _mh_i=$((_mh_i + 1))
    done
    [ -s "$T/$1/httpd.pid" ]
}

# mandaat_httpd_stop NAME: -k stop and wait until the process is gone.
mandaat_httpd_stop() {
    _mh_pid=$(cat "$T/$1/httpd.pid" 2>/dev/null) || return 1
    [ -n "$_mh_pid" ] || return 1
    "$HTTPD" -f "$T/$1/httpd.conf" -k stop >"$T/$1/stop.out" 2>&1
    _mh_i=0
    while kill -0 "$_mh_pid" 2>/dev/null && [ $_mh_i -lt 100 ]; do
        sleep 0.1
        _mh_i=$((_mh_i + 1))
    done
    ! kill -0 "$_mh_pid" 2>/dev/null && rm -f "$T/$1/httpd.pid"
}

# mandaat_httpd_stop_all: stop every httpd under $T that is still running (by the pid in its
# own PidFile; never by name), for an EXIT trap.
mandaat_httpd_stop_all() {
    for _mh_pf in "$T"/*/httpd.pid; do
        [ -s "$_mh_pf" ] || continue
        _mh_n=$(basename "$(dirname "$_mh_pf")")
        mandaat_httpd_stop "$_mh_n" || {
            _mh_pid=$(cat "$_mh_pf" 2>/dev/null)
            [ -n "$_mh_pid" ] && kill -TERM "$_mh_pid" 2>/dev/null
        }
    done
    return 0
}

# mandaat_httpd_missing MODULE...: print the first module that MODDIR lacks (nothing when all
# are there), for a skip message.
mandaat_httpd_missing() {
    for _mh_m in "$@"; do
        [ -f "$MODDIR/mod_$_mh_m.so" ] || { echo "$MODDIR/mod_$_mh_m.so"; return 0; }
    done
}

# The tests' stand-in for the upstream eID login: HTTP Basic with one user per person, named by
# the person's INSZ, password "pw".
# mandaat_basic_users FILE INSZ...: write the htpasswd FILE.
mandaat_basic_users() {
    _mh_f=$1
    shift
    rm -f "$_mh_f"
    for _mh_u in "$@"; do
        if [ -f "$_mh_f" ]; then _mh_c=; else _mh_c=-c; fi
        htpasswd -b $_mh_c "$_mh_f" "$_mh_u" pw 2>/dev/null || return 1
    done
}

# mandaat_basic_auth FILE: the directives that authenticate a <Location> against FILE; a
# refused Require is a 403, not a new login prompt.
mandaat_basic_auth() {
    cat <<CONF
    AuthType Basic
    AuthName "test eID"
    AuthBasicProvider file
    AuthUserFile "$1"
    AuthzSendForbiddenOnFailure On
CONF
}
