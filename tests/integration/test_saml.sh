#!/bin/sh
# mod_mandaat as the SAML identity provider, end to end: one Debian httpd with three virtual
# hosts on 127.0.0.1 (each its own port, so cookies of different names share the host):
#   IDP  mod_mandaat's IdP (saml/metadata, saml/sso, saml/login, saml/slo, the chooser) over
#        TLS (mod_ssl, a certificate for 127.0.0.1 made by the test: the core accepts only
#        https SSO/SLO URLs); the person's upstream login is HTTP Basic with users named by
#        INSZ (as test_gateway.sh)
#   SP   real mod_auth_mellon in front of /app, which proxies to the echo backend
#        (echo_backend.py) so that the test sees the MELLON_* variables as request headers
#   SPP  a second mellon SP whose copy of our metadata lists only the HTTP-POST SingleSignOn
#        service: mellon then sends its AuthnRequest by HTTP-POST
# The store is SQLite filled by demo/seed.sh. The browser is saml/saml_checks.py (stdlib
# python, reusing idp/browser.py). Before the full start, the IdP runs alone once so that its
# metadata can be fetched from saml/metadata and given to mellon (MellonIdPMetadataFile).
# Then httpd -k restart and one more login (lasso must survive the module reload), and start
# refusals (missing SP metadata, bad key, unknown profile, no or an http MandaatPublicURL) on
# configurations of their own.
#
# Run by `make check`; by hand:
#   top_builddir=/tmp/build-x top_srcdir=/work/main sh tests/integration/test_saml.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory for a look at the logs).
# Prints "ok - ..." / "not ok - ..." per check; exits 0 when all pass, 77 when it cannot run
# here, 1 otherwise.

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/httpd.sh"

skip() {
    echo "SKIP: $*"
    exit 77
}
# Debian's python3 first: the checks need nothing but the standard library, but a python3 of
# its own earlier in PATH may be too old or odd.
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "python3 is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
command -v htpasswd >/dev/null 2>&1 || skip "htpasswd (apache2-utils) is not installed"
[ -f "$top_builddir/.libs/mod_mandaat.so" ] || skip "mod_mandaat.so is not built in $top_builddir"
[ -x "$top_builddir/mandaatctl" ] || skip "mandaatctl is not built in $top_builddir"

failed=0
BACKEND_PID=
cleanup() {
    mandaat_httpd_stop_all
    [ -n "$BACKEND_PID" ] && kill -TERM "$BACKEND_PID" 2>/dev/null
    if [ -n "$MANDAAT_TEST_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-saml.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || skip "cannot run a private httpd here"
MODULES="auth_mellon proxy proxy_http headers authn_core authn_file auth_basic authz_user dbd \
socache_shmcb ssl"
missing=$(mandaat_httpd_missing $MODULES)
[ -z "$missing" ] || skip "no $missing (libapache2-mod-auth-mellon?)"

pass() { echo "ok - $1"; }
# fail DESCRIPTION [FILE...]: report, and show the files that explain it.
fail() {
    echo "not ok - $1"
    failed=$((failed + 1))
    shift
    for f in "$@"; do [ -f "$f" ] && tail -n 30 "$f" | sed "s|^|#   $(basename "$f"): |"; done
    return 0
}
# wait_http URL: until URL answers at all (at most 10 s); the IdP's TLS certificate is trusted.
export SSL_CERT_FILE="$T/keys/tls.cert"
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
chown_run() { [ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$@"; return 0; }

IDP_PORT=$(mandaat_port)
SP_PORT=$(mandaat_port)
SPP_PORT=$(mandaat_port)
APP_PORT=$(mandaat_port)
IDP=https://127.0.0.1:$IDP_PORT
SP=http://127.0.0.1:$SP_PORT
SPP=http://127.0.0.1:$SPP_PORT

# ---- keys: made now, nothing secret lives in the repository ----
mkdir -p "$T/keys" "$T/sp" "$T/spp" "$T/store"
newkey() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$T/keys/$1.key" \
        -out "$T/keys/$1.cert" -addext "subjectAltName=IP:127.0.0.1" \
        >"$T/keys/$1.openssl.out" 2>&1
}
newkey idp mandaat-idp &
k1=$!
newkey spp 127.0.0.1 &
k2=$!
newkey tls 127.0.0.1 &
k4=$!
newkey sp 127.0.0.1
k3=$?
if wait "$k1" && wait "$k2" && wait "$k4" && [ "$k3" -eq 0 ]; then
    pass "IdP and SP keys made with openssl"
else
    fail "IdP and SP keys made with openssl" "$T"/keys/*.openssl.out
    exit 1
fi
chmod 644 "$T"/keys/*.key

# sp_metadata DIR BASE KEYNAME [encrypt]: the SP metadata as mellon_create_metadata writes it
# (signed AuthnRequests, HTTP-POST AssertionConsumerService, HTTP-Redirect SingleLogoutService);
# the encryption key only with "encrypt" (SP gets plain assertions, so that the test can read
# and tamper with them; SPP encrypted ones).
sp_metadata() {
    _cert=$(grep -v '^-----' "$T/keys/$3.cert")
    _enc=
    [ "$4" = encrypt ] && _enc="<KeyDescriptor use=\"encryption\">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>$_cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>"
    cat >"$1/metadata.xml" <<EOF
<EntityDescriptor entityID="$2/mellon/metadata" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>$_cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>
    $_enc
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="$2/mellon/logout"/>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
        Location="$2/mellon/postResponse" index="0"/>
  </SPSSODescriptor>
</EntityDescriptor>
EOF
}
sp_metadata "$T/sp" "$SP" sp
sp_metadata "$T/spp" "$SPP" spp encrypt

# ---- store, users, backend ----
ctl() { "$top_builddir/mandaatctl" --store "sqlite3:$T/store/mandaat.db" "$@"; }
if PATH="$(dirname "$PY"):$PATH" bash "$top_srcdir/demo/seed.sh" "$top_builddir/mandaatctl" \
    "sqlite3:$T/store/mandaat.db" >"$T/store/seed.out" 2>&1; then
    pass "the store is migrated and seeded with demo/seed.sh"
else
    fail "the store is migrated and seeded with demo/seed.sh" "$T/store/seed.out"
    exit 1
fi
# Upstream authentication: Basic, one user per sample person.
mandaat_basic_users "$T/htpasswd" 85073003328 72041512394 68092221138 90010134567 \
    95061228732 || exit 1
chown_run "$T/store" "$T/sp" "$T/spp" "$T/keys"
"$PY" "$here/echo_backend.py" "$APP_PORT" >"$T/backend.log" 2>&1 &
BACKEND_PID=$!

# ---- the configuration ----
# The IdP's virtual host. $1: extra directives inside it.
idp_vhost() {
    cat <<CONF
<VirtualHost 127.0.0.1:$IDP_PORT>
    SSLEngine on
    SSLCertificateFile "$T/keys/tls.cert"
    SSLCertificateKeyFile "$T/keys/tls.key"
    MandaatPublicURL "$IDP"
    MandaatSAMLSigningKeyFile "$T/keys/idp.key"
    MandaatSAMLCertificateFile "$T/keys/idp.cert"
    MandaatSAMLSPMetadataFile "$T/sp/metadata.xml" wse-loket profile=mandaat
    MandaatSAMLSPMetadataFile "$T/spp/metadata.xml" wse-loket
$1
    <Location /mandaat>
$(mandaat_basic_auth "$T/htpasswd")
        Require valid-user
        MandaatActorLoA "3"
    </Location>
    <Location /mandaat/saml/metadata>
        Require all granted
    </Location>
    <Location /mandaat/saml/sso>
        Require all granted
    </Location>
    <Location /mandaat/saml/slo>
        Require all granted
    </Location>
</VirtualHost>
CONF
}
common() {
    cat <<CONF
DBDriver sqlite3
DBDParams "$T/store/mandaat.db"
MandaatCryptoPassphrase "saml-test-passphrase-$$-0123456789abcdef"
MandaatCookieSecure Off
MandaatTemplateDir "$top_srcdir/conf/templates"
CONF
}

# The attributes of profile mandaat that the app shows, MELLON_<short> -> X-M-<short>.
ATTRS="person given_name family_name loa service basis represents_type represents_id \
represents_name via_type via_id via_name mandate_id doelgroepcode capacity"
# mellon_vhost PORT BASE DIR IDP_METADATA: a mellon SP in front of /app.
mellon_vhost() {
    echo "<VirtualHost 127.0.0.1:$1>"
    echo "    <Location />"
    echo "        MellonEnable info"
    echo "        MellonEndpointPath /mellon"
    echo "        MellonSPPrivateKeyFile \"$T/keys/$(basename "$3").key\""
    echo "        MellonSPCertFile \"$T/keys/$(basename "$3").cert\""
    echo "        MellonSPMetadataFile \"$3/metadata.xml\""
    echo "        MellonIdPMetadataFile \"$4\""
    echo "        MellonSecureCookie Off"
    for a in $ATTRS actions; do
        echo "        MellonSetEnv $a urn:be:vlaanderen:mandaat:attr:$a"
    done
    echo "    </Location>"
    echo "    <Location /app>"
    echo "        AuthType Mellon"
    echo "        MellonEnable auth"
    echo "        Require valid-user"
    for a in $ATTRS actions actions_0 actions_1 actions_2 NAME_ID; do
        echo "        RequestHeader set X-M-$a \"%{MELLON_$a}e\""
    done
    echo "        RequestHeader set X-Remote-User \"expr=%{REMOTE_USER}\""
    echo "        ProxyPass http://127.0.0.1:$APP_PORT/"
    echo "    </Location>"
    echo "</VirtualHost>"
}

# ---- first start: the IdP alone, for its metadata ----
mandaat_httpd_conf idp1 "$IDP_PORT" $MODULES <<CONF
$(common)
$(idp_vhost "")
CONF
if mandaat_httpd_start idp1 && wait_http "$IDP/mandaat/saml/metadata"; then
    pass "httpd with mod_mandaat as the SAML IdP alone starts"
else
    fail "httpd with mod_mandaat as the SAML IdP alone starts" "$T/idp1/start.out" \
        "$T/idp1/error.log"
    exit 1
fi
if "$PY" - "$IDP/mandaat/saml/metadata" "$T/idp-metadata.xml" "$T/idp-metadata-post.xml" <<'EOF'
import re, sys, urllib.request
xml = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
open(sys.argv[2], "w").write(xml)
# The copy for the HTTP-POST SP: without the HTTP-Redirect SingleSignOnService, so that mellon
# falls back to HTTP-POST for its AuthnRequest.
post, n = re.subn(r'<(\w+:)?SingleSignOnService[^>]*HTTP-Redirect[^>]*/>', '', xml)
open(sys.argv[3], "w").write(post)
sys.exit(0 if n == 1 and "SingleSignOnService" in post else 1)
EOF
then
    pass "our metadata is fetched from saml/metadata (and a copy without the Redirect SSO made)"
else
    fail "our metadata is fetched from saml/metadata (and a copy without the Redirect SSO made)" \
        "$T/idp1/error.log"
    exit 1
fi
mandaat_httpd_stop idp1 || fail "the IdP alone stops"
chown_run "$T"/idp-metadata*.xml

# ---- second start: IdP and both mellon SPs ----
mandaat_httpd_conf saml "$IDP_PORT" $MODULES <<CONF
$(common)
MellonCacheSize 100
MellonLockFile "$T/saml/mellon.lock"
Listen 127.0.0.1:$SP_PORT
Listen 127.0.0.1:$SPP_PORT
$(idp_vhost "")
$(mellon_vhost "$SP_PORT" "$SP" "$T/sp" "$T/idp-metadata.xml")
$(mellon_vhost "$SPP_PORT" "$SPP" "$T/spp" "$T/idp-metadata-post.xml")
CONF
sed -i 's/^LogLevel .*/LogLevel warn mandaat:debug auth_mellon:info/' "$T/saml/httpd.conf"
if mandaat_httpd_start saml && wait_http "$SP/mellon/metadata" && wait_http "$SPP/mellon/metadata"
then
    pass "httpd with the IdP and two mod_auth_mellon SPs starts"
else
    fail "httpd with the IdP and two mod_auth_mellon SPs starts" "$T/saml/start.out" \
        "$T/saml/error.log"
    exit 1
fi

"$PY" "$here/saml/saml_checks.py" --idp "$IDP" --sp "$SP" --spp "$SPP" \
    --sp-key "$T/keys/sp.key" --cafile "$T/keys/tls.cert" --errorlog "$T/saml/error.log" >"$T/checks.out" 2>&1
rc=$?
cat "$T/checks.out"
n=$(grep -c '^not ok' "$T/checks.out")
if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
    n=1
    echo "not ok - saml_checks.py runs to its end (exit $rc)"
fi
failed=$((failed + n))
# Every assertion leaves an audit record (docs/saml.md, "The answer").
if ctl audit list --actor 90010134567 --json >"$T/audit.json" 2>&1 &&
    "$PY" - "$T/audit.json" "$SP/mellon/metadata" <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1]))
sys.exit(0 if any(r.get("event") == "assertion.issued" and r.get("party") == "0412345614"
                  and "protocol=saml" in (r.get("detail") or "")
                  and "sp=" + sys.argv[2] in (r.get("detail") or "") for r in recs) else 1)
EOF
then
    pass "the store has an assertion.issued audit record for Piet, Bakkerij, protocol=saml, SP"
else
    fail "the store has an assertion.issued audit record for Piet, Bakkerij, protocol=saml, SP" \
        "$T/audit.json"
fi
if grep -q -i -e 'segfault\|child pid [0-9]* exit signal' "$T/saml/error.log"; then
    fail "no httpd child crashed" "$T/saml/error.log"
else
    pass "no httpd child crashed"
fi
# A restart unloads and reloads the modules (httpd does it at every start too): lasso, under
# the IdP, must survive it.
"$HTTPD" -f "$T/saml/httpd.conf" -k restart >"$T/saml/restart.out" 2>&1
sleep 1
if wait_http "$IDP/mandaat/saml/metadata" && wait_http "$SP/mellon/metadata" &&
    "$PY" "$here/saml/saml_checks.py" --idp "$IDP" --sp "$SP" --spp "$SPP" \
        --sp-key "$T/keys/sp.key" --cafile "$T/keys/tls.cert" --errorlog "$T/saml/error.log" \
        --after-restart >"$T/restart.out" 2>&1; then
    pass "after httpd -k restart the IdP still answers a login end to end"
else
    fail "after httpd -k restart the IdP still answers a login end to end" "$T/restart.out" \
        "$T/saml/restart.out"
fi
if grep -q "cannot register existing type" "$T/saml/error.log"; then
    fail "lasso's types are registered once per process (no 'cannot register existing type')"
else
    pass "lasso's types are registered once per process (no 'cannot register existing type')"
fi
mandaat_httpd_stop saml || fail "httpd with the IdP and the SPs stops"

# ---- start refusals ----
# refuse NAME WHAT PATTERN: httpd with configuration NAME must not start, and its output or
# error log must match PATTERN (the file or directive at fault).
refuse() {
    if mandaat_httpd_start "$1"; then
        mandaat_httpd_stop "$1"
        fail "httpd refuses to start with $2"
        return
    fi
    if cat "$T/$1/start.out" "$T/$1/error.log" 2>/dev/null | grep -q -e "$3"; then
        pass "httpd refuses to start with $2, and says so naming $3"
    else
        fail "httpd refuses to start with $2 and names $3" "$T/$1/start.out" "$T/$1/error.log"
    fi
}
# bad_conf NAME SED: the IdP alone, its configuration changed by the sed expression.
bad_conf() {
    mandaat_httpd_conf "$1" "$IDP_PORT" $MODULES <<CONF
$(common)
$(idp_vhost "" | sed "$2")
CONF
}
bad_conf nosp "s|MandaatSAMLSPMetadataFile \"$T/sp/metadata.xml\"|MandaatSAMLSPMetadataFile \"$T/sp/missing.xml\"|"
refuse nosp "a missing SP metadata file" "$T/sp/missing.xml"
printf 'not a key\n' >"$T/keys/bad.key"
chown_run "$T/keys"
bad_conf badkey "s|idp.key|bad.key|"
refuse badkey "a signing key file that is no key" "$T/keys/bad.key"
bad_conf badprofile "s|wse-loket profile=mandaat|wse-loket profile=shibboleth|"
if mandaat_httpd_configtest badprofile; then
    fail "httpd -t refuses MandaatSAMLSPMetadataFile with an unknown profile" "$T/badprofile/configtest.out"
elif grep -q "MandaatSAMLSPMetadataFile.*shibboleth" "$T/badprofile/configtest.out"; then
    pass "httpd -t refuses MandaatSAMLSPMetadataFile with an unknown profile, naming the directive"
else
    fail "httpd -t refuses MandaatSAMLSPMetadataFile with an unknown profile, naming the directive" \
        "$T/badprofile/configtest.out"
fi
bad_conf nourl "/MandaatPublicURL/d"
if mandaat_httpd_configtest nourl; then
    fail "httpd -t refuses a SAML IdP without MandaatPublicURL" "$T/nourl/configtest.out"
elif grep -q "MandaatPublicURL" "$T/nourl/configtest.out"; then
    pass "httpd -t refuses a SAML IdP without MandaatPublicURL, naming the directive"
else
    fail "httpd -t refuses a SAML IdP without MandaatPublicURL, naming the directive" \
        "$T/nourl/configtest.out"
fi
refuse nourl "no MandaatPublicURL" "MandaatPublicURL"
# The core accepts only https SSO/SLO URLs, http on the loopback interface only (docs/saml.md).
bad_conf httpurl "s|MandaatPublicURL \"https://127.0.0.1|MandaatPublicURL \"http://mandaat.example|"
refuse httpurl "an http:// MandaatPublicURL off the loopback interface for the SAML IdP" "https"

# MandaatSAMLSPMetadataDir: every *.xml is an SP, its base name the service.
mkdir -p "$T/spdir" "$T/spdir-empty" "$T/spdir-badname"
cp "$T/sp/metadata.xml" "$T/spdir/wse-loket.xml"
printf 'not metadata\n' >"$T/spdir/README"
cp "$T/sp/metadata.xml" "$T/spdir-badname/wse loket.xml"
chown_run "$T/spdir" "$T/spdir-empty" "$T/spdir-badname"
dir_conf() {
    bad_conf "$1" "/MandaatSAMLSPMetadataFile/d; s|MandaatPublicURL .*|&\n    MandaatSAMLSPMetadataDir \"$2\"|"
}
dir_conf spdir "$T/spdir"
if mandaat_httpd_start spdir; then
    if grep -q "SAML SP .* for service wse-loket" "$T/spdir/error.log" 2>/dev/null ||
        [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/keys/tls.cert" \
            "$IDP/mandaat/saml/metadata")" = 200 ]; then
        pass "MandaatSAMLSPMetadataDir: the IdP starts with the SP of wse-loket.xml (other files ignored)"
    else
        fail "MandaatSAMLSPMetadataDir: the IdP starts with the SP of wse-loket.xml" "$T/spdir/error.log"
    fi
    mandaat_httpd_stop spdir
else
    fail "MandaatSAMLSPMetadataDir: the IdP starts with the SP of wse-loket.xml" \
        "$T/spdir/start.out" "$T/spdir/error.log"
fi
dir_conf spdirempty "$T/spdir-empty"
refuse spdirempty "an SP metadata directory without *.xml" "no \*.xml metadata"
dir_conf spdirbad "$T/spdir-badname"
refuse spdirbad "an SP metadata file whose base name is no service id" "base name is the service"

if [ "$failed" -ne 0 ]; then
    tail -n 25 "$T/saml/error.log" 2>/dev/null | sed 's|^|#   saml/error.log: |'
    echo "# $failed check(s) failed"
    exit 1
fi
echo "# all checks passed"
exit 0
