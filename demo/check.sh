#!/usr/bin/env bash
# Clicks through the running web demo with curl, as a browser would: log in (the demo-only
# form login), open the sample e-counter at /app/, choose a party in the chooser, and check what
# the application received, including the Mandaat-JWT's ES256 signature against /mandaat/jwks;
# then the SAML e-counter /saml-app/ through mod_auth_mellon, the SAML IdP and single logout,
# and the OpenID Connect e-counter /oidc-app/ through mod_auth_openidc and the OpenID provider.
# Usage: bash demo/check.sh [URL]   (default http://127.0.0.1:${MANDAAT_DEMO_PORT:-8080}/)
# Prints "ok - ..." or "not ok - ..." per check; exits 1 if any failed.
set -uo pipefail
base=${1:-http://127.0.0.1:${MANDAAT_DEMO_PORT:-8080}/}
base=${base%/}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-demo-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

jar=
c() { curl -s -b "$jar" -c "$jar" "$@"; }
# login INSZ: a fresh browser (cookie jar) logs in through the demo's form.
login() {
    jar=$tmp/jar.$1
    : >"$jar"
    c -o /dev/null -d "httpd_username=$1" -d httpd_password=demo -d httpd_location=/app/ \
        "$base/dologin"
}
# app PATH: the sample app's page for PATH; sets code and writes $tmp/app.html.
app() { code=$(c -o "$tmp/app.html" -w '%{http_code}' "$base$1"); }
# got NAME: the value of request header NAME as the app shows it.
got() {
    sed -n "s|.*<td><code>$1</code></td><td><code>\\([^<]*\\)</code>.*|\\1|p" "$tmp/app.html"
}
# choose PATTERN: on the chooser, press the button whose value starts with PATTERN.
choose() {
    c -o "$tmp/chooser.html" "$base/mandaat/choose"
    local csrf choice
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/chooser.html" | head -n 1)
    choice=$(grep -o "value=\"$1[^\"]*\"" "$tmp/chooser.html" | head -n 1 | sed 's/^value="//; s/"$//')
    [ -n "$csrf" ] && [ -n "$choice" ] || return 1
    c -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$csrf" \
        --data-urlencode "choice=$choice" "$base/mandaat/choose" | grep -q 303
}

# verify_jwt: the JWT the app received verifies with a key of /mandaat/jwks; prints claims.
verify_jwt() {
    local jwt
    jwt=$(sed -n 's|.*<pre class="jwt">\([^<]*\)</pre>.*|\1|p' "$tmp/app.html")
    [ -n "$jwt" ] || return 1
    curl -s "$base/mandaat/jwks" >"$tmp/jwks.json" || return 1
    python3 - "$jwt" "$tmp" <<'EOF' || return 1
import base64, json, sys
jwt, tmp = sys.argv[1], sys.argv[2]
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
h, p, s = jwt.split(".")
header = json.loads(b(h))
key = [k for k in json.load(open(tmp + "/jwks.json"))["keys"] if k["kid"] == header["kid"]][0]
assert header["alg"] == "ES256" and key["crv"] == "P-256"
# SubjectPublicKeyInfo of an uncompressed P-256 point, and the signature r||s as DER.
spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + b(key["x"]) + b(key["y"])
def der_int(v):
    v = v.lstrip(b"\x00") or b"\x00"
    if v[0] & 0x80:
        v = b"\x00" + v
    return b"\x02" + bytes([len(v)]) + v
sig = b(s)
body = der_int(sig[:32]) + der_int(sig[32:])
open(tmp + "/pub.der", "wb").write(spki)
open(tmp + "/sig.der", "wb").write(b"\x30" + bytes([len(body)]) + body)
open(tmp + "/signed", "w").write(h + "." + p)
open(tmp + "/claims.json", "w").write(b(p).decode())
EOF
    openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem" 2>/dev/null &&
        openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/signed" \
            >/dev/null 2>&1
}
claim() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval("v"+sys.argv[2]))' "$tmp/claims.json" "$1"; }

# ---- not logged in ----
code=$(curl -s -o "$tmp/login.html" -w '%{http_code}' "$base/app/")
check "without a login /app/ answers 401 with the demo login page" \
    '[ "$code" = 401 ] && grep -q "DEMO ONLY" "$tmp/login.html"'
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/mandaat/choose")
check "without a login the chooser answers 401" '[ "$code" = 401 ]'
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/mandaat/jwks")
check "/mandaat/jwks is public" '[ "$code" = 200 ]'
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -d httpd_username=85073003328 \
    -d httpd_password=wrong "$base/dologin")
check "a wrong password goes back to the login page" '[ "$code" = "302 $base/login.html" ]'

# ---- An: a citizen, her own name selected without a chooser ----
login 85073003328
app /app/
check "An: /app/ shows the app at once (one capacity, auto-selected)" '[ "$code" = 200 ]'
check "An: acts in her own name" \
    '[ "$(got Mandaat-Basis)" = self ] && [ "$(got Mandaat-Party)" = 85073003328 ]'
check "An: the Mandaat-JWT verifies with /mandaat/jwks" verify_jwt
check "An: the JWT says sub and represents An, aud wse-loket" \
    '[ "$(claim "[\"sub\"]")" = 85073003328 ] && [ "$(claim "[\"represents\"][\"id\"]")" = 85073003328 ] && [ "$(claim "[\"aud\"]")" = wse-loket ]'
app /app/
check "An: a header sent by the browser does not reach the app" \
    '[ "$(c -H "Mandaat-Party: 0412345614" "$base/app/" | grep -c 0412345614)" = 0 ]'

# ---- Jan: director of two companies ----
login 72041512394
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/app/")
check "Jan: /app/ sends him to the chooser" '[ "$code" = "303 $base/mandaat/choose" ]'
check "Jan: the chooser offers himself and both companies; he chooses Bakkerij Janssens" \
    'choose kbo:0412345614 && [ "$(grep -c "name=\"choice\"" "$tmp/chooser.html")" = 3 ]'
app /app/
check "Jan: the app gets Bakkerij Janssens on the basis kbo" \
    '[ "$code" = 200 ] && [ "$(got Mandaat-Party)" = 0412345614 ] && [ "$(got Mandaat-Basis)" = kbo ] && [ "$(got Mandaat-Actor)" = 72041512394 ]'
check "Jan: the JWT verifies" verify_jwt
code=$(c -o /dev/null -w '%{http_code}' "$base/mandaat/switch?return_to=/app/")
check "Jan: switch party goes to the chooser again and he chooses himself" \
    '[ "$code" = 303 ] && choose self'
app /app/
check "Jan: the app now gets Jan in his own name" \
    '[ "$(got Mandaat-Party)" = 72041512394 ] && [ "$(got Mandaat-Basis)" = self ]'

# ---- Piet: accountant acting by mandate ----
login 90010134567
app "/app/dossier?x=1"
check "Piet: why is a party missing? names Sportclub De Spurters (awaiting approval)" \
    'c "$base/mandaat/why" | grep -q "Sportclub De Spurters"'
check "Piet: the chooser offers himself and three mandates; he chooses Garage Dubois" \
    'choose mandate:3 && [ "$(grep -c "name=\"choice\"" "$tmp/chooser.html")" = 4 ]'
app "/app/dossier?x=1"
check "Piet: back at /app/dossier?x=1, acting for Garage Dubois by mandate 3 via the firm" \
    '[ "$code" = 200 ] && grep -q "<code>/dossier?x=1</code>" "$tmp/app.html" && [ "$(got Mandaat-Party)" = 0745678986 ] && [ "$(got Mandaat-Basis)" = mandate ] && [ "$(got Mandaat-Mandate-Id)" = 3 ] && [ "$(got Mandaat-Via)" = 0634567862 ]'
check "Piet: the JWT verifies" verify_jwt

# ---- the SAML e-counter: mod_auth_mellon asks mod_mandaat's SAML IdP ----
# post_form FILE: the posting page's form as urlencoded data (SAMLResponse, RelayState).
post_form() {
    python3 - "$1" <<'EOF'
import html, re, sys, urllib.parse
s = open(sys.argv[1]).read()
d = {"SAMLResponse": html.unescape(re.search(r'name="SAMLResponse" value="([^"]*)"', s).group(1))}
rs = re.search(r'name="RelayState" value="([^"]*)"', s)
if rs:
    d["RelayState"] = html.unescape(rs.group(1))
print(urllib.parse.urlencode(d))
EOF
}
# saml_start: /saml-app/ -> mellon -> our saml/sso; prints where saml/sso sends the browser.
saml_start() {
    local l1 l2
    l1=$(c -o /dev/null -w '%{redirect_url}' "$base/saml-app/")
    l2=$(c -o /dev/null -w '%{redirect_url}' "$l1")
    case $l2 in "$base/mandaat/saml/sso?"*) ;; *) return 1 ;; esac
    c -o "$tmp/sso.html" -w '%{http_code} %{redirect_url}' "$l2"
}
login 72041512394
code=$(saml_start)
check "SAML: /saml-app/ sends a signed AuthnRequest to saml/sso, which asks for the login" \
    '[ "$code" = "303 $base/mandaat/saml/login" ]'
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/mandaat/saml/login")
check "SAML: after the login, Jan goes to the chooser" '[ "$code" = "303 $base/mandaat/choose" ]'
c -o "$tmp/chooser.html" "$base/mandaat/choose"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/chooser.html" | head -n 1)
choice=$(grep -o 'value="kbo:0412345614[^"]*"' "$tmp/chooser.html" | head -n 1 | sed 's/^value="//; s/"$//')
code=$(c -o "$tmp/post.html" -w '%{http_code}' --data-urlencode "csrf=$csrf" \
    --data-urlencode "choice=$choice" "$base/mandaat/choose")
check "SAML: the choice answers with a page that posts the signed Response to mellon" \
    '[ "$code" = 200 ] && grep -q "action=\"$base/saml-app/mellon/postResponse\"" "$tmp/post.html"'
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' --data "$(post_form "$tmp/post.html")" \
    "$base/saml-app/mellon/postResponse")
check "SAML: mellon accepts the Response and returns to /saml-app/" \
    '[ "$code" = "303 $base/saml-app/" ]'
app /saml-app/
check "SAML: the app gets Bakkerij Janssens on the basis kbo from the assertion's attributes" \
    '[ "$code" = 200 ] && [ "$(got SAML-Represents-Id)" = 0412345614 ] && [ "$(got SAML-Basis)" = kbo ] && [ "$(got SAML-Person)" = 72041512394 ]'
check "SAML: the NameID is pairwise, not the INSZ" \
    '[ -n "$(got SAML-NameID)" ] && [ "$(got SAML-NameID)" != 72041512394 ]'
check "SAML: a SAML-* header sent by the browser does not reach the app" \
    '[ "$(c -H "SAML-Via-Id: 0634567862" "$base/saml-app/" | grep -c 0634567862)" = 0 ]'
# Single logout: mellon sends a LogoutRequest to our saml/slo, which ends the mandaat session.
code=$(c -L -o /dev/null -w '%{http_code} %{url_effective}' \
    "$base/saml-app/mellon/logout?ReturnTo=/login.html")
check "SAML: single logout through saml/slo ends at the login page" \
    '[ "$code" = "200 $base/login.html" ]'
code=$(saml_start)
[ "$code" = "303 $base/mandaat/saml/login" ] &&
    code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/mandaat/saml/login")
check "SAML: after single logout the IdP asks for the choice again" \
    '[ "$code" = "303 $base/mandaat/choose" ]'

# ---- OpenID Connect: /oidc-app/ behind mod_auth_openidc, our OpenID provider ----
login 72041512394
auth=$(c -o /dev/null -w '%{redirect_url}' "$base/oidc-app/")
check "OIDC: /oidc-app/ sends the browser to oidc/authorize with PKCE S256" \
    '[ "${auth#"$base/mandaat/oidc/authorize?"}" != "$auth" ] && [ "${auth#*code_challenge_method=S256}" != "$auth" ]'
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$auth")
check "OIDC: oidc/authorize asks for the login (oidc/login)" \
    '[ "$code" = "303 $base/mandaat/oidc/login" ]'
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/mandaat/oidc/login")
check "OIDC: after the login, Jan goes to the chooser" '[ "$code" = "303 $base/mandaat/choose" ]'
c -o "$tmp/chooser.html" "$base/mandaat/choose"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/chooser.html" | head -n 1)
choice=$(grep -o 'value="kbo:0412345614[^"]*"' "$tmp/chooser.html" | head -n 1 | sed 's/^value="//; s/"$//')
cb=$(c -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$csrf" \
    --data-urlencode "choice=$choice" "$base/mandaat/choose")
check "OIDC: the choice sends the browser back to the relying party with a code" \
    '[ "${cb#"$base/oidc-app/redirect_uri?code="}" != "$cb" ]'
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$cb")
check "OIDC: mod_auth_openidc redeems the code at oidc/token and returns to /oidc-app/" \
    '[ "$code" = "302 $base/oidc-app/" ]'
app /oidc-app/
check "OIDC: the app gets Bakkerij Janssens on the basis kbo from the id_token's claims" \
    '[ "$code" = 200 ] && [ "$(got OIDC_CLAIM_vo_orgcode)" = 0412345614 ] && [ "$(got OIDC_CLAIM_basis)" = kbo ] && [ "$(got OIDC_CLAIM_vo_doelgroepcode)" = EA ]'
check "OIDC: the subject is pairwise, not the INSZ" \
    '[ -n "$(got OIDC_CLAIM_sub)" ] && [ "$(got OIDC_CLAIM_sub)" != 72041512394 ]'
c -o "$tmp/discovery.json" "$base/mandaat/oidc/.well-known/openid-configuration"
check "OIDC: the discovery document names the issuer and code flow with S256 only" \
    'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"issuer\"]==sys.argv[2]+\"/mandaat/oidc\" and d[\"response_types_supported\"]==[\"code\"] and d[\"code_challenge_methods_supported\"]==[\"S256\"]" "$tmp/discovery.json" "$base"'

# ---- logging out ----
cp "$jar" "$tmp/old_session"
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/logout")
check "log out: the demo login ends and hands over to /mandaat/logout" \
    '[ "${code#30}" != "$code" ] && [ "${code#* }" = "$base/mandaat/logout" ]'
code=$(c -o /dev/null -w '%{http_code}' "$base/mandaat/logout")
check "log out: /mandaat/logout answers 200" '[ "$code" = 200 ]'
app /app/
check "log out: /app/ asks for a login again" '[ "$code" = 401 ]'
# The old session cookie, sent again (a browser would have dropped it), is not honoured: after
# a new login the chooser comes back.
grep -q mandaat_session "$jar" || printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tmandaat_session\t%s\n' \
    "$(sed -n 's/.*\tmandaat_session\t//p' "$tmp/old_session")" >>"$jar"
c -o /dev/null -d httpd_username=90010134567 -d httpd_password=demo -d httpd_location=/app/ \
    "$base/dologin"
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$base/app/")
check "log out: the ended mandaat session is not honoured after a new login" \
    '[ "$code" = "303 $base/mandaat/choose" ]'

if [ "$failed" -eq 0 ]; then echo "# all checks passed"; exit 0; fi
echo "# $failed check(s) failed"
exit 1
