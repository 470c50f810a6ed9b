#!/usr/bin/env bash
# The mod_mandaat demo, as root on Debian 12: installs the build dependencies, builds, fills an
# SQLite store with sample data (demo/seed.sh) and runs, in the foreground on
# http://127.0.0.1:8080 (MANDAAT_DEMO_PORT), httpd with mod_mandaat in front of a sample
# e-counter application (demo/app/app.py), and mod_mandaat as SAML identity provider for a second
# sample e-counter (/saml-app) that mod_auth_mellon protects, and as OpenID provider for a third
# (/oidc-app) that mod_auth_openidc protects. A demo-only form login
# (demo/web/login.html) stands in for the eID login. Ctrl-C stops httpd and the application.
#
#   bash demo/run.sh              the web demo
#   bash demo/run.sh --terminal   no server: prints, for each sample person, every capacity the
#                                 WSE-loket would offer and why other parties are missing
#
# Everything is written under MANDAAT_DEMO_DIR (default /var/tmp/mandaat-demo): build/ (or
# MANDAAT_DEMO_BUILD, an existing build directory), the store in store/, and web/ (httpd.conf,
# logs, throwaway key and passphrases, made afresh on every run).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/tests/lib/deps.sh"
work=${MANDAAT_DEMO_DIR:-/var/tmp/mandaat-demo}
port=${MANDAAT_DEMO_PORT:-8080}
httpd=${MANDAAT_DEMO_HTTPD:-/usr/sbin/apache2}
mode=web
case ${1:-} in
--terminal) mode=terminal ;;
"") ;;
*) echo "usage: $0 [--terminal]" >&2; exit 2 ;;
esac
mkdir -p "$work"

mandaat_install_deps python3 openssl apache2-utils libapache2-mod-auth-mellon \
    libapache2-mod-auth-openidc
build=${MANDAAT_DEMO_BUILD:-$work/build}
echo "== building in $build"
mandaat_build "$build"
ctl="$build/mandaatctl"
mkdir -p "$work/store"
db="$work/store/mandaat.db"
store="sqlite3:$db"
rm -f "$db" "$db-wal" "$db-shm"
echo "== sample data ($store)"
bash "$src/demo/seed.sh" "$ctl" "$store"

# ---- --terminal: the capacities per person, from mandaatctl ----
terminal() {
    show() {
        echo
        echo "-- $1"
        shift
        "$ctl" --store "$store" capacities "$@" --explain
    }
    local later
    later=$(date -u -d '+3 days' +%F)
    show "An Peeters, a citizen" 85.07.30-033.28 wse-loket
    show "Jan Janssens, director of two companies" 72.04.15-123.94 wse-loket
    show "Piet Verhoeven, accountant with SSM Mandaatuitvoerder" 90.01.01-345.67 wse-loket
    show "Piet Verhoeven, three days later: the Garage Dubois mandate has expired" \
        90.01.01-345.67 wse-loket --at "$later"
    show "Sofie Maes, accountant lacking SSM Mandaatuitvoerder" 95.06.12-287.32 wse-loket
    show "Els Claes, legal representative of the firm (executor without a right)" \
        68.09.22-211.38 wse-loket
    show "Els Claes, logged in with a means of too low a level" 68.09.22-211.38 wse-loket --loa 2
    echo
    echo "Audit trail: $ctl --store $store audit list"
    echo "Store:       $db (mandaatctl --store $store ...)"
}
if [ "$mode" = terminal ]; then
    terminal
    exit 0
fi

# ---- the web demo ----
run="$work/web"
rm -rf "$run"
mkdir -p "$run/htdocs"
chmod 755 "$run"
moddir=$(apxs -q LIBEXECDIR 2>/dev/null) || moddir=/usr/lib/apache2/modules
module="$build/.libs/mod_mandaat.so"
user=$(id -un) group=$(id -gn) defines=()
# As root, httpd's children and the app run as www-data: they need the store, the login page,
# the app and the password file, but not the key and passphrases (read by httpd as root).
if [ "$(id -u)" = 0 ]; then
    user=www-data group=www-data defines=(-D DEMO_AS_ROOT)
    chmod 755 "$work"
fi
chown -R "$user:$group" "$work/store"
cp "$src/demo/web/"* "$run/htdocs/"
cp "$src/demo/app/app.py" "$run/app.py"
chmod -R a+rX "$run/htdocs" "$run/app.py"

# DEMO ONLY: the upstream login's users, the sample persons' INSZ, all with password "demo".
: >"$run/htpasswd"
for insz in 85073003328 72041512394 68092221138 90010134567 95061228732 61030315587 79080840206
do
    htpasswd -bB -C 5 "$run/htpasswd" "$insz" demo 2>/dev/null
done
chgrp "$group" "$run/htpasswd" && chmod 640 "$run/htpasswd"

# A throwaway ES256 signing key for the Mandaat-JWT and random passphrases, new on every run.
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$run/jwt-key.pem" 2>/dev/null)
# Throwaway SAML keys: the IdP's signing key, and the SAML SP's (mod_auth_mellon) key.
for k in saml-idp saml-sp; do
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mandaat-demo-$k" \
        -keyout "$run/$k.key" -out "$run/$k.cert" >/dev/null 2>&1)
done
# The SP's metadata, as mellon_create_metadata would write it, for both sides.
sp_cert=$(grep -v '^-----' "$run/saml-sp.cert")
sp_base="http://127.0.0.1:$port/saml-app/mellon"
cat >"$run/saml-sp.xml" <<EOF
<EntityDescriptor entityID="$sp_base/metadata" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>$sp_cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="$sp_base/logout"/>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
        Location="$sp_base/postResponse" index="0"/>
  </SPSSODescriptor>
</EntityDescriptor>
EOF
chmod a+r "$run/saml-sp.xml"
chgrp "$group" "$run/saml-sp.key" && chmod 640 "$run/saml-sp.key"
# The OpenID provider's throwaway ES256 key and the client file of the OIDC e-counter.
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$run/oidc-op.key" 2>/dev/null)
oidc_client_secret=$(openssl rand -hex 24)
oidc_pairwise=$(openssl rand -hex 24)
mkdir -p "$run/oidc-clients"
cat >"$run/oidc-clients/wse-loket-oidc.json" <<EOF
{
  "client_id": "wse-loket-oidc",
  "token_endpoint_auth_method": "client_secret_basic",
  "client_secret": "$oidc_client_secret",
  "redirect_uris": ["http://127.0.0.1:$port/oidc-app/redirect_uri"],
  "scopes": ["openid", "profile", "mandaat"],
  "service": "wse-loket",
  "claims_profile": ["acm", "mandaat"]
}
EOF
chmod 600 "$run/oidc-clients/wse-loket-oidc.json"
passphrase=$(openssl rand -hex 24)
session_passphrase=$(openssl rand -hex 24)
app_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# sed replacement text: escape \, & and the | delimiter.
q() { printf '%s' "$1" | sed 's/[\\&|]/\\&/g'; }
(umask 077 && sed -e "s|@RUN@|$(q "$run")|g" -e "s|@PORT@|$(q "$port")|g" \
    -e "s|@APP_PORT@|$(q "$app_port")|g" -e "s|@MODDIR@|$(q "$moddir")|g" \
    -e "s|@MODULE@|$(q "$module")|g" -e "s|@STORE@|$(q "$db")|g" \
    -e "s|@TEMPLATES@|$(q "$src/conf/templates")|g" -e "s|@USER@|$(q "$user")|g" \
    -e "s|@GROUP@|$(q "$group")|g" -e "s|@PASSPHRASE@|$(q "$passphrase")|g" \
    -e "s|@SESSION_PASSPHRASE@|$(q "$session_passphrase")|g" \
    -e "s|@OIDC_PAIRWISE@|$(q "$oidc_pairwise")|g" \
    -e "s|@OIDC_CLIENT_SECRET@|$(q "$oidc_client_secret")|g" \
    "$src/demo/httpd.conf.in" >"$run/httpd.conf")
if grep -q '@[A-Z_]*@' "$run/httpd.conf"; then
    echo "demo/httpd.conf.in has a placeholder run.sh does not fill in:" >&2
    grep -n '@[A-Z_]*@' "$run/httpd.conf" >&2
    exit 1
fi
if ! "$httpd" -f "$run/httpd.conf" "${defines[@]}" -t >"$run/configtest.out" 2>&1; then
    cat "$run/configtest.out" >&2
    exit 1
fi

# Stop what we started, by pid, whatever way the script ends (Ctrl-C included).
httpd_pid='' app_pid=''
stop_all() {
    trap - EXIT INT TERM
    if [ -n "$httpd_pid" ] && kill -0 "$httpd_pid" 2>/dev/null; then
        echo
        echo "== stopping httpd"
        kill -TERM "$httpd_pid" 2>/dev/null || true
        wait "$httpd_pid" 2>/dev/null || true
    fi
    if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
        echo "== stopping the sample app"
        kill -TERM "$app_pid" 2>/dev/null || true
        wait "$app_pid" 2>/dev/null || true
    fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

url="http://127.0.0.1:$port/"
if [ "$(id -u)" = 0 ]; then
    # Debian's python3 by its path: one found on root's PATH may be out of www-data's reach.
    setpriv --reuid="$user" --regid="$group" --clear-groups \
        /usr/bin/python3 "$run/app.py" "$app_port" "${url%/}" &
else
    python3 "$run/app.py" "$app_port" "${url%/}" &
fi
app_pid=$!
"$httpd" -f "$run/httpd.conf" "${defines[@]}" -D FOREGROUND &
httpd_pid=$!

# Ready when the login page and the app answer; give up if either ended (port in use, say).
i=0
until curl -s -o /dev/null -f "${url}login.html"; do
    if ! kill -0 "$httpd_pid" 2>/dev/null || [ $i -ge 100 ]; then
        echo "httpd did not start on 127.0.0.1:$port (MANDAAT_DEMO_PORT chooses another port):" >&2
        tail -n 20 "$run/error.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
until curl -s -o /dev/null -f "http://127.0.0.1:$app_port/"; do
    if ! kill -0 "$app_pid" 2>/dev/null || [ $i -ge 200 ]; then
        echo "the sample app did not start on 127.0.0.1:$app_port" >&2
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done

# The SAML e-counter: mellon needs the IdP's metadata, which the running IdP now serves; then
# a graceful restart reads mellon's configuration.
if ! curl -s -f -o "$run/saml-idp-metadata.xml" "${url}mandaat/saml/metadata"; then
    echo "cannot fetch ${url}mandaat/saml/metadata" >&2
    exit 1
fi
chmod a+r "$run/saml-idp-metadata.xml"
cat >"$run/saml-sp.conf" <<EOF
# DEMO: the second sample e-counter, a SAML service provider (mod_auth_mellon) that trusts
# mod_mandaat's SAML IdP on this same server. The mandaat attributes reach the app as SAML-*
# request headers.
<Location /saml-app>
    AuthType Mellon
    MellonEnable auth
    MellonEndpointPath /saml-app/mellon
    MellonSPPrivateKeyFile "$run/saml-sp.key"
    MellonSPCertFile "$run/saml-sp.cert"
    MellonSPMetadataFile "$run/saml-sp.xml"
    MellonIdPMetadataFile "$run/saml-idp-metadata.xml"
    MellonSecureCookie Off
    MellonMergeEnvVars On ", "
    MellonSetEnv person urn:be:vlaanderen:mandaat:attr:person
    MellonSetEnv represents_id urn:be:vlaanderen:mandaat:attr:represents_id
    MellonSetEnv represents_name urn:be:vlaanderen:mandaat:attr:represents_name
    MellonSetEnv basis urn:be:vlaanderen:mandaat:attr:basis
    MellonSetEnv via_id urn:be:vlaanderen:mandaat:attr:via_id
    MellonSetEnv mandate_id urn:be:vlaanderen:mandaat:attr:mandate_id
    MellonSetEnv actions urn:be:vlaanderen:mandaat:attr:actions
    Require valid-user
    # What the browser sends under these names never reaches the app.
    RequestHeader unset SAML-NameID
    RequestHeader set SAML-NameID "%{MELLON_NAME_ID}e" env=MELLON_NAME_ID
    RequestHeader unset SAML-Person
    RequestHeader set SAML-Person "%{MELLON_person}e" env=MELLON_person
    RequestHeader unset SAML-Represents-Id
    RequestHeader set SAML-Represents-Id "%{MELLON_represents_id}e" env=MELLON_represents_id
    RequestHeader unset SAML-Represents-Name
    RequestHeader set SAML-Represents-Name "%{MELLON_represents_name}e" env=MELLON_represents_name
    RequestHeader unset SAML-Basis
    RequestHeader set SAML-Basis "%{MELLON_basis}e" env=MELLON_basis
    RequestHeader unset SAML-Via-Id
    RequestHeader set SAML-Via-Id "%{MELLON_via_id}e" env=MELLON_via_id
    RequestHeader unset SAML-Mandate-Id
    RequestHeader set SAML-Mandate-Id "%{MELLON_mandate_id}e" env=MELLON_mandate_id
    RequestHeader unset SAML-Actions
    RequestHeader set SAML-Actions "%{MELLON_actions}e" env=MELLON_actions
    ProxyPass "http://127.0.0.1:$app_port/"
    ProxyPassReverse "http://127.0.0.1:$app_port/"
</Location>
EOF
kill -USR1 "$httpd_pid"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "${url}saml-app/")" = 303 ]; do
    if ! kill -0 "$httpd_pid" 2>/dev/null || [ $i -ge 100 ]; then
        echo "httpd did not take up the SAML e-counter's configuration:" >&2
        tail -n 20 "$run/error.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done

cat <<EOF

== the demo runs at  $url

Open it in a browser and log in as a sample person (the login is a DEMO-ONLY stand-in for eID):
  An Peeters      a citizen: her own name only, selected without a chooser
  Jan Janssens    director of two companies: the chooser offers himself and both companies
  Piet Verhoeven  accountant: acts for the firm's clients by mandate; "why" shows the mandate
                  that awaits approval
  Sofie Maes      accountant lacking SSM Mandaatuitvoerder: "why" explains it
  Els Claes, Luc Dubois, Marie Wouters: legal representatives (KBO)
The sample app at /app shows what it received: the Mandaat-* headers and the decoded JWT.
The second e-counter, ${url}saml-app/, speaks SAML: mod_auth_mellon sends an AuthnRequest to
mod_mandaat's SAML IdP, the person logs in and chooses, and the app gets the signed assertion's
attributes (SAML-* headers). Its logout: ${url}saml-app/mellon/logout?ReturnTo=/login.html
The third, ${url}oidc-app/, speaks OpenID Connect: mod_auth_openidc sends the browser to
mod_mandaat's OpenID provider (code flow with PKCE), the person chooses, and the app gets the
id_token's claims (OIDC_CLAIM_* headers).

httpd config: $run/httpd.conf     error log: $run/error.log
store:        $store  (mandaatctl: $ctl --store $store ...)
Ctrl-C stops httpd and the app. One line per request follows.

EOF
# Ctrl-C reaches httpd too, which then ends by itself (status 0); bash may then skip its own
# INT trap, so the end of httpd is the normal way out.
status=0
wait "$httpd_pid" || status=$?
httpd_pid=''
[ "$status" -eq 0 ] || echo "httpd ended with status $status; its error log: $run/error.log" >&2
exit "$status"
