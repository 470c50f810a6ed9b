#!/bin/sh
# Integration test of the login path behind real SAML: Debian's apache2 runs mod_auth_mellon as
# the SAML service provider in front of mod_mandaat, against a TEST eID IdP (idp/eid_idp.py,
# python3-lasso: it verifies mellon's signed AuthnRequests and answers with signed Responses
# carrying FAS-like attributes for whoever the test types in; no real eID). A stdlib python3
# "browser" (idp/browser.py) walks every hop: app -> mellon -> IdP -> mellon -> mod_mandaat ->
# chooser -> app, and an echo backend (echo_backend.py) shows what reached the e-counter.
#
# Part 1 runs mellon alone (no mod_mandaat loaded): the SAML chain and the MELLON_* variables.
# Part 2 adds mod_mandaat (MandaatService wse-loket, store filled by demo/seed.sh).
#
# Run by `make check` with top_builddir, top_srcdir and APXS set; by hand:
#   top_builddir=/tmp/build-x top_srcdir=/work/main sh tests/integration/test_mellon.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory for a look at the logs).
#
# Prints "ok - ..." or "not ok - ..." per check; exits 0 when all pass, 77 when it cannot run
# here (no mod_auth_mellon, no python3-lasso, no httpd), 1 otherwise.

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/httpd.sh"

skip() {
    echo "SKIP: $*"
    exit 77
}
# The lasso bindings are a Debian package: take Debian's python3 first (a python3 of its own
# earlier in PATH, e.g. pyenv's, lacks them).
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import lasso' >/dev/null 2>&1; then
        PY=$p
        break
    fi
done
[ -n "$PY" ] || skip "python3-lasso is not installed (apt-get install python3-lasso)"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command is not installed"

failed=0
PIDS=
# Stop every httpd (by its PidFile) and helper process (by pid) this script started.
cleanup() {
    mandaat_httpd_stop_all
    for pid in $PIDS; do kill -TERM "$pid" 2>/dev/null; done
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-mellon.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || skip "cannot run a private httpd here"
for m in auth_mellon proxy proxy_http headers authn_core authz_user dbd socache_shmcb; do
    [ -f "$MODDIR/mod_$m.so" ] || skip "no $MODDIR/mod_$m.so (libapache2-mod-auth-mellon?)"
done

pass() { echo "ok - $1"; }
# fail DESCRIPTION [FILE...]: report, and show the files that explain it.
fail() {
    echo "not ok - $1"
    failed=$((failed + 1))
    shift
    for f in "$@"; do [ -f "$f" ] && tail -n 40 "$f" | sed "s|^|#   $(basename "$f"): |"; done
    return 0
}
# browse SCENARIO ARGS...: run the browser; its ok/not ok lines count here.
browse() {
    "$PY" "$here/idp/browser.py" "$@" >"$T/browser.out" 2>&1
    rc=$?
    cat "$T/browser.out"
    n=$(grep -c '^not ok' "$T/browser.out")
    if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
        n=1
        echo "not ok - the browser runs scenario $1 to its end (exit $rc)"
    fi
    failed=$((failed + n))
}
# wait_http URL: until URL answers (at most 10 s).
wait_http() {
    "$PY" - "$1" <<'EOF'
import sys, time, urllib.request, urllib.error
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}
# chown_run PATH...: files the httpd children (User) must read or write.
chown_run() { [ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$@"; return 0; }

SP_PORT=$(mandaat_port)
IDP_PORT=$(mandaat_port)
APP_PORT=$(mandaat_port)
SP=http://127.0.0.1:$SP_PORT
IDP=http://127.0.0.1:$IDP_PORT

# ---- keys and metadata, made now: nothing secret lives in the repository ----
# newkey NAME CN: a self-signed RSA key and certificate $T/NAME.key, $T/NAME.cert.
newkey() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$T/$1.key" \
        -out "$T/$1.cert" >"$T/$1.openssl.out" 2>&1
}
mkdir -p "$T/idp" "$T/sp"
newkey idp/idp test-eid-idp &
idpkey=$!
newkey sp/sp 127.0.0.1
spkey=$?
if wait "$idpkey" && [ "$spkey" -eq 0 ]; then
    pass "IdP and SP keys made with openssl"
else
    fail "IdP and SP keys made with openssl" "$T/idp/idp.openssl.out" "$T/sp/sp.openssl.out"
    exit 1
fi
SPKEY=$T/sp/sp.key SPCERT=$T/sp/sp.cert SPXML=$T/sp/metadata.xml
# The SP metadata as mellon_create_metadata (libapache2-mod-auth-mellon) writes it: signed
# AuthnRequests, HTTP-POST AssertionConsumerService at <MellonEndpointPath>/postResponse.
cert=$(grep -v '^-----' "$SPCERT")
cat >"$SPXML" <<EOF
<EntityDescriptor entityID="$SP/mellon/metadata" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <SPSSODescriptor AuthnRequestsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>$cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>
    <KeyDescriptor use="encryption">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>$cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="$SP/mellon/logout"/>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
        Location="$SP/mellon/postResponse" index="0"/>
  </SPSSODescriptor>
</EntityDescriptor>
EOF

# ---- the test eID IdP and the echo backend ----
"$PY" "$here/idp/eid_idp.py" --port "$IDP_PORT" --key "$T/idp/idp.key" \
    --cert "$T/idp/idp.cert" --sp-metadata "$SPXML" --metadata-out "$T/idp/metadata.xml" \
    >"$T/idp/idp.log" 2>&1 &
PIDS="$PIDS $!"
"$PY" "$here/echo_backend.py" "$APP_PORT" >"$T/backend.log" 2>&1 &
PIDS="$PIDS $!"
if wait_http "$IDP/health" && wait_http "http://127.0.0.1:$APP_PORT/"; then
    pass "the test eID IdP and the echo backend are up"
else
    fail "the test eID IdP and the echo backend are up" "$T/idp/idp.log" "$T/backend.log"
    exit 1
fi
chown_run "$T/sp" "$T/idp"

# Mellon's service provider, common to both parts: endpoints under /mellon everywhere.
MELLON_SP="MellonCacheSize 100
MellonLockFile \"$T/sp/mellon.lock\"
<Location />
    MellonEnable info
    MellonEndpointPath /mellon
    MellonSPPrivateKeyFile \"$SPKEY\"
    MellonSPCertFile \"$SPCERT\"
    MellonSPMetadataFile \"$SPXML\"
    MellonIdPMetadataFile \"$T/idp/metadata.xml\"
    MellonSecureCookie Off
</Location>
<Location /whoami>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
    RequestHeader set X-Mellon-NRN \"%{MELLON_egovNRN}e\"
    RequestHeader set X-Mellon-Given \"%{MELLON_givenName}e\"
    RequestHeader set X-Mellon-Surname \"%{MELLON_surname}e\"
    RequestHeader set X-Remote-User \"expr=%{REMOTE_USER}\"
    ProxyPass http://127.0.0.1:$APP_PORT/
</Location>"

JAN="72.04.15-123.94;Jan;Janssens;5"

# ---- part 1: mellon alone ----
mandaat_httpd_conf mellon "$SP_PORT" -nomandaat authn_core authz_user auth_mellon proxy \
    proxy_http headers <<EOF
$MELLON_SP
EOF
# "mandaat:debug" in the LogLevel the helper writes needs mod_mandaat loaded.
sed 's/^LogLevel .*/LogLevel warn auth_mellon:info/' "$T/mellon/httpd.conf" >"$T/mellon/conf.tmp" \
    && mv "$T/mellon/conf.tmp" "$T/mellon/httpd.conf"
if mandaat_httpd_start mellon && wait_http "$SP/mellon/metadata"; then
    pass "httpd with mod_auth_mellon alone starts"
    browse mellon "$SP" "$IDP" "$JAN"
    browse tampered "$SP" "$IDP" "$JAN"
    mandaat_httpd_stop mellon || fail "httpd with mod_auth_mellon alone stops"
else
    fail "httpd with mod_auth_mellon alone starts" "$T/mellon/start.out" "$T/mellon/error.log"
fi

# ---- part 2: mod_mandaat behind mellon ----
if [ ! -f "$MODULE" ] || [ ! -x "$top_builddir/mandaatctl" ]; then
    fail "mod_mandaat.so and mandaatctl are built in $top_builddir"
else
    mkdir -p "$T/store"
    if "$top_builddir/mandaatctl" --store "sqlite3:$T/store/store.db" migrate \
        >"$T/store/seed.out" 2>&1 \
        && PATH="$(dirname "$PY"):$PATH" bash "$top_srcdir/demo/seed.sh" \
            "$top_builddir/mandaatctl" "sqlite3:$T/store/store.db" >>"$T/store/seed.out" 2>&1
    then
        pass "the store is migrated and seeded with demo/seed.sh"
    else
        fail "the store is migrated and seeded with demo/seed.sh" "$T/store/seed.out"
    fi
    chown_run "$T/store"
    mandaat_httpd_conf gateway "$SP_PORT" authn_core authz_user auth_mellon proxy proxy_http \
        headers dbd socache_shmcb <<EOF
$MELLON_SP
DBDriver sqlite3
DBDParams "$T/store/store.db"
MandaatCryptoPassphrase "mellon-test-passphrase-$$-0123456789"
MandaatTemplateDir "$top_srcdir/conf/templates"
MandaatCookieSecure Off
MandaatActorIdentifier "%{reqenv:MELLON_egovNRN}"
MandaatActorGivenName "%{reqenv:MELLON_givenName}"
MandaatActorFamilyName "%{reqenv:MELLON_surname}"
MandaatActorLoA "%{reqenv:MELLON_loa}"
<Location /app>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
    MandaatService wse-loket
    ProxyPass http://127.0.0.1:$APP_PORT/
</Location>
<Location /inzage>
    AuthType Mellon
    MellonEnable auth
    MandaatService wse-loket
    Require mandaat-action inzage
    ProxyPass http://127.0.0.1:$APP_PORT/
</Location>
<Location /zelf>
    AuthType Mellon
    MellonEnable auth
    MandaatService wse-loket
    Require mandaat-party self
    ProxyPass http://127.0.0.1:$APP_PORT/
</Location>
<Location /mandaat>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
</Location>
EOF
    if mandaat_httpd_start gateway && wait_http "$SP/mellon/metadata"; then
        pass "httpd with mod_auth_mellon and mod_mandaat starts"
        browse mandaat "$SP" "$IDP" "$JAN" "Bakkerij" 72041512394 0412345614
        browse forbidden "$SP" "$IDP" "72.04.15-123.95;Jan;Janssens;5"
        # mod_auth_mellon sets r->user in the access_checker phase, so httpd may skip
        # check_user_id and check_authz when a Require is already satisfied by then.
        if grep -q -e MND0032 -e MND0033 "$T/gateway/error.log"; then
            grep -e MND0032 -e MND0033 "$T/gateway/error.log" | head -n 3 >"$T/skipped.txt"
            fail "mod_mandaat's session check runs behind mellon (which authenticates in the \
access_checker phase: Require is satisfied before check_authz)" "$T/skipped.txt"
        else
            pass "mod_mandaat's session check runs behind mellon (no MND0032/MND0033)"
        fi
        if grep -q -i -e 'segfault\|child pid [0-9]* exit signal' "$T/gateway/error.log"
        then
            fail "no httpd child crashed" "$T/gateway/error.log"
        else
            pass "no httpd child crashed"
        fi
    else
        fail "httpd with mod_auth_mellon and mod_mandaat starts" "$T/gateway/start.out" \
            "$T/gateway/error.log"
    fi
fi

if [ "$failed" -ne 0 ]; then
    for f in "$T/idp/idp.log" "$T"/*/error.log; do
        [ -f "$f" ] && tail -n 15 "$f" | sed "s|^|#   $(basename "$(dirname "$f")")/$(basename "$f"): |"
    done
    echo "# $failed check(s) failed"
    exit 1
fi
echo "# all checks passed"
exit 0
