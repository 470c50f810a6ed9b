#!/bin/sh
# Integration test of the httpd module: Debian's apache2 binary runs a minimal configuration in
# a temporary directory (its own ServerRoot, PidFile, ErrorLog, mutexes, and a free port on
# 127.0.0.1), is checked with -t, started with -k start and stopped again. The system's apache2
# service is never touched. Run by `make check` with top_builddir, top_srcdir and APXS set;
# by hand: top_builddir=/tmp/build-x sh tests/integration/test_module.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory for a look at the logs).
#
# Prints "ok - ..." or "not ok - ..." per check; exits 0 when all pass, 77 when it cannot run
# here, 1 otherwise.

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${APXS:=apxs}"
. "$top_srcdir/tests/lib/httpd.sh"

skip() {
    echo "SKIP: $*"
    exit 77
}
command -v python3 >/dev/null 2>&1 || skip "python3 (to find a free port) is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command is not installed"

T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-module.XXXXXX") || exit 1
failed=0

# Stop every httpd this script started (by the pid in its own PidFile), then clean up.
cleanup() {
    mandaat_httpd_stop_all
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mandaat_httpd_init "$T" 2>"$T/init.err" || skip "$(cat "$T/init.err")"
for m in mpm_event authz_core dbd socache_shmcb; do
    [ -f "$MODDIR/mod_$m.so" ] || skip "no $MODDIR/mod_$m.so"
done

pass() { echo "ok - $1"; }
# fail DESCRIPTION [FILE...]: report, and show the files that explain it.
fail() {
    echo "not ok - $1"
    failed=$((failed + 1))
    shift
    for f in "$@"; do [ -f "$f" ] && sed "s|^|#   $(basename "$f"): |" "$f"; done
    return 0
}

# The store directory belongs to the User the children switch to when the test runs as root.
STORE=$T/store
mkdir -p "$STORE"
[ -n "$RUNAS" ] && chown "$RUNAS:$RUNGROUP" "$STORE"

# make_conf NAME [nodbd]: write $T/NAME/httpd.conf on a fresh port, with mod_dbd unless
# nodbd; the lines on stdin are appended.
make_conf() {
    if [ "$2" = nodbd ]; then
        mandaat_httpd_conf "$1" "$(mandaat_port)"
    else
        mandaat_httpd_conf "$1" "$(mandaat_port)" dbd
    fi
}
configtest() { mandaat_httpd_configtest "$1"; }
start() { mandaat_httpd_start "$1"; }
stop() { mandaat_httpd_stop "$1"; }

# start_refused NAME: -k start must fail and leave no daemon behind.
start_refused() {
    if "$HTTPD" -f "$T/$1/httpd.conf" -k start >"$T/$1/start.out" 2>&1; then
        sleep 1
        stop "$1"
        return 1
    fi
    sleep 0.2
    [ ! -s "$T/$1/httpd.pid" ]
}

# said NAME TEXT: the output of httpd or the error log of NAME contains TEXT.
said() { cat "$T/$1"/*.out "$T/$1/error.log" 2>/dev/null | grep -F -q -- "$2"; }

db_version() { sqlite3 "$1" 'SELECT MAX(version) FROM schema_version' 2>/dev/null; }

# ---- the annotated reference configuration documents exactly the command table ----
# (the SAML and OIDC directives' table entries are macros in saml.h and oidc.h, spliced into
# mnd_cmds)
cfg_c="$top_srcdir/mod_mandaat/config.c $top_srcdir/mod_mandaat/saml.h $top_srcdir/mod_mandaat/oidc.h"
hdr="$top_srcdir/mod_mandaat/mod_mandaat.h $top_srcdir/mod_mandaat/saml.h $top_srcdir/mod_mandaat/oidc.h"
code_names=$(
    # shellcheck disable=SC2086
    sed -n 's/.*AP_INIT_[A-Z0-9_]*( *\([A-Za-z0-9_"]*\).*/\1/p' $cfg_c | while read -r sym; do
        case $sym in
        \"*) echo "$sym" | tr -d '"' ;;
        *) sed -n "s/^#define $sym \"\\([^\"]*\\)\".*/\\1/p" $hdr ;;
        esac
    done | sort -u
)
doc_names=$(sed -n 's/^[[:space:]]*#\(Mandaat[A-Za-z0-9]*\).*/\1/p' "$top_srcdir/conf/mandaat.conf" \
    | sort -u)
echo "$code_names" >"$T/directives.code"
echo "$doc_names" >"$T/directives.doc"
if [ -n "$code_names" ] && [ "$code_names" = "$doc_names" ]; then
    pass "conf/mandaat.conf documents exactly the command table: $(echo $code_names)"
else
    diff "$T/directives.code" "$T/directives.doc" >"$T/directives.diff"
    fail "conf/mandaat.conf documents exactly the command table (< code, > doc)" \
        "$T/directives.diff"
fi

ids=$(cat "$top_srcdir"/mod_mandaat/*.c | grep -o 'MND_LOGNO([0-9]*)')
dups=$(echo "$ids" | sort | uniq -d)
if [ -n "$ids" ] && [ -z "$dups" ]; then
    pass "every message id is used once ($(echo "$ids" | wc -l) ids)"
else
    fail "every message id is used once: duplicates: $(echo $dups)"
fi

if [ ! -f "$MODULE" ]; then
    fail "the module is built at $MODULE"
    exit 1
fi

# ---- a good configuration: SQLite store, migrations at start ----
make_conf good <<EOF
DBDriver sqlite3
DBDParams "$STORE/m.db"
MandaatStoreMigrate On
EOF
if configtest good && said good "Syntax OK" && [ ! -e "$STORE/m.db" ]; then
    pass "good configuration: configtest passes and does not open the database"
else
    fail "good configuration: configtest passes and does not open the database" \
        "$T/good/configtest.out"
fi
if start good; then
    pass "good configuration: httpd starts"
    logged=$(sed -n 's/.*MND0003: .*migrated from schema version 0 to \([0-9]*\).*/\1/p' \
        "$T/good/error.log" | head -n 1)
    v=$(db_version "$STORE/m.db")
    if [ -n "$logged" ] && [ "$logged" -ge 1 ] && [ "$v" = "$logged" ]; then
        pass "good configuration: the store has schema_version $v, the latest this build knows"
    else
        fail "good configuration: the store is at the latest schema version" "$T/good/error.log"
    fi
    if [ -n "$RUNAS" ]; then
        owner=$(stat -c %U "$STORE/m.db")
        if [ "$owner" = "$RUNAS" ]; then
            pass "the SQLite file created at start belongs to User $RUNAS"
        else
            fail "the SQLite file created at start belongs to User $RUNAS, not $owner"
        fi
    fi
    if stop good; then pass "good configuration: httpd stops"; else fail "httpd stops"; fi
    : >"$T/good/error.log"
    if start good && said good "MND0004" && stop good && [ "$(db_version "$STORE/m.db")" = "$v" ]
    then
        pass "a second start finds the store migrated and changes nothing"
    else
        fail "a second start finds the store migrated and changes nothing" "$T/good/error.log"
    fi
else
    fail "good configuration: httpd starts" "$T/good/start.out" "$T/good/error.log"
fi

# ---- configuration errors refuse configtest with the directive's name ----
make_conf badflag <<EOF
DBDriver sqlite3
DBDParams "$STORE/bad.db"
MandaatStoreMigrate Maybe
EOF
if ! configtest badflag && said badflag "MandaatStoreMigrate: expects On or Off"; then
    pass "MandaatStoreMigrate Maybe fails configtest naming the directive"
else
    fail "MandaatStoreMigrate Maybe fails configtest naming the directive" \
        "$T/badflag/configtest.out"
fi

make_conf nodriver <<EOF
MandaatStoreMigrate On
EOF
if ! configtest nodriver && said nodriver "MandaatStoreMigrate On" && said nodriver "DBDriver"
then
    pass "MandaatStoreMigrate On without DBDriver fails configtest"
else
    fail "MandaatStoreMigrate On without DBDriver fails configtest" "$T/nodriver/configtest.out"
fi

make_conf relative <<EOF
DBDriver sqlite3
DBDParams relative.db
MandaatStoreMigrate On
EOF
if ! configtest relative && said relative "absolute path"; then
    pass "a relative sqlite3 DBDParams with MandaatStoreMigrate On fails configtest"
else
    fail "a relative sqlite3 DBDParams with MandaatStoreMigrate On fails configtest" \
        "$T/relative/configtest.out"
fi

# An apr_dbd driver mod_mandaat does not support; mod_dbd itself refuses drivers that are
# not installed, so this needs one that is.
other=
for drv in odbc mysql freetds oracle; do
    ls /usr/lib/*/apr-util-1/apr_dbd_"$drv"*.so >/dev/null 2>&1 && { other=$drv; break; }
done
if [ -n "$other" ]; then
    make_conf otherdriver <<EOF
DBDriver $other
DBDParams "x"
MandaatStoreMigrate On
EOF
    if ! configtest otherdriver && said otherdriver "is not supported"; then
        pass "MandaatStoreMigrate On with DBDriver $other fails configtest"
    else
        fail "MandaatStoreMigrate On with DBDriver $other fails configtest" \
            "$T/otherdriver/configtest.out"
    fi
else
    pass "unsupported DBDriver fails configtest # SKIP no other apr_dbd driver is installed"
fi

make_conf nodbd nodbd <<EOF
MandaatStoreMigrate On
EOF
if ! configtest nodbd && start_refused nodbd && said nodbd "LoadModule dbd_module"; then
    pass "without mod_dbd configtest fails and start is refused, asking for LoadModule dbd_module"
else
    fail "without mod_dbd start is refused, asking for LoadModule dbd_module" \
        "$T/nodbd/configtest.out" "$T/nodbd/start.out" "$T/nodbd/error.log"
fi

# ---- stores that cannot be migrated refuse start ----
mkdir -p "$STORE/dir.db"
make_conf dirstore <<EOF
DBDriver sqlite3
DBDParams "$STORE/dir.db"
MandaatStoreMigrate On
EOF
if configtest dirstore && start_refused dirstore && said dirstore "MND0005" \
    && said dirstore "$STORE/dir.db"; then
    pass "a store that cannot be opened refuses start, naming it"
else
    fail "a store that cannot be opened refuses start, naming it" \
        "$T/dirstore/start.out" "$T/dirstore/error.log"
fi

if [ -n "$v" ]; then
    cp "$STORE/m.db" "$STORE/newer.db"
    sqlite3 "$STORE/newer.db" "INSERT INTO schema_version (version, applied_at) VALUES (999, 0)"
    [ -n "$RUNAS" ] && chown "$RUNAS:$RUNGROUP" "$STORE/newer.db"
    make_conf newer <<EOF
DBDriver sqlite3
DBDParams "$STORE/newer.db"
MandaatStoreMigrate On
EOF
    if start_refused newer && said newer "newer than this build"; then
        pass "a store at a newer schema version than the build refuses start"
    else
        fail "a store at a newer schema version than the build refuses start" \
            "$T/newer/start.out" "$T/newer/error.log"
    fi
else
    fail "a store at a newer schema version refuses start (no migrated store to copy)"
fi

# ---- a virtual host with its own store: resolved from the configuration tree ----
make_conf vhost <<EOF
DBDriver sqlite3
DBDParams "$STORE/main.db"
<IfModule dbd_module>
<VirtualHost 127.0.0.1:*>
    ServerName vhost.test
    DBDParams "$STORE/vhost.db"
    MandaatStoreMigrate On
</VirtualHost>
</IfModule>
EOF
if start vhost && stop vhost && [ "$(db_version "$STORE/vhost.db")" = "$v" ] \
    && [ -z "$(db_version "$STORE/main.db")" ]; then
    pass "MandaatStoreMigrate On in a <VirtualHost> migrates that host's store only"
else
    fail "MandaatStoreMigrate On in a <VirtualHost> migrates that host's store only" \
        "$T/vhost/start.out" "$T/vhost/error.log"
fi

# ---- as root: a directory the children cannot write is reported ----
if [ -n "$RUNAS" ]; then
    mkdir -p "$T/rootonly" && chmod 755 "$T/rootonly"
    make_conf rootdir <<EOF
DBDriver sqlite3
DBDParams "$T/rootonly/m.db"
MandaatStoreMigrate On
EOF
    if start rootdir && stop rootdir && said rootdir "MND0006"; then
        pass "a store directory the User cannot write is reported at start"
    else
        fail "a store directory the User cannot write is reported at start" \
            "$T/rootdir/error.log"
    fi
fi

# ---- the login path's directives: bad values fail configtest naming the directive ----
SHMCB="LoadModule socache_shmcb_module \"$MODDIR/mod_socache_shmcb.so\""
PASS="MandaatCryptoPassphrase \"test-passphrase-0123456789\""
n=0
# refused TEXT DESCRIPTION LINES: configtest of a configuration with LINES fails and says
# TEXT. (LINES is an argument, not stdin: a pipe would run this in a subshell and lose the
# failure count.)
refused() {
    n=$((n + 1))
    printf '%s\n' "$3" >"$T/refused.in"
    make_conf "refused$n" <"$T/refused.in"
    if ! configtest "refused$n" && said "refused$n" "$1"; then
        pass "$2"
    else
        fail "$2 (expected: $1)" "$T/refused$n/configtest.out"
    fi
}

for v in mandaat /mandaat/ / /a//b /a/../b /a/./b "/a..b" "/a?b" "/a#b" "/a%2fb" "/a b"; do
    refused "MandaatEndpointPath:" \
        "MandaatEndpointPath '$v' fails configtest naming the directive" \
        "MandaatEndpointPath \"$v\""
done
for d in MandaatActorIdentifier MandaatActorGivenName MandaatActorFamilyName MandaatActorLoA
do
    refused "$d: cannot parse the expression" \
        "$d with a syntax error fails configtest naming the directive" "$d \"%{reqenv:X\""
done
refused "mod_socache_nosuch" \
    "an unknown socache provider fails configtest naming mod_socache_nosuch" \
    'MandaatStoreSOCache nosuch'
refused "MandaatStoreSOCache shmcb:" "bad socache arguments fail configtest naming the directive" \
    "$SHMCB
MandaatStoreSOCache \"shmcb:$T/s(100)\""
refused "MandaatStoreSOCache:" "MandaatStoreSOCache in a <VirtualHost> fails configtest" \
    "$SHMCB
<VirtualHost 127.0.0.1:*>
MandaatStoreSOCache shmcb
</VirtualHost>"
refused "MandaatCryptoPassphrase: a passphrase needs" \
    "a passphrase shorter than 16 characters fails configtest naming the directive" \
    'MandaatCryptoPassphrase short'
refused "MandaatCryptoPassphrase: the exec:" "an exec: passphrase is refused naming the directive" \
    "$PASS \"exec:/bin/echo-a-long-secret\""
for v in "bad id" "a;b" "$(printf 'x%.0s' $(seq 65))"; do
    refused "MandaatService:" "MandaatService '$v' fails configtest naming the directive" \
        "$PASS
<Location /x>
MandaatService \"$v\"
</Location>"
done
refused "not allowed here" "MandaatService outside a <Location> or <Directory> fails configtest" \
    'MandaatService e-loket'
refused "MandaatCryptoPassphrase is not set" \
    "MandaatService without MandaatCryptoPassphrase fails configtest" \
    "$SHMCB
<Location /x>
MandaatService e-loket
</Location>"
refused "at least 16 characters>' (the main server)" \
    "a MandaatService in the main server needs a passphrase there too" \
    "$SHMCB
<VirtualHost 127.0.0.1:*>
$PASS
</VirtualHost>
<Location /x>
MandaatService e
</Location>"
refused "mod_socache_shmcb" "MandaatService without mod_socache_shmcb asks to load it" \
    "$PASS
<Location /x>
MandaatService e-loket
</Location>"
refused "MandaatTemplateDir $T/nosuchdir" \
    "a MandaatTemplateDir that does not exist fails configtest" \
    "MandaatTemplateDir \"$T/nosuchdir\""
: >"$T/afile"
refused "not a directory" "a MandaatTemplateDir that is a file fails configtest" \
    "MandaatTemplateDir \"$T/afile\""
for d in MandaatChooserAutoSelect MandaatCookieSecure; do
    refused "$d: expects On or Off" "$d Maybe fails configtest" "$d Maybe"
done
for dv in "MandaatTransactionLifetime 29" "MandaatTransactionLifetime 3601" \
    "MandaatTransactionLifetime 10m" "MandaatSessionIdleTimeout 59" \
    "MandaatSessionIdleTimeout 86401" "MandaatSessionMaxAge 299" "MandaatSessionMaxAge -1" \
    "MandaatSessionMaxAge 604801"; do
    refused "${dv%% *}:" "$dv fails configtest naming the directive" "$dv"
done
refused "MandaatSessionIdleTimeout 3600 is longer than MandaatSessionMaxAge 1800" \
    "an idle timeout longer than the maximum age fails configtest" \
    "MandaatSessionIdleTimeout 3600
MandaatSessionMaxAge 1800"

# ---- a complete login configuration starts ----
# The page templates are read and checked at start: a copy of the shipped ones.
mkdir -p "$T/templates"
cp "$top_srcdir"/conf/templates/*.html "$T/templates/"
make_conf login <<EOF
$SHMCB
MandaatEndpointPath /auth/mandaat
MandaatStoreSOCache shmcb
$PASS "an-older-passphrase-for-rotation"
MandaatTemplateDir "$T/templates"
MandaatCookieSecure Off
MandaatTransactionLifetime 300
MandaatSessionIdleTimeout 600
MandaatSessionMaxAge 3600
MandaatActorIdentifier "%{reqenv:MELLON_egovNRN}"
MandaatActorGivenName "%{reqenv:MELLON_givenName}"
MandaatActorFamilyName "%{reqenv:MELLON_surname}"
MandaatActorLoA "%{reqenv:MANDAAT_LOA}"
<Location /loket>
    MandaatService e-loket.example:v1
    MandaatChooserAutoSelect Off
    MandaatActorIdentifier "%{REMOTE_USER}"
</Location>
<VirtualHost 127.0.0.1:*>
    ServerName other.test
    MandaatCryptoPassphrase "a-passphrase-of-the-other-host"
    <Location /other>
        MandaatService other
    </Location>
</VirtualHost>
EOF
if configtest login && said login "Syntax OK"; then
    pass "a complete login configuration with shmcb passes configtest"
else
    fail "a complete login configuration with shmcb passes configtest" "$T/login/configtest.out"
fi
if start login; then
    pass "a complete login configuration with shmcb starts"
    if said login "MND0015" && said login "socache shmcb with the mandaat-state mutex"; then
        pass "the state socache is initialised with its mutex"
    else
        fail "the state socache is initialised with its mutex" "$T/login/error.log"
    fi
    if said login "MND0008" && said login "MandaatCookieSecure Off"; then
        pass "MandaatCookieSecure Off is warned about at start"
    else
        fail "MandaatCookieSecure Off is warned about at start" "$T/login/error.log"
    fi
    if grep -F -q -e "passphrase-0123" -e "older-passphrase" "$T/login/error.log"; then
        fail "passphrases never reach the error log" "$T/login/error.log"
    else
        pass "passphrases never reach the error log"
    fi
    if stop login; then pass "a complete login configuration stops"; else fail "login stops"; fi
else
    fail "a complete login configuration with shmcb starts" "$T/login/start.out" \
        "$T/login/error.log"
fi

# A provider that is multi-process safe needs no mutex; memcache does not connect at start.
if [ -f "$MODDIR/mod_socache_memcache.so" ]; then
    make_conf memcache <<EOF
LoadModule socache_memcache_module "$MODDIR/mod_socache_memcache.so"
MandaatStoreSOCache memcache:127.0.0.1:1
$PASS
MandaatTemplateDir "$top_srcdir/conf/templates"
<Location /loket>
    MandaatService e-loket
</Location>
EOF
    if start memcache && stop memcache && said memcache "state kept in socache memcache" \
        && ! said memcache "mandaat-state mutex"; then
        pass "MandaatStoreSOCache memcache:... starts without the mutex"
    else
        fail "MandaatStoreSOCache memcache:... starts without the mutex" \
            "$T/memcache/start.out" "$T/memcache/error.log"
    fi
fi

# ---- make install puts the module and its configuration in place ----
dest=$T/destdir
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install DESTDIR="$dest" \
    >"$T/install.log" 2>&1; then
    libexec=$("$APXS" -q LIBEXECDIR)
    sysconf=$("$APXS" -q SYSCONFDIR)
    if [ -f "$dest$libexec/mod_mandaat.so" ] \
        && cmp -s "$dest$sysconf/mods-available/mandaat.load" "$top_srcdir/conf/mandaat.load" \
        && cmp -s "$dest$sysconf/mods-available/mandaat.conf" "$top_srcdir/conf/mandaat.conf"
    then
        pass "make install DESTDIR=... installs mod_mandaat.so, mandaat.load and mandaat.conf"
    else
        find "$dest" -type f >"$T/installed.txt"
        fail "make install DESTDIR=... installs mod_mandaat.so, mandaat.load and mandaat.conf" \
            "$T/installed.txt"
    fi
else
    tail -n 20 "$T/install.log" >"$T/install.tail"
    fail "make install DESTDIR=... succeeds" "$T/install.tail"
fi

if [ "$failed" -eq 0 ]; then
    echo "# all checks passed"
    exit 0
fi
echo "# $failed check(s) failed"
exit 1
