# Debian 12 packages needed to build mod_mandaat and run its tests. Sourced by the README's
# two commands; installs only what is missing.
MANDAAT_BUILD_DEPS="build-essential autoconf automake libtool pkg-config apache2 apache2-dev
 libapr1-dev libaprutil1-dev libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql liblasso3-dev
 libxmlsec1-dev libxml2-dev libssl-dev libjansson-dev libcjose-dev libcmocka-dev
 libsqlite3-dev sqlite3 libglib2.0-dev zlib1g-dev curl ca-certificates"
MANDAAT_TEST_DEPS="postgresql valgrind python3 jq python3-lasso libapache2-mod-auth-mellon libapache2-mod-auth-openidc redis-server
 chromium"
# Node for tests/browser: Debian's nodejs and npm, unless an npm is already there (NodeSource's
# nodejs package carries its own npm and conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || MANDAAT_TEST_DEPS="$MANDAAT_TEST_DEPS nodejs npm"

mandaat_install_deps() {
    local missing="" pkg
    for pkg in $MANDAAT_BUILD_DEPS "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # Debian starts services on install; our scripts run their own instances on 127.0.0.1.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -q --no-install-recommends $missing >/dev/null
    rm -f /usr/sbin/policy-rc.d
}

# Configure and build in $1 (a build directory) with extra configure arguments after it.
mandaat_build() {
    local builddir=$1 src
    shift
    src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    [ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
    mkdir -p "$builddir"
    (cd "$builddir" && { [ -f Makefile ] || "$src/configure" -q "$@"; } && make -s -j"$(nproc)")
}
