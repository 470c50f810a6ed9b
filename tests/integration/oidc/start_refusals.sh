#!/bin/sh
# The OpenID provider's configuration refusals (POSIX sh). Sourced by test_oidc.sh after
# mandaat_httpd_init (tests/lib/httpd.sh), which then calls
#
#   oidc_start_refusals DIR     keys and client files go to DIR (created), the httpd
#                               configurations to $T/oidc-<case>; prints "ok - ..." or
#                               "not ok - ..." per check; returns 1 when one failed
#
# First a good configuration (an EC and an RSA key, a client file and a client directory)
# must pass httpd -t and start; then each case changes one thing and httpd -t must fail naming
# the directive or file at fault; for the cases found by reading the files, -k start must be
# refused too, leaving no daemon. Needs openssl, mod_dbd and mod_socache_shmcb.
# Run alone: top_builddir=/tmp/build-x top_srcdir=/work/main sh tests/integration/oidc/start_refusals.sh
#
# Function-local names carry the prefix _osr_ (POSIX sh has no `local`).

_osr_ok() { echo "ok - OIDC: $1"; }
# _osr_not_ok DESCRIPTION NAME: report, and show what httpd said.
_osr_not_ok() {
    echo "not ok - OIDC: $1"
    _osr_failed=$((_osr_failed + 1))
    for _osr_f in "$T/$2/configtest.out" "$T/$2/start.out" "$T/$2/error.log"; do
        [ -f "$_osr_f" ] && sed "s|^|#   $2/$(basename "$_osr_f"): |" "$_osr_f"
    done
    return 0
}

# _osr_said NAME TEXT...: what httpd printed or logged for NAME holds every TEXT.
_osr_said() {
    _osr_n=$1
    shift
    for _osr_t in "$@"; do
        cat "$T/$_osr_n"/*.out "$T/$_osr_n/error.log" 2>/dev/null | grep -F -q -- "$_osr_t" ||
            return 1
    done
}

# _osr_client FILE CLIENT_ID [MEMBERS]: a client file (client_secret_basic, pairwise), with
# MEMBERS (JSON text ending in a comma) added.
_osr_client() {
    cat >"$1" <<EOF
{$3
  "client_id": "$2",
  "token_endpoint_auth_method": "client_secret_basic",
  "client_secret": "a-client-secret-of-at-least-32-characters",
  "redirect_uris": ["http://127.0.0.1:9/cb"],
  "scopes": ["openid", "profile"],
  "service": "wse-loket"
}
EOF
}

# _osr_conf NAME [SED]: $T/oidc-NAME/httpd.conf, the good configuration changed by SED.
_osr_conf() {
    mandaat_httpd_conf "oidc-$1" "$_osr_port" dbd socache_shmcb <<EOF
MandaatCryptoPassphrase "oidc-refusals-passphrase-0123456789"
MandaatTemplateDir "$top_srcdir/conf/templates"
MandaatCookieSecure Off
$(sed "${2:-p;d}" <<CONF
MandaatPublicURL "http://127.0.0.1:$_osr_port"
MandaatOIDCSigningKeyFile "$_osr_d/keys/ec.key"
MandaatOIDCSigningKeyFile "$_osr_d/keys/rsa.key" PS256
MandaatOIDCClientFile "$_osr_d/clients/app.json"
MandaatOIDCClientDir "$_osr_d/clientdir"
MandaatOIDCPairwiseSecret "a-pairwise-secret-of-32-characters-or-more"
CONF
)
EOF
}

# _osr_refused NAME SED HOW WHAT TEXT...: with the good configuration changed by SED, httpd -t
# fails (and with HOW "start", -k start is refused too) and says every TEXT.
_osr_refused() {
    _osr_name=$1
    _osr_sed=$2
    _osr_how=$3
    _osr_what=$4
    shift 4
    _osr_conf "$_osr_name" "$_osr_sed"
    if mandaat_httpd_configtest "oidc-$_osr_name"; then
        _osr_not_ok "httpd -t refuses $_osr_what" "oidc-$_osr_name"
        return 0
    fi
    if [ "$_osr_how" = start ]; then
        if mandaat_httpd_start "oidc-$_osr_name"; then
            mandaat_httpd_stop "oidc-$_osr_name"
            _osr_not_ok "httpd refuses to start with $_osr_what" "oidc-$_osr_name"
            return 0
        fi
        sleep 0.2
        if [ -s "$T/oidc-$_osr_name/httpd.pid" ]; then
            _osr_not_ok "a refused start with $_osr_what leaves no daemon" "oidc-$_osr_name"
            return 0
        fi
    fi
    if _osr_said "oidc-$_osr_name" "$@"; then
        _osr_ok "httpd -t${_osr_how:+ and -k start} refuse(s) $_osr_what, naming $*"
    else
        _osr_not_ok "httpd refuses $_osr_what, naming $*" "oidc-$_osr_name"
    fi
}

oidc_start_refusals() {
    _osr_d=$1
    _osr_failed=0
    _osr_port=$(mandaat_port) || return 1
    mkdir -p "$_osr_d/keys" "$_osr_d/clients" "$_osr_d/clientdir" "$_osr_d/empty" \
        "$_osr_d/bad" "$_osr_d/dup" || return 1
    if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$_osr_d/keys/ec.key" >"$_osr_d/keys/openssl.out" 2>&1 ||
        ! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$_osr_d/keys/rsa.key" >>"$_osr_d/keys/openssl.out" 2>&1; then
        echo "not ok - OIDC: keys made with openssl"
        sed 's|^|#   |' "$_osr_d/keys/openssl.out"
        return 1
    fi
    printf 'not a key\n' >"$_osr_d/keys/bad.key"
    _osr_client "$_osr_d/clients/app.json" app
    _osr_client "$_osr_d/clientdir/other.json" other '
  "subject_type": "public",'
    printf 'not a client\n' >"$_osr_d/clientdir/README"
    _osr_client "$_osr_d/bad/typo.json" typo '
  "redirect_uri": "http://127.0.0.1:9/cb",'
    _osr_client "$_osr_d/dup/again.json" app

    _osr_conf good
    if mandaat_httpd_configtest oidc-good && mandaat_httpd_start oidc-good; then
        if _osr_said oidc-good "MND0055" "2 client(s), 2 key(s), signing with ES256"; then
            _osr_ok "the good configuration passes httpd -t and starts (2 keys, 2 clients)"
        else
            _osr_not_ok "the good configuration logs its provider at start" oidc-good
        fi
        mandaat_httpd_stop oidc-good
    else
        _osr_not_ok "the good configuration passes httpd -t and starts" oidc-good
    fi

    _osr_refused nourl "/MandaatPublicURL/d" "" "no MandaatPublicURL" \
        "the OpenID provider needs MandaatPublicURL"
    _osr_refused httpurl "s|http://127.0.0.1|http://mandaat.example|" "" \
        "an http MandaatPublicURL off the loopback interface" "MandaatPublicURL" "must use https"
    _osr_refused nokey "/MandaatOIDCSigningKeyFile/d" "" "no signing key" \
        "needs a signing key (MandaatOIDCSigningKeyFile)"
    _osr_refused noclient "/MandaatOIDCClient/d" "" "no client" \
        "no client (MandaatOIDCClientFile or MandaatOIDCClientDir)"
    _osr_refused badkey "s|keys/ec.key|keys/bad.key|" start "a key file that is no key" \
        "MandaatOIDCSigningKeyFile $_osr_d/keys/bad.key"
    _osr_refused rsaes256 "s|rsa.key\" PS256|rsa.key\" ES256|" start "an RSA key given ES256" \
        "MandaatOIDCSigningKeyFile $_osr_d/keys/rsa.key ES256" "not \"ES256\""
    _osr_refused badalg "s|PS256|HS256|" "" "an unknown key algorithm" \
        "MandaatOIDCSigningKeyFile: unknown algorithm 'HS256'"
    _osr_refused badmember "s|clients/app.json|bad/typo.json|" start \
        "a client file with an unknown member" "MandaatOIDCClientFile at" \
        "$_osr_d/bad/typo.json" "redirect_uri"
    _osr_refused dup "s|clientdir\"|dup\"|" start "a client_id in two files" \
        "client_id app is in $_osr_d/clients/app.json and in $_osr_d/dup/again.json"
    _osr_refused emptydir "s|clientdir\"|empty\"|" start "a client directory without *.json" \
        "MandaatOIDCClientDir at" "$_osr_d/empty: no *.json client file"
    _osr_refused pairwise "/MandaatOIDCPairwiseSecret/d" start \
        "a pairwise client without MandaatOIDCPairwiseSecret" "$_osr_d/clients/app.json" \
        "client app has subject_type pairwise (the default) but MandaatOIDCPairwiseSecret"
    _osr_refused issuer "\$a MandaatOIDCIssuer https://op.example/mandaat/oidc" "" \
        "an issuer not under MandaatPublicURL" \
        "MandaatOIDCIssuer https://op.example/mandaat/oidc: must be MandaatPublicURL"
    _osr_refused issuerpath "\$a MandaatOIDCIssuer http://127.0.0.1:$_osr_port/a%20b" "" \
        "an issuer whose path needs escaping" "MandaatOIDCIssuer: '/a%20b' has a character"
    _osr_refused issuerquery "\$a MandaatOIDCIssuer http://127.0.0.1:$_osr_port/oidc?x" "" \
        "an issuer with a query" "MandaatOIDCIssuer: 'http://127.0.0.1:$_osr_port/oidc?x'"
    _osr_refused secret "s|\"a-pairwise-secret.*|short|" "" "a short pairwise secret" \
        "MandaatOIDCPairwiseSecret: at least 32 characters"
    _osr_refused lifetime "\$a MandaatOIDCIDTokenLifetime 3601" "" "an id_token lifetime of 3601" \
        "MandaatOIDCIDTokenLifetime:"
    [ "$_osr_failed" -eq 0 ]
}

# Run alone: a temporary directory of its own, every httpd stopped at the end.
_osr_main() {
    _osr_here=$(cd "$(dirname "$0")" && pwd)
    : "${top_srcdir:=$(cd "$_osr_here/../../.." && pwd)}"
    : "${top_builddir:=$top_srcdir}"
    . "$top_srcdir/tests/lib/httpd.sh"
    T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-oidc-refusals.XXXXXX") || exit 1
    trap 'mandaat_httpd_stop_all; [ -n "$MANDAAT_TEST_KEEP" ] && echo "# kept $T" || rm -rf "$T"' EXIT
    trap 'exit 1' INT TERM HUP
    mandaat_httpd_init "$T" 2>"$T/init.err" || { echo "SKIP: $(cat "$T/init.err")"; exit 77; }
    [ -f "$MODDIR/mod_socache_shmcb.so" ] || { echo "SKIP: no mod_socache_shmcb"; exit 77; }
    command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl"; exit 77; }
    oidc_start_refusals "$T/oidc-files"
}
case $0 in
*start_refusals.sh) _osr_main ;;
esac
