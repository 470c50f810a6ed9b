#!/usr/bin/env bash
# Fill a store with the demo data, through mandaatctl only (every change checked by the core).
# Usage: seed.sh MANDAATCTL STORE_LOCATOR
#
# People (INSZ):
#   An Peeters     85.07.30-033.28  a citizen: acts in own name
#   Jan Janssens   72.04.15-123.94  director (KBO) of Bakkerij Janssens and Janssens Vastgoed
#   Els Claes      68.09.22-211.38  zaakvoerder of accountant firm Boekhouding Claes
#   Piet Verhoeven 90.01.01-345.67  employee of Claes with SSM Mandaatuitvoerder
#   Sofie Maes     95.06.12-287.32  employee of Claes with SSM Mandaatbeheerder only
#   Luc Dubois     61.03.03-155.87  zaakvoerder of Garage Dubois (a client)
#   Marie Wouters  79.08.08-402.06  bestuurder of Sportclub De Spurters (a client)
set -euo pipefail
ctl=$1
store=$2
data=$(cd "$(dirname "$0")/data" && pwd)
m() { "$ctl" --store "$store" "$@" >/dev/null; }

AN=85.07.30-033.28 JAN=72.04.15-123.94 ELS=68.09.22-211.38 PIET=90.01.01-345.67
SOFIE=95.06.12-287.32 LUC=61.03.03-155.87 MARIE=79.08.08-402.06
BAKKERIJ=0412.345.614 VASTGOED=0523.456.738 CLAES=0634.567.862 GARAGE=0745.678.986
SPORT=0856.789.122

m migrate
m service add wse-loket --name-nl "WSE-loket" --name-fr "Guichet WSE" --bases "self kbo right mandate" \
  --min-loa 3 --action "aangifte:Aangifte indienen" --action "inzage:Dossier inzien" \
  --action "betaling:Betalingen beheren:no-citizen"
m kbo import "$data/enterprise.csv" "$data/denomination.csv" "$data/functions.csv"
for p in "$AN:An Peeters" "$JAN:Jan Janssens" "$ELS:Els Claes" "$PIET:Piet Verhoeven" \
         "$SOFIE:Sofie Maes" "$LUC:Luc Dubois" "$MARIE:Marie Wouters"; do
  m party add "${p%%:*}" --name "${p#*:}"
done

# User management at the accountant firm: the legal representative appoints herself
# hoofdtoegangsbeheerder, then grants her employees their SSM rights.
m right grant --as "$ELS" --person "$ELS" --org "$CLAES" --right hoofdtoegangsbeheerder
m right grant --as "$ELS" --person "$PIET" --org "$CLAES" --right ssm_mandaatuitvoerder
m right grant --as "$ELS" --person "$SOFIE" --org "$CLAES" --right ssm_mandaatbeheerder

# Client mandates to the firm.
id_of() { "$ctl" --store "$store" mandate list --party "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'; }
m mandate give --as "$JAN" --giver "$BAKKERIJ" --taker "$CLAES" --service wse-loket --actions aangifte,inzage
m mandate approve --as "$SOFIE" "$(id_of "$BAKKERIJ")"
m mandate request --as "$SOFIE" --giver "$VASTGOED" --taker "$CLAES" --service wse-loket --actions inzage
m mandate approve --as "$JAN" "$(id_of "$VASTGOED")"
m mandate give --as "$LUC" --giver "$GARAGE" --taker "$CLAES" --service wse-loket \
  --actions aangifte,inzage,betaling --from 2024-01-01 --until "$(date -u -d '+1 day' +%F)"
m mandate approve --as "$ELS" "$(id_of "$GARAGE")"
m mandate give --as "$MARIE" --giver "$SPORT" --taker "$CLAES" --service wse-loket --actions aangifte
