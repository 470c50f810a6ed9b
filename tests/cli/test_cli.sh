#!/bin/sh
# End-to-end test of mandaatctl through the real binary: a temporary SQLite store and, when
# MANDAAT_TEST_PGSQL is set, the same suite once more on PostgreSQL (in its own schema
# mandaat_cli_test, created afresh and dropped at the end). Prints "ok - ..." or
# "not ok - ..." per check. Exit 0 pass, 77 skip, 1 fail (automake TESTS protocol).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL="$top_builddir/mandaatctl"
[ -x "$CTL" ] || { echo "SKIP: $CTL is not built"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is needed to check --json output"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/mandaat-cli.XXXXXX")
# MANDAAT_TEST_KEEP=1 keeps the stores and files for a look afterwards.
[ -n "${MANDAAT_TEST_KEEP:-}" ] && echo "# keeping $T" || trap 'rm -rf "$T"' EXIT
unset MANDAAT_STORE
export USER=${USER:-tester}

n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"
    echo "#   command: ${last_cmd:-}"; echo "#   exit: ${rc:-}"
    sed 's/^/#   stdout: /' "$T/out" 2>/dev/null | head -40
    sed 's/^/#   stderr: /' "$T/err" 2>/dev/null | head -20
}

# ctl ARGS...: run mandaatctl on the current store; output in $T/out, $T/err, exit in $rc.
ctl() {
    last_cmd="mandaatctl $*"
    "$CTL" --store "$STORE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# ctl_raw ARGS...: the same without --store (to test how the store is found).
ctl_raw() {
    last_cmd="mandaatctl $*"
    "$CTL" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# expect RC DESCRIPTION ARGS...: run and check the exit code.
expect() {
    local want=$1 desc=$2
    shift 2
    ctl "$@"
    if [ "$rc" -eq "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, want $want)"; fi
}
out_has() { if grep -q -- "$1" "$T/out"; then ok "$2"; else not_ok "$2 (stdout lacks '$1')"; fi; }
err_has() { if grep -q -- "$1" "$T/err"; then ok "$2"; else not_ok "$2 (stderr lacks '$1')"; fi; }
json_is() { if jq -e "$1" "$T/out" >/dev/null 2>&1; then ok "$2"; else not_ok "$2 (jq '$1' fails)"; fi; }

# Identifiers with valid check digits: INSZ CC = 97 - (first 9 mod 97) (born before 2000);
# KBO last 2 = 97 - (first 8 mod 97).
insz() { printf '%s%02d' "$1" $((97 - 10#$1 % 97)); }
kbo() { printf '%s%02d' "$1" $((97 - 10#$1 % 97)); }
dotted_kbo() { echo "${1:0:4}.${1:4:3}.${1:7:3}"; }
dotted_insz() { echo "${1:0:2}.${1:2:2}.${1:4:2}-${1:6:3}.${1:9:2}"; }

P1=$(insz 850730033)   # legal representative (bestuurder) of A, the giver
P2=$(insz 900115123)   # legal representative (zaakvoerder) of B, the accountant
P3=$(insz 920301456)   # employee of B who acts at the e-counter
P4=$(insz 780512789)   # hoofdtoegangsbeheerder of B, appointed by P2
P5=$(insz 660606606)   # hoofdtoegangsbeheerder of C, appointed by the operator
P6=$(insz 700101222)   # former member of A's board (function ended)
A=$(kbo 02000650)
B=$(kbo 04567890)
C=$(kbo 08765432)
D=$(kbo 01111111)      # a stopped enterprise
UNTIL=$(date -u -d '+1 year' +%Y-%m-%d)
UNTIL_END=$(date -u -d "$UNTIL +1 day" +%Y-%m-%d)T00:00:00Z
AFTER=$(date -u -d "$UNTIL +10 days" +%Y-%m-%d)
ENDED=$(date -u -d '-7 days' +%d-%m-%Y)   # a KBO function that ended recently

write_kbo_files() {
    local d=$1
    mkdir -p "$d"
    cat >"$d/enterprise.csv" <<EOF
"EnterpriseNumber","Status","JuridicalSituation","TypeOfEnterprise","JuridicalForm","JuridicalFormCAC","StartDate"
"$(dotted_kbo "$A")","AC","000","2","014","","01-02-2010"
"$(dotted_kbo "$B")","AC","000","2","610","","15-06-2012"
"$(dotted_kbo "$D")","AC","000","2","014","","01-01-2000"
EOF
    printf '\xef\xbb\xbf"EntityNumber","Language","TypeOfDenomination","Denomination"\r\n' \
        >"$d/denomination.csv"
    cat >>"$d/denomination.csv" <<EOF
"$(dotted_kbo "$A")","2","001","Bakkerij Peeters"
"$(dotted_kbo "$A")","1","001","Boulangerie Peeters"
"$(dotted_kbo "$B")","2","001","Boekhoudkantoor Janssens"
"$(dotted_kbo "$D")","2","001","Gestopt bvba"
EOF
    cat >"$d/functions.csv" <<EOF
"EnterpriseNumber","PersonINSZ","FunctionCode","StartDate","EndDate"
"$(dotted_kbo "$A")","$(dotted_insz "$P1")","bestuurder","01-02-2010",""
"$(dotted_kbo "$B")","$P2","zaakvoerder","15-06-2012",""
"$(dotted_kbo "$A")","$P6","lid_directiecomite","01-01-2015","$ENDED"
EOF
    cat >"$d/enterprise_delete.csv" <<EOF
"EntityNumber"
"$(dotted_kbo "$D")"
EOF
}

suite_setup() {
    expect 0 "[$DRV] migrate an empty store" migrate
    out_has "from version 0" "[$DRV] migrate reports the versions"
    expect 0 "[$DRV] migrate again is a no-op" migrate
    out_has "already at version" "[$DRV] second migrate says so"

    expect 0 "[$DRV] service add" service add wse-loket --name-nl "WSE-loket" \
        --name-fr "Guichet WSE" --bases "self kbo right mandate" --min-loa 2 \
        --action "aanvraag:Aanvraag indienen" --action "inzage:Dossier inzien:citizen" \
        --action "betaling:Betaling:no-citizen" --action-label "aanvraag:fr:Introduire une demande"
    expect 0 "[$DRV] service add (will be replaced)" service add demo --bases self --action x
    expect 0 "[$DRV] service add again replaces it" service add demo --bases "self kbo" \
        --action y --action z
    expect 0 "[$DRV] service show --json" service show demo --json
    json_is '(.actions | map(.code)) == ["y","z"] and .bases == ["self","kbo"]' \
        "[$DRV] the re-added service replaced the catalogue"
    expect 0 "[$DRV] service list" service list
    out_has "wse-loket" "[$DRV] service list shows the service"
    expect 0 "[$DRV] service list --json" service list --json
    json_is '.[] | select(.id == "wse-loket") | .min_loa == 2 and (.actions | length) == 3
             and .actions[2].citizen == false and .actions[0].labels.fr == "Introduire une demande"' \
        "[$DRV] service list --json carries the catalogue"
    expect 3 "[$DRV] service add with an unknown basis is invalid" service add bad \
        --bases "self magic" --action x
    err_has "magic" "[$DRV] the message names the unknown basis"
    expect 2 "[$DRV] service add without --bases is a usage error" service add bad --action x
    err_has "usage: mandaatctl service add" "[$DRV] usage errors print the usage line"
}

suite_kbo() {
    write_kbo_files "$T/kbo"
    expect 0 "[$DRV] kbo function-code set a new code" kbo function-code set lid_directiecomite \
        --representative yes --label "Lid van het directiecomité"
    expect 3 "[$DRV] kbo function-code set --representative maybe is invalid" \
        kbo function-code set x --representative maybe
    expect 0 "[$DRV] kbo import enterprise, denomination, functions" kbo import \
        "$T/kbo/enterprise.csv" "$T/kbo/denomination.csv" "$T/kbo/functions.csv"
    out_has "imported:" "[$DRV] kbo import prints what it did"
    expect 0 "[$DRV] kbo import of an update file (--json)" kbo import --json \
        "$T/kbo/enterprise_delete.csv"
    json_is '.enterprises_deleted == 1 and .files."enterprise_delete.csv".rows == 1' \
        "[$DRV] kbo import --json reports the counts"
    cp "$T/kbo/enterprise.csv" "$T/kbo/companies.csv"
    expect 3 "[$DRV] kbo import refuses a file it does not recognise" kbo import "$T/kbo/companies.csv"
    err_has "recognises files by name" "[$DRV] the message says how files are recognised"
    expect 0 "[$DRV] party show of an imported enterprise" party show "BE $(dotted_kbo "$A")" --json
    json_is '.name == "Bakkerij Peeters" and .names.fr == "Boulangerie Peeters" and .active' \
        "[$DRV] the enterprise has its KBO names"
    expect 0 "[$DRV] party show of the deleted enterprise" party show "$D" --json
    json_is '.active == false' "[$DRV] an enterprise in enterprise_delete.csv is stopped"

    # Added by hand after the full import (a full enterprise.csv stops what it omits).
    expect 0 "[$DRV] party add an organisation not in the KBO" party add "$(dotted_kbo "$C")" \
        --name "Vzw Demo"
    expect 0 "[$DRV] party add a person with a name" party add "$(dotted_insz "$P3")" \
        --name "Piet Claes"
    expect 0 "[$DRV] party show --json" party show "$C" --json
    json_is '.kind == "org" and .name == "Vzw Demo" and .active' "[$DRV] the added party is stored"
    expect 3 "[$DRV] party add with a bad check digit is invalid" party add 0200065099
    expect 2 "[$DRV] party add --as a person is refused (operator command)" party add "$C" \
        --as "$P1"
}

suite_rights() {
    expect 5 "[$DRV] a person without rights cannot grant one" right grant --as "$P3" \
        --person "$P3" --org "$B" --right ssm_mandaatuitvoerder
    err_has "Lokale beheerder" "[$DRV] the refusal names the missing right"
    expect 0 "[$DRV] the KBO representative appoints a hoofdtoegangsbeheerder" right grant \
        --as "$P2" --person "$(dotted_insz "$P4")" --org "$(dotted_kbo "$B")" \
        --right hoofdtoegangsbeheerder --json
    json_is '.right == "hoofdtoegangsbeheerder" and .person == "'"$P4"'" and .status == "in_force"' \
        "[$DRV] right grant --json prints the right"
    expect 0 "[$DRV] the operator bootstraps an organisation without KBO data" right grant \
        --as operator --person "$P5" --org "$C" --right hoofdtoegangsbeheerder
    out_has "right [0-9]* granted" "[$DRV] right grant prints the new id"
    expect 5 "[$DRV] the operator cannot grant other rights" right grant --as operator \
        --person "$P3" --org "$C" --right ssm_mandaatuitvoerder
    err_has "Hoofdtoegangsbeheerder" "[$DRV] the operator refusal explains the rule"
    expect 0 "[$DRV] the hoofdtoegangsbeheerder grants a service right until a date" right grant \
        --as "$P5" --person "$P3" --org "$C" --right service --service wse-loket \
        --actions inzage --until "$UNTIL" --json
    json_is '.service == "wse-loket" and .actions == ["inzage"] and .valid_until == "'"$UNTIL_END"'"' \
        "[$DRV] a date-only --until ends at the next midnight UTC"
    SVC_RIGHT=$(jq -r .id "$T/out")
    expect 3 "[$DRV] an unknown right kind is invalid" right grant --as "$P2" --person "$P3" \
        --org "$B" --right superuser
    expect 2 "[$DRV] right grant without --as is a usage error" right grant --person "$P3" \
        --org "$B" --right ssm_mandaatuitvoerder
    expect 3 "[$DRV] right grant with a bad --until is invalid" right grant --as "$P2" \
        --person "$P3" --org "$B" --right hoofdtoegangsbeheerder --until 2030-13-45
    expect 0 "[$DRV] right list --org" right list --org "$B"
    out_has "$(dotted_insz "$P4")" "[$DRV] right list shows the full formatted INSZ"
    expect 0 "[$DRV] right list --person --json" right list --person "$P3" --json
    json_is 'length == 1 and .[0].org == "'"$C"'"' "[$DRV] right list --json filters by person"
    expect 0 "[$DRV] right show" right show "$SVC_RIGHT"
    out_has "service right wse-loket (inzage)" "[$DRV] right show describes the right"
}

suite_mandates() {
    local M1 M2 M3
    expect 5 "[$DRV] a person without rights cannot give a mandate for A" mandate give \
        --as "$P3" --giver "$A" --taker "$B" --service wse-loket --actions aanvraag
    err_has "SSM Mandaatbeheerder" "[$DRV] the refusal names SSM Mandaatbeheerder"
    expect 5 "[$DRV] an operator cannot act in a mandate" mandate give --as operator \
        --giver "$A" --taker "$B" --service wse-loket --actions aanvraag
    expect 3 "[$DRV] an action outside the catalogue is invalid" mandate give --as "$P1" \
        --giver "$A" --taker "$B" --service wse-loket --actions aanvraag,vliegen
    expect 4 "[$DRV] an unknown service is not found" mandate give --as "$P1" --giver "$A" \
        --taker "$B" --service nope --actions aanvraag
    expect 3 "[$DRV] a bad date is invalid" mandate give --as "$P1" --giver "$A" --taker "$B" \
        --service wse-loket --actions aanvraag --until 31/12/2030
    expect 0 "[$DRV] the representative of A gives a mandate to B" mandate give \
        --as "$(dotted_insz "$P1")" --giver "$(dotted_kbo "$A")" --taker "$B" \
        --service wse-loket --actions aanvraag,inzage --until "$UNTIL" --ref REF-1 --json
    json_is '.state == "awaiting_approval" and .ref == "REF-1" and .valid_until == "'"$UNTIL_END"'"' \
        "[$DRV] the mandate awaits approval and ends at the end of --until"
    M1=$(jq -r .id "$T/out")

    expect 0 "[$DRV] capacities --explain while the mandate awaits approval" capacities "$P3" \
        wse-loket --explain
    out_has "near misses" "[$DRV] capacities --explain prints near misses"
    expect 5 "[$DRV] the giver's side cannot approve its own gift" mandate approve --as "$P1" "$M1"
    expect 5 "[$DRV] an employee without rights cannot approve" mandate approve --as "$P3" "$M1"
    err_has "SSM Mandaatbeheerder" "[$DRV] the approval refusal names the missing right"
    expect 0 "[$DRV] the representative of B approves" mandate approve --as "$P2" "$M1"
    out_has "active" "[$DRV] the mandate is active"
    expect 6 "[$DRV] approving an active mandate is a conflict" mandate approve --as "$P2" "$M1"

    # P3 works at B (a service right there) but may not yet execute B's mandates.
    expect 0 "[$DRV] the hoofdtoegangsbeheerder of B grants a service right" right grant \
        --as "$P4" --person "$P3" --org "$B" --right service --service demo
    expect 0 "[$DRV] capacities --explain without SSM Mandaatuitvoerder" capacities "$P3" \
        wse-loket --explain
    out_has "missing_executor_right" "[$DRV] the near miss names the reason code"
    out_has "ask the local administrator of $(dotted_kbo "$B") for the right SSM Mandaatuitvoerder" \
        "[$DRV] the explanation says whom to ask for which right"
    expect 0 "[$DRV] capacities --explain --json" capacities "$P3" wse-loket --explain --json
    json_is '.near_misses | map(.reason) | index("missing_executor_right") != null' \
        "[$DRV] near misses in JSON carry the reason code"

    expect 0 "[$DRV] the hoofdtoegangsbeheerder of B grants SSM Mandaatuitvoerder" right grant \
        --as "$P4" --person "$P3" --org "$B" --right ssm_mandaatuitvoerder
    EXEC_RIGHT=$(sed -n 's/^right \([0-9]*\) granted.*/\1/p' "$T/out")
    expect 0 "[$DRV] capacities after the right" capacities "$P3" wse-loket
    out_has "Bakkerij Peeters" "[$DRV] the chooser row names the represented party"
    expect 0 "[$DRV] capacities --json" capacities "$P3" wse-loket --json
    json_is '.capacities | map(select(.basis == "mandate")) | length == 1 and .[0].party.id == "'"$A"'"
             and .[0].via.id == "'"$B"'" and .[0].mandate_id == '"$M1"' and .[0].actions == ["aanvraag","inzage"]' \
        "[$DRV] the mandate row has party, via, mandate id and actions"
    json_is '.capacities | map(select(.basis == "self")) | length == 1' \
        "[$DRV] the person may also act in own name"
    expect 0 "[$DRV] capacities --at after the end date" capacities "$P3" wse-loket \
        --at "$AFTER" --explain --json
    json_is '(.capacities | map(select(.basis == "mandate")) | length == 0)
             and (.near_misses | map(.reason) | index("mandate_expired") != null)' \
        "[$DRV] an expired mandate is a near miss"
    expect 0 "[$DRV] capacities with a weak login" capacities "$P3" wse-loket --loa 1 --explain
    out_has "loa_too_low" "[$DRV] a weak login is a near miss"
    expect 0 "[$DRV] capacities of the representative of A" capacities "$P1" wse-loket --json
    json_is '.capacities | map(select(.basis == "kbo")) | .[0].party.id == "'"$A"'"' \
        "[$DRV] a KBO representative acts for the enterprise"
    expect 0 "[$DRV] capacities of a former board member" capacities "$P6" wse-loket --explain
    out_has "kbo_function_ended" "[$DRV] an ended KBO function is a near miss"

    expect 0 "[$DRV] mandate list --state active --json" mandate list --state active --json
    json_is 'length == 1 and .[0].id == '"$M1" "[$DRV] mandate list filters by state"
    expect 0 "[$DRV] mandate list --party" mandate list --party "$(dotted_kbo "$A")"
    out_has "REF-1" "[$DRV] mandate list shows the reference"
    expect 3 "[$DRV] mandate list with an unknown state is invalid" mandate list --state sleeping

    expect 0 "[$DRV] the giver revokes with a reason" mandate revoke --as "$P1" "$M1" \
        --reason "einde samenwerking"
    out_has "revoked" "[$DRV] the mandate is revoked"
    expect 0 "[$DRV] mandate show" mandate show "$M1"
    out_has "einde samenwerking" "[$DRV] mandate show prints the reason"
    out_has "approve" "[$DRV] mandate show prints the history"
    expect 0 "[$DRV] mandate show --json" mandate show "$M1" --json
    json_is '.state == "revoked" and (.events | map(.event)) == ["give","approve","revoke"]
             and .events[1].actor == "'"$P2"'"' "[$DRV] the history records every step and actor"
    expect 0 "[$DRV] capacities after the revocation" capacities "$P3" wse-loket --explain --json
    json_is '.near_misses | map(.reason) | index("mandate_revoked") != null' \
        "[$DRV] a revoked mandate is a near miss"

    expect 0 "[$DRV] the taker's representative requests a mandate" mandate request --as "$P2" \
        --giver "$A" --taker "$B" --service wse-loket --actions inzage --json
    M2=$(jq -r .id "$T/out")
    expect 0 "[$DRV] the giver rejects it" mandate reject --as "$P1" "$M2" --reason "niet nodig"
    out_has "rejected" "[$DRV] the request is rejected"
    expect 0 "[$DRV] another request" mandate request --as "$P2" --giver "$A" --taker "$B" \
        --service wse-loket --actions inzage --json
    M3=$(jq -r .id "$T/out")
    expect 5 "[$DRV] only the initiator may withdraw" mandate withdraw --as "$P1" "$M3"
    expect 0 "[$DRV] the initiator withdraws it" mandate withdraw --as "$P2" "$M3"
    out_has "withdrawn" "[$DRV] the request is withdrawn"
    expect 4 "[$DRV] mandate show of an unknown id is not found" mandate show 999999
    expect 3 "[$DRV] mandate show of a non-number is invalid" mandate show abc

    expect 0 "[$DRV] right revoke by the hoofdtoegangsbeheerder" right revoke --as "$P4" "$EXEC_RIGHT"
    expect 0 "[$DRV] right list --all --json" right list --all --person "$P3" --json
    json_is 'map(select(.id == '"$EXEC_RIGHT"')) | .[0].status == "revoked" and .[0].revoked_by == "'"$P4"'"' \
        "[$DRV] right list --all shows the revoked right"
    expect 6 "[$DRV] revoking it again is a conflict" right revoke --as "$P4" "$EXEC_RIGHT"
}

suite_audit() {
    expect 0 "[$DRV] audit list --actor" audit list --actor "$(dotted_insz "$P1")"
    out_has "mandate.give" "[$DRV] the audit shows the gift"
    expect 0 "[$DRV] audit list --json --limit" audit list --json --limit 2
    json_is 'length == 2' "[$DRV] --limit bounds the list"
    expect 0 "[$DRV] audit list --party --since" audit list --party "$A" --since 2000-01-01 --json
    json_is 'length >= 1 and all(.[]; .party == "'"$A"'")' "[$DRV] audit list filters by party"
    expect 0 "[$DRV] audit list of operator changes" audit list --actor "operator:$USER" --json
    json_is 'map(.event) | index("service.put") != null and index("kbo.import") != null' \
        "[$DRV] operator changes are audited"
    expect 3 "[$DRV] audit list --since with a bad time is invalid" audit list --since yesterday
}

suite_input() {
    expect 3 "[$DRV] capacities with an invalid INSZ" capacities 85073003300 wse-loket
    err_has "^mandaatctl: invalid: " "[$DRV] errors have the form 'mandaatctl: <class>: <message>'"
    expect 4 "[$DRV] capacities for an unknown service" capacities "$P3" no-such-service
    expect 2 "[$DRV] an unknown command is a usage error" frobnicate
    expect 2 "[$DRV] a group without subcommand is a usage error" mandate
    expect 2 "[$DRV] an unknown option is a usage error" mandate list --colour
    expect 2 "[$DRV] a missing argument is a usage error" mandate approve --as "$P2"
}

# --config, MANDAAT_STORE and the default: how mandaatctl finds the store.
suite_locator() {
    local driver=${STORE%%:*} params=${STORE#*:} root="$T/httpd-$DRV"
    mkdir -p "$root/conf.d" "$root/mods-enabled"
    cat >"$root/httpd.conf" <<EOF
# like Debian's apache2.conf
ServerRoot "$root"
Define MANDAAT_DRIVER $driver
IncludeOptional mods-enabled/*.load
IncludeOptional does-not-exist/*.conf
Include conf.d/*.conf
EOF
    mkdir -p "$root/conf.d/mandaat"
    echo "IncludeOptional conf.d/mandaat" >"$root/conf.d/dir.conf"
    cat >"$root/conf.d/mandaat/dbd.conf" <<EOF
<IfModule dbd_module>
    DBDriver \${MANDAAT_DRIVER}
    DBDParams \\
        "$params"
</IfModule>
EOF
    ctl_raw --config "$root/httpd.conf" service list
    if [ "$rc" -eq 0 ] && grep -q wse-loket "$T/out"; then
        ok "[$DRV] --config reads DBDriver/DBDParams through Include (glob, directory, continuation, Define)"
    else not_ok "[$DRV] --config reads DBDriver/DBDParams through Include (glob, directory, continuation, Define)"; fi
    echo "Include httpd.conf" >"$root/conf.d/zz-loop.conf"
    ctl_raw --config "$root/httpd.conf" service list
    if [ "$rc" -eq 3 ] && grep -q "does a file include itself" "$T/err"; then
        ok "[$DRV] --config: an Include loop is reported"
    else not_ok "[$DRV] --config: an Include loop is reported"; fi
    rm "$root/conf.d/zz-loop.conf"
    echo "Include missing/*.conf" >>"$root/httpd.conf"
    ctl_raw --config "$root/httpd.conf" service list
    if [ "$rc" -eq 3 ] && grep -q "matches no file" "$T/err"; then
        ok "[$DRV] --config: an Include that matches nothing is an error"
    else not_ok "[$DRV] --config: an Include that matches nothing is an error"; fi
    MANDAAT_STORE=$STORE ctl_raw service list --json
    if [ "$rc" -eq 0 ] && jq -e 'length == 2' "$T/out" >/dev/null; then
        ok "[$DRV] MANDAAT_STORE names the store"
    else not_ok "[$DRV] MANDAAT_STORE names the store"; fi
    ctl_raw --store "$STORE" --config "$root/httpd.conf" service list
    if [ "$rc" -eq 2 ]; then ok "[$DRV] --store with --config is a usage error"
    else not_ok "[$DRV] --store with --config is a usage error"; fi
}

run_suite() {
    DRV=$1 STORE=$2
    suite_setup
    suite_kbo
    suite_rights
    suite_mandates
    suite_audit
    suite_input
    suite_locator
}

run_suite sqlite3 "sqlite3:$T/mandaat.db"

# Store trouble, once: exit 7 and a message that says what to do.
ctl_raw --store "sqlite3:$T/none/mandaat.db" service list
if [ "$rc" -eq 7 ] && grep -q "mandaatctl migrate" "$T/err"; then
    ok "a missing SQLite store is 'store unavailable' and says to migrate"
else not_ok "a missing SQLite store is 'store unavailable' and says to migrate"; fi
ctl_raw --store "pgsql:host=127.0.0.1 port=1 dbname=none user=none connect_timeout=3" service list
if [ "$rc" -eq 7 ] && grep -q "^mandaatctl: store_unavailable: " "$T/err"; then
    ok "PostgreSQL on a closed port is 'store unavailable' (exit 7)"
else not_ok "PostgreSQL on a closed port is 'store unavailable' (exit 7)"; fi
ctl_raw --store "mysql:whatever" service list
if [ "$rc" -eq 3 ]; then ok "an unsupported driver in a locator is invalid"
else not_ok "an unsupported driver in a locator is invalid"; fi
ctl_raw --store "sqlite3:$T/mandaat.db" service list
if [ "$rc" -eq 0 ]; then ok "--store before the command"; else not_ok "--store before the command"; fi
ctl_raw --help
if [ "$rc" -eq 0 ] && grep -q "mandate give" "$T/out"; then ok "--help lists the commands"
else not_ok "--help lists the commands"; fi

if [ -n "${MANDAAT_TEST_PGSQL:-}" ]; then
    # A schema of our own (through search_path), so that `make check -j` can run the unit
    # tests, which reset schema public of the same database, at the same time.
    PGCONN="$MANDAAT_TEST_PGSQL options='-c search_path=mandaat_cli_test'"
    if command -v psql >/dev/null 2>&1 &&
        psql "$PGCONN" -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS mandaat_cli_test CASCADE;
            CREATE SCHEMA mandaat_cli_test" >/dev/null 2>"$T/psql.err"; then
        run_suite pgsql "pgsql:$PGCONN"
        psql "$PGCONN" -q -c "DROP SCHEMA IF EXISTS mandaat_cli_test CASCADE" >/dev/null 2>&1
    else
        not_ok "reset the PostgreSQL test schema with psql ($MANDAAT_TEST_PGSQL): $(cat "$T/psql.err")"
    fi
else
    echo "# MANDAAT_TEST_PGSQL is not set: PostgreSQL not tested"
fi

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
