#!/bin/sh
# mod_mandaat as the OpenID provider, end to end: one Debian httpd with three virtual hosts on
# 127.0.0.1 (each its own port, so cookies of different names share the host):
#   OP   mod_mandaat's OpenID provider (oidc/authorize, oidc/login, oidc/token, oidc/userinfo,
#        oidc/jwks, the discovery document, the chooser) over TLS (mod_ssl, a certificate for
#        127.0.0.1 made by the test); the person's upstream login is HTTP Basic with users
#        named by INSZ (as test_saml.sh). oidc/authorize is open; a browser that sends its
#        Basic credentials there anyway stands for one with an upstream SSO session (the
#        <If> below), so that prompt=none can meet an authenticated person.
#   RP   real mod_auth_openidc in front of /app (proxied to echo_backend.py, so that the test
#        sees the OIDC_CLAIM_* headers): confidential client rp-app (client_secret_basic,
#        PKCE S256, response_mode query), metadata from our discovery document, our TLS
#        certificate as its CA bundle (OIDCSSLValidateServer On)
#   RPP  a second mod_auth_openidc: client rp-post (client_secret_post, public subjects, rrn),
#        response_mode form_post
# Three more clients are used by oidc/oidc_checks.py directly (stdlib python: urllib, openssl
# on the command line for RS256 client assertions and the ES256 id_token signature):
# direct-app (client_secret_basic), public-app (none: PKCE required) and jwt-app
# (private_key_jwt, an RSA key made here). The store is SQLite filled by demo/seed.sh.
# Then the store's audit trail, and the start refusals of oidc/start_refusals.sh.
#
# Run by `make check`; by hand:
#   top_builddir=/tmp/build-x top_srcdir=/work/main sh tests/integration/test_oidc.sh
# (MANDAAT_TEST_KEEP=1 keeps the temporary directory; MANDAAT_TEST_SLOW=1 adds the expiry of
# a code, which needs a wait of 61 s).
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
# Debian's python3 first (see test_saml.sh).
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
T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-oidc.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mandaat_httpd_init "$T" || skip "cannot run a private httpd here"
MODULES="auth_openidc proxy proxy_http headers authn_core authn_file auth_basic authz_user dbd \
socache_shmcb ssl"
missing=$(mandaat_httpd_missing $MODULES)
[ -z "$missing" ] || skip "no $missing (libapache2-mod-auth-openidc?)"

pass() { echo "ok - $1"; }
# fail DESCRIPTION [FILE...]: report, and show the files that explain it.
fail() {
    echo "not ok - $1"
    failed=$((failed + 1))
    shift
    for f in "$@"; do [ -f "$f" ] && tail -n 30 "$f" | sed "s|^|#   $(basename "$f"): |"; done
    return 0
}
# wait_http URL: until URL answers at all (at most 10 s); the OP's TLS certificate is trusted.
export SSL_CERT_FILE="$T/keys/tls.cert"
wait_http() {
    "$PY" - "$1" <<'EOF'
import sys, time, urllib.request, urllib.error
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}
chown_run() { [ -n "$RUNAS" ] && chown -R "$RUNAS:$RUNGROUP" "$@"; return 0; }

OP_PORT=$(mandaat_port)
RP_PORT=$(mandaat_port)
RPP_PORT=$(mandaat_port)
APP_PORT=$(mandaat_port)
OP=https://127.0.0.1:$OP_PORT
RP=http://127.0.0.1:$RP_PORT
RPP=http://127.0.0.1:$RPP_PORT
ISSUER=$OP/mandaat/oidc

# ---- keys: made now, nothing secret lives in the repository ----
mkdir -p "$T/keys" "$T/clients" "$T/store"
genkey() { openssl genpkey "$@" >>"$T/keys/openssl.out" 2>&1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$T/keys/tls.key" -out "$T/keys/tls.cert" -addext "subjectAltName=IP:127.0.0.1" \
    >"$T/keys/tls.openssl.out" 2>&1 &
k1=$!
genkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/keys/op-rsa.key" &
k2=$!
genkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/keys/client-jwt.key" &
k3=$!
genkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/keys/op-ec.key"
k4=$?
if wait "$k1" && wait "$k2" && wait "$k3" && [ "$k4" -eq 0 ]; then
    pass "TLS, OP (EC P-256, RSA) and client (RSA) keys made with openssl"
else
    fail "TLS, OP and client keys made with openssl" "$T/keys/openssl.out" \
        "$T/keys/tls.openssl.out"
    exit 1
fi
chmod 644 "$T"/keys/*.key

# ---- the clients (MandaatOIDCClientDir) ----
RP_SECRET=rp-app-secret-0123456789abcdefghijklmnop
RPP_SECRET=rp-post-secret-0123456789abcdefghijklmno
DIRECT_SECRET=direct-app-secret-0123456789abcdefghij
cat >"$T/clients/rp-app.json" <<EOF
{
  "client_id": "rp-app",
  "token_endpoint_auth_method": "client_secret_basic",
  "client_secret": "$RP_SECRET",
  "redirect_uris": ["$RP/app/redirect_uri"],
  "scopes": ["openid", "profile", "mandaat"],
  "service": "wse-loket"
}
EOF
cat >"$T/clients/rp-post.json" <<EOF
{
  "client_id": "rp-post",
  "token_endpoint_auth_method": "client_secret_post",
  "client_secret": "$RPP_SECRET",
  "redirect_uris": ["$RPP/app/redirect_uri"],
  "scopes": ["openid", "profile", "mandaat"],
  "service": "wse-loket",
  "subject_type": "public",
  "rrn": true
}
EOF
cat >"$T/clients/direct-app.json" <<EOF
{
  "client_id": "direct-app",
  "token_endpoint_auth_method": "client_secret_basic",
  "client_secret": "$DIRECT_SECRET",
  "redirect_uris": ["https://client.example/cb", "https://client.example/cb2?tenant=a"],
  "scopes": ["openid", "profile", "mandaat"],
  "service": "wse-loket"
}
EOF
cat >"$T/clients/public-app.json" <<EOF
{
  "client_id": "public-app",
  "token_endpoint_auth_method": "none",
  "redirect_uris": ["http://127.0.0.1:9/cb"],
  "scopes": ["openid", "mandaat"],
  "service": "wse-loket"
}
EOF
if jwk=$("$PY" "$here/oidc/oidc_checks.py" jwk "$T/keys/client-jwt.key" jwt-1 2>"$T/keys/jwk.err")
then
    cat >"$T/clients/jwt-app.json" <<EOF
{
  "client_id": "jwt-app",
  "token_endpoint_auth_method": "private_key_jwt",
  "jwks": {"keys": [$jwk]},
  "redirect_uris": ["https://jwt.example/cb"],
  "scopes": ["openid", "mandaat"],
  "service": "wse-loket",
  "claims_profile": ["mandaat"]
}
EOF
    pass "the client files are written (jwt-app with the public JWK of its RSA key)"
else
    fail "the public JWK of the client's RSA key" "$T/keys/jwk.err"
    exit 1
fi
printf 'not a client file\n' >"$T/clients/README"

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
chown_run "$T/store" "$T/keys" "$T/clients"
"$PY" "$here/echo_backend.py" "$APP_PORT" >"$T/backend.log" 2>&1 &
BACKEND_PID=$!

# ---- the configuration ----
op_vhost() {
    cat <<CONF
<VirtualHost 127.0.0.1:$OP_PORT>
    SSLEngine on
    SSLCertificateFile "$T/keys/tls.cert"
    SSLCertificateKeyFile "$T/keys/tls.key"
    MandaatPublicURL "$OP"
    MandaatOIDCSigningKeyFile "$T/keys/op-ec.key"
    MandaatOIDCSigningKeyFile "$T/keys/op-rsa.key" PS256
    MandaatOIDCClientDir "$T/clients"
    MandaatOIDCPairwiseSecret "oidc-test-pairwise-secret-0123456789abcdef"
    <Location /mandaat>
$(mandaat_basic_auth "$T/htpasswd")
        Require valid-user
        MandaatActorLoA "3"
    </Location>
    # authorize, token, userinfo, jwks and the discovery document need no login.
    <Location /mandaat/oidc>
        Require all granted
    </Location>
    # A browser that sends credentials to authorize is authenticated there: the stand-in for
    # an upstream module that finds its own SSO session on an open URL.
    <Location /mandaat/oidc/authorize>
        <If "-n %{HTTP:Authorization}">
            Require valid-user
        </If>
    </Location>
    <Location /mandaat/oidc/login>
        Require valid-user
    </Location>
</VirtualHost>
CONF
}
# rp_vhost PORT CLIENT_ID SECRET AUTH_METHOD RESPONSE_MODE COOKIE: mod_auth_openidc in front of
# /app, which proxies to the echo backend.
rp_vhost() {
    cat <<CONF
<VirtualHost 127.0.0.1:$1>
    OIDCProviderMetadataURL "$ISSUER/.well-known/openid-configuration"
    OIDCSSLValidateServer On
    OIDCCABundlePath "$T/keys/tls.cert"
    OIDCClientID "$2"
    OIDCClientSecret "$3"
    OIDCProviderTokenEndpointAuth $4
    OIDCResponseMode $5
    OIDCRedirectURI "http://127.0.0.1:$1/app/redirect_uri"
    OIDCCryptoPassphrase "rp-passphrase-$$-$1-0123456789abcdef"
    OIDCScope "openid profile mandaat"
    OIDCPKCEMethod S256
    # The discovery document is fetched with the short timeout (5 s by default): room for a
    # loaded machine.
    OIDCHTTPTimeoutShort 20
    OIDCCookie "$6_session"
    OIDCStateCookiePrefix "$6_state_"
    OIDCPassClaimsAs headers
    OIDCPassIDTokenAs claims payload serialized
    OIDCPassUserInfoAs claims json
    OIDCRemoteUserClaim sub
    ProxyPass /app/redirect_uri !
    ProxyPass /app/ http://127.0.0.1:$APP_PORT/
    <Location /app/>
        AuthType openid-connect
        Require valid-user
        RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
    </Location>
</VirtualHost>
CONF
}

mandaat_httpd_conf oidc "$OP_PORT" $MODULES <<CONF
DBDriver sqlite3
DBDParams "$T/store/mandaat.db"
MandaatCryptoPassphrase "oidc-test-passphrase-$$-0123456789abcdef"
MandaatTemplateDir "$top_srcdir/conf/templates"
Listen 127.0.0.1:$RP_PORT
Listen 127.0.0.1:$RPP_PORT
$(op_vhost)
$(rp_vhost "$RP_PORT" rp-app "$RP_SECRET" client_secret_basic query rp)
$(rp_vhost "$RPP_PORT" rp-post "$RPP_SECRET" client_secret_post form_post rpp)
CONF
sed -i 's/^LogLevel .*/LogLevel warn mandaat:debug auth_openidc:info/' "$T/oidc/httpd.conf"
if mandaat_httpd_start oidc && wait_http "$ISSUER/.well-known/openid-configuration" &&
    wait_http "$RP/"; then
    pass "httpd with mod_mandaat as the OpenID provider and two mod_auth_openidc RPs starts"
else
    fail "httpd with mod_mandaat as the OpenID provider and two mod_auth_openidc RPs starts" \
        "$T/oidc/start.out" "$T/oidc/error.log"
    exit 1
fi

"$PY" "$here/oidc/oidc_checks.py" --op "$OP" --rp "$RP" --rpp "$RPP" \
    --cafile "$T/keys/tls.cert" --clients "$T/clients" --jwt-key "$T/keys/client-jwt.key" \
    --other-key "$T/keys/op-rsa.key" --errorlog "$T/oidc/error.log" >"$T/checks.out" 2>&1
rc=$?
cat "$T/checks.out"
n=$(grep -c '^not ok' "$T/checks.out")
if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
    n=1
    echo "not ok - oidc_checks.py runs to its end (exit $rc)"
fi
failed=$((failed + n))

# Every token response leaves an audit record (nothing is issued that the trail does not show).
audit() {
    ctl audit list --actor "$1" --json >"$T/audit-$1.json" 2>&1 &&
        "$PY" - "$T/audit-$1.json" "$2" "$3" <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1]))
sys.exit(0 if any(r.get("event") == "token.issued" and r.get("party") == sys.argv[2]
                  and "protocol=oidc client=" + sys.argv[3] in (r.get("detail") or "")
                  for r in recs) else 1)
EOF
}
what="the store has a token.issued audit record for Jan, Janssens Vastgoed, protocol=oidc"
if audit 72041512394 0523456738 rp-app; then
    pass "$what client=rp-app"
else
    fail "$what client=rp-app" "$T/audit-72041512394.json"
fi
if audit 90010134567 0412345614 rp-post; then
    pass "the store has a token.issued audit record for Piet, Bakkerij Janssens, client=rp-post"
else
    fail "the store has a token.issued audit record for Piet, Bakkerij Janssens, client=rp-post" \
        "$T/audit-90010134567.json"
fi
if grep -q -i -e 'segfault\|child pid [0-9]* exit signal' "$T/oidc/error.log"; then
    fail "no httpd child crashed" "$T/oidc/error.log"
else
    pass "no httpd child crashed"
fi
mandaat_httpd_stop oidc || fail "httpd with the OP and the RPs stops"

# ---- start refusals (tests/integration/oidc/start_refusals.sh) ----
if [ -f "$here/oidc/start_refusals.sh" ]; then
    . "$here/oidc/start_refusals.sh"
    oidc_start_refusals "$T/oidc-files" >"$T/refusals.out" 2>&1
    cat "$T/refusals.out"
    n=$(grep -c '^not ok' "$T/refusals.out")
    if [ "$n" -eq 0 ] && ! grep -q '^ok' "$T/refusals.out"; then
        n=1
        echo "not ok - oidc_start_refusals reports its checks"
    fi
    failed=$((failed + n))
else
    echo "# no oidc/start_refusals.sh: the start refusals are not run"
fi

if [ "$failed" -ne 0 ]; then
    tail -n 25 "$T/oidc/error.log" 2>/dev/null | sed 's|^|#   oidc/error.log: |'
    echo "# $failed check(s) failed"
    exit 1
fi
echo "# all checks passed"
exit 0
