#!/usr/bin/python3
"""The browser and client side of tests/integration/test_oidc.sh: mod_mandaat as the OpenID
provider (OP), real mod_auth_openidc as the relying party (RP: response_mode query,
client_secret_basic; RPP: form_post, client_secret_post), Basic authentication as the person's
upstream login. Every hop is made by hand (idp/browser.py's Browser never follows a redirect)
so that each step is checked. Besides the logins through mod_auth_openidc: the discovery
document and the JWKS, the id_token's ES256 signature (checked with openssl against the JWKS),
prompt, cancel, and hostile requests sent straight to the OP (redirect_uri variants, PKCE,
code replay, another client's code, wrong secrets, client assertions with alg none, HS256, a
foreign key or a replayed jti, oversized and duplicated parameters, bad access tokens at
userinfo). Stdlib only; RS256 assertions are signed by `openssl dgst`.

  oidc_checks.py --op URL --rp URL --rpp URL --cafile PEM --clients DIR --jwt-key PEM
                 --other-key PEM --errorlog FILE
  oidc_checks.py jwk KEY.pem KID      (prints the public JWK of an RSA key, for a client file)

Prints one "ok - ..." / "not ok - ..." line per check; exits 1 when one failed."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oidc_client import *  # noqa: E402,F401,F403  (the OP client, checks and constants)

# ---- logins through mod_auth_openidc ----

def choose(b, page, label):
    form = bro.chooser_of(page)
    if not check(page.status == 200 and form is not None and "csrf" in form["fields"],
                 "the chooser has a POST form with a csrf field and choice buttons", page):
        return None
    labels = [" ".join(x["label"].split()) for x in form["buttons"] if x["name"] == "choice"]
    print("# offered: " + " | ".join(labels))
    picked = [x for x in form["buttons"] if x["name"] == "choice" and label in x["label"]]
    if not check(len(picked) == 1, "the chooser offers %s exactly once" % label, page):
        return None
    return bro.submit(b, page, form, {"choice": picked[0]["value"]})


def rp_login(b, rp, start, choice=None, form_post=False, client_id="rp-app"):
    """The whole login of b's person at mod_auth_openidc rp: returns (the request the RP sent
    to authorize, the OP's answer, the app's response) or None. choice: the chooser label to
    pick (None: no chooser expected)."""
    r = b.request(start)
    loc = r.location() or ""
    q = query_of(loc)
    if not check(r.status in (302, 303) and loc.startswith(A.op + "/mandaat/oidc/authorize?"),
                 "mod_auth_openidc sends a browser without a session to our oidc/authorize",
                 r):
        return None
    check(q.get("client_id") == client_id and q.get("response_type") == "code"
          and q.get("code_challenge_method") == "S256" and len(q.get("code_challenge", "")) == 43
          and q.get("state") and q.get("nonce") and q.get("redirect_uri") == rp +
          "/app/redirect_uri" and q.get("response_mode", "query") == (
              "form_post" if form_post else "query"),
          "its request: client %s, code, PKCE S256, state, nonce, redirect_uri %s"
          % (client_id, "(form_post)" if form_post else ""), q)
    r = b.request(loc)
    if not check(r.status == 303 and r.location() == A.op + "/mandaat/oidc/login"
                 and b.cookie("mandaat_oidc"),
                 "oidc/authorize parks the request (cookie mandaat_oidc) and sends the browser "
                 "to oidc/login", r):
        return None
    r = b.request(r.location())
    if choice is not None:
        if not check(r.status == 303 and (r.location() or "").startswith(
                A.op + "/mandaat/choose"), "oidc/login, after Basic, sends to the chooser", r):
            return None
        r = choose(b, b.request(r.location()), choice)
        if r is None:
            return None
        what = "choosing %s" % choice
    else:
        what = "oidc/login, with one capacity or a session, (no chooser)"
    answer = r
    redirect_uri = q["redirect_uri"]
    if form_post:
        forms = [f for f in r.forms() if f["method"] == "post"]
        f = forms[0] if forms else {"action": "", "fields": {}}
        csp = r.headers.get("Content-Security-Policy") or ""
        if not check(r.status == 200 and f["action"] == redirect_uri
                     and set(f["fields"]) == {"code", "state", "iss"}
                     and f["fields"]["state"] == q["state"] and f["fields"]["iss"] == issuer(),
                     "%s answers with a page posting code, state and iss to the RP's "
                     "redirect_uri (form_post)" % what, r):
            return None
        check('data-auto="1"' in r.body and "form-action" in csp and rp in csp
              and "client.example" not in csp,
              "the form_post page submits itself; its CSP form-action names the RP's origin",
              csp)
        r = b.request(redirect_uri, f["fields"])
    else:
        loc = r.location() or ""
        got = query_of(loc)
        if not check(r.status == 303 and loc.startswith(redirect_uri + "?") and got.get("code")
                     and got.get("state") == q["state"] and got.get("iss") == issuer(),
                     "%s sends the browser to the RP's redirect_uri with code, state and iss"
                     % what, r):
            return None
        r = b.request(loc)
    if not check(r.status in (302, 303) and r.location() == start,
                 "mod_auth_openidc redeems the code (token, userinfo), verifies the id_token "
                 "and sends the browser back to %s" % start, r):
        return None
    app = b.request(start)
    if not check(app.status == 200 and bro.headers_of(app) is not None,
                 "the app behind mod_auth_openidc answers", app):
        return None
    return q, answer, app


def claim(app, name):
    v = bro.header(bro.headers_of(app), "OIDC_CLAIM_" + name)
    return None if v in (None, "") else v


def jclaim(app, name):
    v = claim(app, name)
    try:
        return json.loads(v) if v else None
    except ValueError:
        return v


def hval(app, name):
    v = bro.header(bro.headers_of(app), name)
    return None if v in (None, "") else v


def app_tokens(app):
    """The id_token (payload and compact form), the userinfo JSON and the access token the
    RP passed to the app."""
    idt = hval(app, "OIDC_id_token")
    payload = hval(app, "OIDC_id_token_payload")
    ui = hval(app, "OIDC_userinfo_json")
    return (idt, json.loads(payload) if payload else {}, json.loads(ui) if ui else {},
            hval(app, "OIDC_access_token"))


def show(app):
    print("# app saw: " + repr(sorted((k, v[:120]) for k, v in bro.headers_of(app)
                                      if k.upper().startswith("OIDC_CLAIM"))))


def check_login_kbo():
    section("login-kbo")
    b = Browser(JAN)
    start = A.rp + "/app/dossier?jaar=2024"
    got = rp_login(b, A.rp, start, choice="Vastgoed")
    if not got:
        return None
    q, answer, app = got
    show(app)
    rep = jclaim(app, "represents") or {}
    check(isinstance(rep, dict) and rep.get("type") == "organisation"
          and rep.get("id") == VASTGOED and rep.get("name") == "Janssens Vastgoed",
          "OIDC_CLAIM_represents: the chosen organisation Janssens Vastgoed %s" % VASTGOED, rep)
    check(claim(app, "basis") == "kbo" and claim(app, "vo_orgcode") == VASTGOED
          and claim(app, "wv_orgcode") == VASTGOED and claim(app, "vo_doelgroepcode") == "EA"
          and claim(app, "acr") == "loa:3" and claim(app, "via") is None,
          "OIDC_CLAIM_basis kbo, vo_orgcode and wv_orgcode %s, vo_doelgroepcode EA, acr loa:3"
          % VASTGOED, bro.headers_of(app))
    sub = claim(app, "sub")
    check(sub and len(sub) == 43 and JAN not in (sub or "") and claim(app, "rrn") is None
          and hval(app, "X-Remote-User") == sub,
          "sub (REMOTE_USER) is a pairwise subject of 43 characters, not the INSZ; no rrn", sub)
    idt, payload, ui, at = app_tokens(app)
    ad = payload.get("authorization_details") or []
    check(ad and ad[0].get("type") == "mandaat" and ad[0].get("locations") == ["wse-loket"]
          and "inzage" in (ad[0].get("actions") or []),
          "the id_token's authorization_details: type mandaat, locations [wse-loket], actions",
          ad)
    check(ui.get("represents", {}).get("id") == VASTGOED and "iss" not in ui
          and "nonce" not in ui and ui.get("sub") == sub,
          "mod_auth_openidc got the same party from userinfo (OIDC_userinfo_json), without "
          "iss/nonce", ui)
    h, c = jwt_parts(idt)
    first = JWKS.get("first") or {}
    check(h and h.get("alg") == "ES256" and h.get("typ") == "JWT"
          and h.get("kid") == first.get("kid"),
          "the id_token is ES256, typ JWT, with the kid of the first key", h)
    check(idt and es256_verifies(idt, first),
          "the id_token's signature verifies with the first JWKS key (openssl)", idt)
    bad = idt[:-6] + ("AAAAAA" if not idt.endswith("AAAAAA") else "BBBBBB") if idt else ""
    check(idt and not es256_verifies(bad, first),
          "control: a changed signature does not verify", bad)
    check(c and c.get("iss") == issuer() and c.get("aud") in ("rp-app", ["rp-app"])
          and c.get("azp") == "rp-app" and c.get("nonce") == q.get("nonce")
          and c.get("sid") and isinstance(c.get("auth_time"), int)
          and 0 < c.get("exp", 0) - c.get("iat", 0) <= 300,
          "id_token: iss, aud/azp rp-app, the RP's nonce, sid, auth_time, exp <= iat + 300", c)
    ah, ac = jwt_parts(at)
    check(ah and ah.get("typ") == "at+jwt" and ac.get("aud") == "wse-loket"
          and ac.get("client_id") == "rp-app" and ac.get("sub") == VASTGOED
          and ac.get("act", {}).get("sub") == sub and ac.get("jti")
          and "given_name" not in ac and "rrn" not in ac,
          "the access token (RFC 9068 at+jwt): aud wse-loket, sub the party, act.sub the "
          "person, no names", ac)
    return b, at, answer, sub


def check_login_mandate():
    section("login-mandate")
    b = Browser(PIET)
    start = A.rp + "/app/"
    got = rp_login(b, A.rp, start, choice="Bakkerij")
    if not got:
        return None
    _, _, app = got
    show(app)
    rep = jclaim(app, "represents") or {}
    via = jclaim(app, "via") or {}
    check(isinstance(rep, dict) and rep.get("id") == BAKKERIJ and isinstance(via, dict)
          and via.get("id") == CLAES and via.get("type") == "organisation",
          "represents Bakkerij Janssens %s via the firm %s" % (BAKKERIJ, CLAES), rep, via)
    check(claim(app, "basis") == "mandate" and (claim(app, "mandate_id") or "").isdigit()
          and claim(app, "ssm_mandaatgever") == BAKKERIJ and claim(app, "wv_orgcode") is None,
          "basis mandate, mandate_id, ssm_mandaatgever %s, no wv_orgcode" % BAKKERIJ,
          bro.headers_of(app))
    _, payload, _, _ = app_tokens(app)
    ad = (payload.get("authorization_details") or [{}])[0]
    check(ad.get("actions") == ["aangifte", "inzage"]
          and ad.get("identifier") == claim(app, "mandate_id")
          and payload.get("wse-loket_rol_3d") == ["aangifte:" + BAKKERIJ, "inzage:" + BAKKERIJ],
          "authorization_details actions [aangifte, inzage] of the mandate, roles "
          "<action>:<KBO>", payload)
    check(claim(app, "wse-loket_rol_3d") == "aangifte:%s,inzage:%s" % (BAKKERIJ, BAKKERIJ),
          "OIDC_CLAIM_wse-loket_rol_3d: the roles joined by ','", bro.headers_of(app))
    # mod_auth_openidc 2.4.12 passes no array of objects in a header or variable (it logs
    # "unhandled in-array JSON object type"): an application behind it reads
    # authorization_details from OIDC_id_token_payload or OIDC_userinfo_json.
    print("# OIDC_CLAIM_authorization_details as mod_auth_openidc passes it: %r"
          % (bro.header(bro.headers_of(app), "OIDC_CLAIM_authorization_details"),))
    return b, claim(app, "sub")


def check_login_single():
    section("login-single")
    b = Browser(AN)
    got = rp_login(b, A.rp, A.rp + "/app/zelf")
    if not got:
        return
    app = got[2]
    rep = jclaim(app, "represents") or {}
    sub = claim(app, "sub")
    check(claim(app, "basis") == "self" and isinstance(rep, dict) and rep.get("type") == "person"
          and rep.get("id") == sub and AN not in json.dumps(rep)
          and claim(app, "vo_doelgroepcode") == "BUR" and claim(app, "vo_orgcode") is None,
          "one capacity, auto-selected: basis self, represents the person by the pairwise "
          "subject (not the INSZ), doelgroepcode BUR", bro.headers_of(app))


def check_rp_iss():
    """mod_auth_openidc compares the response's iss (RFC 9207) with our issuer."""
    section("rp-iss")
    b = Browser(AN)
    start = A.rp + "/app/iss"
    r = b.request(start)
    r = b.request(r.location() or start)
    r = b.request(r.location() or start) if r.status == 303 else r
    loc = r.location() or ""
    q = query_of(loc)
    if not check(r.status == 303 and q.get("code") and q.get("iss") == issuer(),
                 "An's code for rp-app (auto-selected), with iss", r):
        return
    base, _, query = loc.partition("?")
    evil = base + "?" + urllib.parse.urlencode(
        [(k, "https://evil.example/mandaat/oidc" if k == "iss" else v)
         for k, v in urllib.parse.parse_qsl(query)])
    r2 = b.request(evil)
    app = b.request(start)
    print("# mod_auth_openidc on another iss: %d" % r2.status)
    with open(A.errorlog, errors="replace") as f:
        said = "does not match the issuer provided in the response" in f.read()
    # mod_auth_openidc 2.4.12 answers its error page with 200.
    check((r2.status >= 400 or "Error" in r2.body) and r2.status not in (301, 302, 303)
          and said and app.status in (302, 303)
          and (app.location() or "").startswith(A.op + "/mandaat/oidc/authorize?"),
          "mod_auth_openidc refuses the response when iss is not our issuer (an error page, "
          "the mismatch logged) and opens no session", r2, app)


def check_returning(b, sub):
    section("returning")
    b.drop_cookies("rp_")
    start = A.rp + "/app/again"
    got = rp_login(b, A.rp, start)
    if got:
        app = got[2]
        check((jclaim(app, "represents") or {}).get("id") == BAKKERIJ and claim(app, "sub") == sub,
              "a new RP session for the returning person: no chooser, the same party, the "
              "same sub", bro.headers_of(app))


def check_form_post(b):
    section("form-post")
    start = A.rpp + "/app/post?x=1"
    got = rp_login(b, A.rpp, start, form_post=True, client_id="rp-post")
    if got:
        app = got[2]
        check((jclaim(app, "represents") or {}).get("id") == BAKKERIJ
              and claim(app, "sub") == PIET and claim(app, "rrn") == PIET,
              "rp-post (public subjects, rrn) gets Piet's session for wse-loket without a "
              "chooser: the same party, sub and rrn = the INSZ", bro.headers_of(app))


# ---- prompt, cancel ----

def check_prompt(piet_rp_sub):
    section("prompt")
    url, q = authorize_url("direct-app", DIRECT_CB, prompt="none")
    r = Browser(JAN).request(url)
    check(error_redirect(r, DIRECT_CB, "login_required", q["state"]),
          "prompt=none and nobody logged in: login_required to the redirect_uri with state "
          "and iss", r)
    url, q = authorize_url("direct-app", DIRECT_CB, prompt="none")
    r = Browser(JAN, sso=True).request(url)
    check(error_redirect(r, DIRECT_CB, "interaction_required", q["state"]),
          "prompt=none, Jan logged in but with a choice to make: interaction_required", r)
    url, q = authorize_url("direct-app", DIRECT_CB, prompt="none", response_mode="form_post")
    r = Browser(JAN, sso=True).request(url)
    f = [x for x in r.forms() if x["method"] == "post"]
    check(r.status == 200 and f and f[0]["action"] == DIRECT_CB
          and f[0]["fields"].get("error") == "interaction_required"
          and f[0]["fields"].get("state") == q["state"] and "code" not in f[0]["fields"],
          "the same by form_post: a page posting error interaction_required and state", r)
    b = Browser(AN, sso=True)
    code = get_code(b, "direct-app", DIRECT_CB, prompt="none")
    check(code, "prompt=none, An logged in with one capacity: a code at once")
    url, q = authorize_url("direct-app", DIRECT_CB, acr_values="loa:4")
    r = b.request(url)
    check(error_redirect(r, DIRECT_CB, "access_denied", q["state"]),
          "acr_values loa:4 above the login's level 3: access_denied", r)
    for what, params in (("prompt=login", {"prompt": "login"}),
                         ("max_age=0", {"max_age": "0"}),
                         ("prompt=select_account", {"prompt": "select_account"})):
        bj = Browser(PIET, sso=True)
        r = bj.request(authorize_url("direct-app", DIRECT_CB)[0])
        if r.status == 303 and (r.location() or "").startswith(A.op + "/mandaat/choose"):
            r = choose(bj, bj.request(r.location()), "Bakkerij")
        if not check(r is not None and r.status == 303 and "code=" in (r.location() or ""),
                     "Piet chooses Bakkerij for direct-app (a session)", r):
            continue
        if what == "prompt=login":
            t = rjson(token(query_of(r.location())["code"], DIRECT_CB)) or {}
            sub = (jwt_parts(t.get("id_token"))[1] or {}).get("sub")
            check(sub and len(sub) == 43 and piet_rp_sub and sub != piet_rp_sub
                  and sub != PIET,
                  "pairwise subjects: Piet's sub at direct-app is not his sub at rp-app", sub,
                  piet_rp_sub)
        r = bj.request(authorize_url("direct-app", DIRECT_CB)[0])
        code_again = r.status == 303 and "code=" in (r.location() or "")
        r = bj.request(authorize_url("direct-app", DIRECT_CB, **params)[0])
        check(code_again and r.status == 303 and (r.location() or "").startswith(
            A.op + "/mandaat/choose"),
            "with a session a new request gets a code at once, with %s the chooser again"
            % what, r)


def check_cancel():
    section("cancel")
    b = Browser(JAN)
    url, q = authorize_url("direct-app", DIRECT_CB, nonce="n-1")
    r = b.request(url)
    hops = 0
    while r.status == 303 and (r.location() or "").startswith(A.op) and hops < 4:
        r = b.request(r.location())
        hops += 1
    cancel = [f for f in r.forms() if f["action"].endswith("/mandaat/cancel")]
    if not check(bro.chooser_of(r) is not None and cancel and "csrf" in cancel[0]["fields"],
                 "Jan (parked, then oidc/login) gets the chooser with a cancel form", r):
        return
    r2 = bro.submit(b, r, cancel[0])
    check(error_redirect(r2, DIRECT_CB, "access_denied", q["state"]),
          "cancel: access_denied to the redirect_uri with state and iss", r2)


# ---- hostile authorization requests ----

def check_redirect_uri():
    section("redirect-uri")
    b = Browser(AN, sso=True)
    variants = [
        ("a trailing slash", DIRECT_CB + "/"),
        ("another case in the host", "https://Client.example/cb"),
        ("another case in the path", "https://client.example/CB"),
        ("another case in the scheme", "HTTPS://client.example/cb"),
        ("an extra query", DIRECT_CB + "?x=1"),
        ("an extra parameter after the registered query", DIRECT_CB2 + "&x=1"),
        ("a fragment", DIRECT_CB + "#f"),
        ("an empty fragment", DIRECT_CB + "#"),
        ("userinfo", "https://user@client.example/cb"),
        ("userinfo naming the registered host", "https://client.example@evil.example/cb"),
        ("a percent-encoded character", "https://client.example/%63b"),
        ("the explicit default port", "https://client.example:443/cb"),
        ("http instead of https", "http://client.example/cb"),
        ("the URI encoded twice", urllib.parse.quote(DIRECT_CB, safe="")),
        ("another client's redirect_uri", A.rp + "/app/redirect_uri"),
        ("a path below it", DIRECT_CB + "/../cb"),
    ]
    for what, uri in variants:
        r = b.request(authorize_url("direct-app", uri)[0])
        check(error_page(r), "redirect_uri with %s: a 400 error page, no redirect" % what, r)
    url = authorize_url("direct-app", DIRECT_CB)[0].replace(
        "redirect_uri=" + urllib.parse.quote(DIRECT_CB, safe=""), "x=1")
    check(error_page(b.request(url)), "no redirect_uri: a 400 error page")
    r = b.request(authorize_url("nobody-app", DIRECT_CB)[0])
    check(error_page(r), "an unknown client_id: a 400 error page, no redirect", r)
    r = b.request(authorize_url("Direct-app", DIRECT_CB)[0])
    check(error_page(r), "client_id in another case: a 400 error page", r)
    r = b.request(A.op + "/mandaat/oidc/authorize", form=authorize_url(
        "direct-app", DIRECT_CB + "/")[1])
    check(error_page(r), "by POST, a redirect_uri with a trailing slash: a 400 error page", r)
    code = get_code(b, "direct-app", DIRECT_CB2)
    r = b.request(authorize_url("direct-app", DIRECT_CB2)[0])
    check(code and (r.location() or "").startswith(DIRECT_CB2 + "&code="),
          "control: the registered URI with a query gets the code appended with '&'", r)
    # Refusals after the client is vetted go back, by the response mode asked for.
    url, q = authorize_url("direct-app", DIRECT_CB, response_type="token")
    check(error_redirect(b.request(url), DIRECT_CB, "unsupported_response_type", q["state"]),
          "response_type token: unsupported_response_type to the redirect_uri")
    url, q = authorize_url("direct-app", DIRECT_CB, request="eyJhbGciOiJub25lIn0.e30.")
    check(error_redirect(b.request(url), DIRECT_CB, "request_not_supported", q["state"]),
          "a request object: request_not_supported")
    url, q = authorize_url("direct-app", DIRECT_CB, scope="openid admin")
    check(error_redirect(b.request(url), DIRECT_CB, "invalid_scope", q["state"]),
          "a scope the client may not ask for: invalid_scope")


def check_params():
    section("parameters")
    b = Browser(AN, sso=True)
    url = authorize_url("direct-app", DIRECT_CB, state="a")[0]
    for what, extra in (("state twice", "&state=b"), ("state and %73tate", "&%73tate=b"),
                        ("client_id twice", "&client_id=direct-app"),
                        ("an empty second state", "&state=")):
        check(error_page(b.request(url + extra)),
              "authorize with %s: a 400 error page, no redirect" % what)
    for what, extra in (("a malformed escape", "&x=%zz"), ("%00", "&nonce=a%00b"),
                        ("a control character", "&nonce=a%0Ab"),
                        ("bytes that are not UTF-8", "&nonce=%C0%AF")):
        check(error_page(b.request(url + extra)), "authorize with %s: a 400 error page" % what)
    r = b.request(url + "&nonce=" + "n" * 5120)
    check(error_page(r), "authorize with a value of 5 KiB: a 400 error page, no redirect", r)
    form = dict(authorize_url("direct-app", DIRECT_CB)[1])
    form.update({"pad%d" % i: "p" * 3000 for i in range(6)})
    r = b.request(A.op + "/mandaat/oidc/authorize", form=form)
    check(r.status in (400, 413) and not r.headers.get("Location"),
          "authorize by POST with a form over 16 KiB (values under 4 KiB): refused (%d), no "
          "redirect" % r.status, r)

    code = get_code(b, "direct-app", DIRECT_CB)
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": DIRECT_CB})
    h = basic("direct-app", CLIENTS["direct-app"]["client_secret"])
    r = backchannel(A.op + "/mandaat/oidc/token", raw=(body + "&code=x").encode(), headers=h)
    check(token_error(r, 400, "invalid_request"),
          "token with code twice: 400 invalid_request (JSON, no-store)", r)
    r = backchannel(A.op + "/mandaat/oidc/token", raw=(body + "&%67rant_type=x").encode(),
                    headers=h)
    check(token_error(r, 400, "invalid_request"), "token with grant_type and %67rant_type: 400",
          r)
    r = backchannel(A.op + "/mandaat/oidc/token", raw=(body + "&pad=" + "p" * 5120).encode(),
                    headers=h)
    check(token_error(r, 400, "invalid_request"), "token with a value of 5 KiB: 400", r)
    big = body + "".join("&pad%d=%s" % (i, "p" * 3000) for i in range(6))
    r = backchannel(A.op + "/mandaat/oidc/token", raw=big.encode(), headers=h)
    check(token_error(r, r.status, "invalid_request") and r.status in (400, 413),
          "token with a body over 16 KiB: refused (%d invalid_request)" % r.status, r)
    r = backchannel(A.op + "/mandaat/oidc/token?" + body, headers=h, method="GET")
    check(r.status == 405 and (rjson(r) or {}).get("error") == "invalid_request",
          "token by GET: 405", r)
    r = backchannel(A.op + "/mandaat/oidc/token", raw=json.dumps(
        {"grant_type": "authorization_code", "code": code}).encode(), headers=h,
        ctype="application/json")
    check(token_error(r, 400, "invalid_request"), "token with a JSON body: 400 invalid_request",
          r)
    r = backchannel(A.op + "/mandaat/oidc/token?code=" + code, raw=body.encode(), headers=h)
    check(token_error(r, 400, "invalid_request"), "token with parameters in the URL: 400", r)
    r = token(code, DIRECT_CB, extra={"grant_type": "password"})
    check(token_error(r, 400, "unsupported_grant_type"), "grant_type password: "
          "unsupported_grant_type", r)
    # None of these took the code: it still works.
    r = token(code, DIRECT_CB)
    check(tokens_ok(r), "control: the code the refused requests carried is still good", r)


# ---- the token endpoint ----

def check_token():
    section("token")
    b = Browser(AN, sso=True)
    code = get_code(b, "direct-app", DIRECT_CB)
    r = token(code, DIRECT_CB)
    j = rjson(r) or {}
    if not check(tokens_ok(r) and 0 < j.get("expires_in", 0) <= 300
                 and j.get("scope") == "openid mandaat",
                 "a code redeemed by client_secret_basic: 200 with Bearer access_token, id_token, "
                 "expires_in, scope; Cache-Control no-store, Pragma no-cache", r):
        return
    at = j["access_token"]
    u = userinfo(at)
    check(u.status == 200 and ctype(u) == "application/json" and "no-store" in (
        u.headers.get("Cache-Control") or "") and (rjson(u) or {}).get("basis") == "self",
        "userinfo with its access token: 200 JSON, no-store, basis self", u)
    u2 = userinfo(at, method="POST", raw=b"", ctype="application/x-www-form-urlencoded")
    check(u2.status == 200, "userinfo by POST with the Authorization header: 200", u2)
    r2 = token(code, DIRECT_CB)
    check(token_error(r2, 400, "invalid_grant"),
          "the same code a second time: 400 invalid_grant", r2)
    u = userinfo(at)
    check(u.status == 401 and "invalid_token" in (u.headers.get("WWW-Authenticate") or ""),
          "after the replay, the access token of the first redemption is revoked at userinfo "
          "(401 invalid_token)", u)

    code = get_code(b, "direct-app", DIRECT_CB)
    r = token(code, DIRECT_CB, secret=CLIENTS["direct-app"]["client_secret"] + "x")
    check(token_error(r, 401, "invalid_client")
          and 'Basic realm="mandaat"' in (r.headers.get("WWW-Authenticate") or ""),
          "a wrong secret by Basic: 401 invalid_client with WWW-Authenticate Basic", r)
    r = token(code, DIRECT_CB, secret=CLIENTS["rp-app"]["client_secret"])
    check(token_error(r, 401, "invalid_client"), "another client's secret: 401 invalid_client",
          r)
    r = token(code, DIRECT_CB, client_id="nobody-app", secret="x" * 40)
    check(token_error(r, 401, "invalid_client"), "an unknown client: 401 invalid_client", r)
    r = token(code, DIRECT_CB, auth="post")
    check(token_error(r, 401, "invalid_client") and not r.headers.get("WWW-Authenticate"),
          "the right secret by client_secret_post for a client_secret_basic client: 401, "
          "no Basic challenge", r)
    r = token(code, DIRECT_CB, headers=basic("direct-app", CLIENTS["direct-app"]
                                             ["client_secret"]), auth="post")
    check(token_error(r, 401, "invalid_client") or token_error(r, 400, "invalid_request"),
          "Basic and client_secret at once: refused", r)
    r = token(code, DIRECT_CB)
    check(tokens_ok(r), "control: the code is still good after refused client "
          "authentications", r)

    code = get_code(b, "direct-app", DIRECT_CB)
    r = token(code, A.rp + "/app/redirect_uri", client_id="rp-app")
    check(token_error(r, 400, "invalid_grant"),
          "direct-app's code redeemed by rp-app (its own secret): invalid_grant", r)
    check(token_error(token(code, DIRECT_CB), 400, "invalid_grant"),
          "... and it is gone for direct-app too (single use)")
    for what, uri in (("with a trailing slash", DIRECT_CB + "/"), ("absent", None),
                      ("the other registered one", DIRECT_CB2)):
        code = get_code(b, "direct-app", DIRECT_CB)
        check(token_error(token(code, uri), 400, "invalid_grant"),
              "redirect_uri at token %s: invalid_grant" % what)
    code = get_code(b, "direct-app", DIRECT_CB)
    check(token_error(token(code + "x", DIRECT_CB), 400, "invalid_grant"),
          "a code that was never issued: invalid_grant")
    if os.environ.get("MANDAAT_TEST_SLOW"):
        print("# waiting 61 s for a code to expire")
        time.sleep(61)
        check(token_error(token(code, DIRECT_CB), 400, "invalid_grant"),
              "a code redeemed after 61 s: invalid_grant (expired)")
    else:
        print("# not run: the expiry of a code (a wait of 61 s; MANDAAT_TEST_SLOW=1 runs it; "
              "tests/unit/test_oidc_token.c test_code_check covers it)")


def check_pkce():
    section("pkce")
    b = Browser(AN, sso=True)
    url, q = authorize_url("public-app", PUBLIC_CB)
    check(error_redirect(b.request(url), PUBLIC_CB, "invalid_request", q["state"]),
          "a public client without code_challenge: invalid_request to the redirect_uri")
    verifier, challenge = pkce()
    url, q = authorize_url("public-app", PUBLIC_CB, code_challenge=verifier,
                           code_challenge_method="plain")
    check(error_redirect(b.request(url), PUBLIC_CB, "invalid_request", q["state"]),
          "code_challenge_method plain: invalid_request")
    url, q = authorize_url("public-app", PUBLIC_CB, code_challenge=challenge)
    check(error_redirect(b.request(url), PUBLIC_CB, "invalid_request", q["state"]),
          "a code_challenge without method (plain by default): invalid_request")
    url, q = authorize_url("public-app", PUBLIC_CB, code_challenge="short",
                           code_challenge_method="S256")
    check(error_redirect(b.request(url), PUBLIC_CB, "invalid_request", q["state"]),
          "a code_challenge that is not 43 base64url characters: invalid_request")
    for what, v in (("a wrong code_verifier", pkce()[0]), ("no code_verifier", None),
                    ("the challenge itself as verifier (plain)", challenge)):
        code = get_code(b, "public-app", PUBLIC_CB, challenge)
        r = token(code, PUBLIC_CB, client_id="public-app", auth="none", verifier=v)
        check(token_error(r, 400, "invalid_grant"), "public client, %s: invalid_grant" % what,
              r)
    code = get_code(b, "public-app", PUBLIC_CB, challenge)
    r = token(code, PUBLIC_CB, client_id="public-app", auth="none", verifier=verifier)
    check(tokens_ok(r), "public client with the right code_verifier: tokens", r)
    code = get_code(b, "direct-app", DIRECT_CB, challenge)
    check(token_error(token(code, DIRECT_CB), 400, "invalid_grant"),
          "a confidential client's code with a challenge, redeemed without verifier: "
          "invalid_grant")
    code = get_code(b, "direct-app", DIRECT_CB)
    check(token_error(token(code, DIRECT_CB, verifier=verifier), 400, "invalid_grant"),
          "a code issued without challenge, redeemed with a verifier (downgrade): "
          "invalid_grant")
    code = get_code(b, "public-app", PUBLIC_CB, challenge)
    r = token(code, PUBLIC_CB, client_id="public-app", auth="post", secret="x" * 40,
              verifier=verifier)
    check(token_error(r, 401, "invalid_client"),
          "a public client sending a client_secret: invalid_client", r)


def check_jwt():
    section("private-key-jwt")
    b = Browser(AN, sso=True)
    good = assertion()
    code = get_code(b, "jwt-app", JWT_CB)
    r = token(code, JWT_CB, client_id="jwt-app", auth=good)
    check(tokens_ok(r), "jwt-app with an RS256 client assertion (openssl): tokens", r)
    code = get_code(b, "jwt-app", JWT_CB)
    r = token(code, JWT_CB, client_id="jwt-app", auth=good)
    check(token_error(r, 401, "invalid_client"),
          "the same assertion again (its jti used): 401 invalid_client", r)
    now = int(time.time())
    base = {"iss": "jwt-app", "sub": "jwt-app", "aud": A.op + "/mandaat/oidc/token",
            "iat": now, "exp": now + 60}
    cases = [
        ("alg none", sign_jws({"typ": "JWT"}, dict(base, jti=b64url(os.urandom(9))),
                              alg="none")),
        ("alg none with the signature of a good one",
         ".".join(sign_jws({"typ": "JWT"}, dict(base, jti="x1"), alg="none").split(".")[:2])
         + "." + assertion().split(".")[2]),
        ("HS256 keyed with the RSA modulus", sign_jws(
            {"kid": "jwt-1"}, dict(base, jti=b64url(os.urandom(9))), alg="HS256",
            hmac_key=b64url_decode(rsa_jwk(A.jwt_key, "jwt-1")["n"]))),
        ("HS256 keyed with a client secret", sign_jws(
            {"kid": "jwt-1"}, dict(base, jti=b64url(os.urandom(9))), alg="HS256",
            hmac_key=CLIENTS["direct-app"]["client_secret"].encode())),
        ("RS256 by another key", assertion(key=A.other_key)),
        ("another audience", assertion(aud="https://other.example/token")),
        ("an expired exp", assertion(exp=now - 120, iat=now - 180)),
        ("no jti", assertion(jti=None)),
        ("iss of another client", assertion(iss="direct-app")),
    ]
    for what, a in cases:
        code = get_code(b, "jwt-app", JWT_CB)
        r = token(code, JWT_CB, client_id="jwt-app", auth=a)
        check(token_error(r, 401, "invalid_client"),
              "a client assertion with %s: 401 invalid_client" % what, r)
    code = get_code(b, "jwt-app", JWT_CB)
    r = token(code, JWT_CB, client_id="jwt-app", auth=assertion(),
              extra={"client_assertion_type": "urn:example:other"})
    check(token_error(r, 401, "invalid_client") or token_error(r, 400, "invalid_request"),
          "another client_assertion_type: refused", r)
    r = token(code, JWT_CB, client_id="jwt-app", auth="basic", secret="x" * 40)
    check(token_error(r, 401, "invalid_client"), "jwt-app by a Basic secret: invalid_client",
          r)
    r = token(code, JWT_CB, client_id="jwt-app", auth=assertion(aud=issuer()))
    check(tokens_ok(r), "control: an assertion with the issuer as audience is accepted, and "
          "the code survived the refused attempts", r)


def check_userinfo(rp_access_token):
    section("userinfo")
    r = userinfo(None)
    wa = r.headers.get("WWW-Authenticate") or ""
    check(r.status == 401 and wa.startswith("Bearer") and "error=" not in wa,
          "userinfo without a token: 401, WWW-Authenticate Bearer without error", r)
    for what, tok in (("garbage", "not-a-token"), ("a JWS of three garbage parts", "a.b.c")):
        r = userinfo(tok)
        check(r.status == 401 and 'error="invalid_token"' in (
            r.headers.get("WWW-Authenticate") or ""),
            "userinfo with %s: 401 invalid_token" % what, r)
    r = userinfo(None, headers=basic("direct-app", CLIENTS["direct-app"]["client_secret"]))
    check(r.status == 401 and (r.headers.get("WWW-Authenticate") or "").startswith("Bearer"),
          "userinfo with Basic credentials: 401 Bearer", r)
    if not rp_access_token:
        check(False, "an access token from the RP login for the userinfo checks")
        return
    r = userinfo(rp_access_token)
    check(r.status == 200 and (rjson(r) or {}).get("represents", {}).get("id") == VASTGOED,
          "control: the access token mod_auth_openidc got for Jan: 200, represents %s"
          % VASTGOED, r)
    h, c, s = rp_access_token.split(".")
    flipped = h + "." + c + "." + ("A" if s[0] != "A" else "B") + s[1:]
    r = userinfo(flipped)
    check(r.status == 401 and "invalid_token" in (r.headers.get("WWW-Authenticate") or ""),
          "userinfo with the access token's signature changed: 401 invalid_token", r)
    ch = json.loads(b64url_decode(c))
    ch["sub"] = BAKKERIJ
    forged = h + "." + b64url(json.dumps(ch).encode()) + "." + s
    r = userinfo(forged)
    check(r.status == 401, "userinfo with the access token's claims changed: 401", r)
    r = backchannel(A.op + "/mandaat/oidc/userinfo?access_token=" + rp_access_token)
    check(r.status in (400, 401) and r.status != 200,
          "the access token in the query: refused (%d)" % r.status, r)
    r = backchannel(A.op + "/mandaat/oidc/userinfo", form={"access_token": rp_access_token})
    check(r.status in (400, 401), "the access token in a form body: refused (%d)" % r.status, r)


def check_rp_code_replay(answer, rp_access_token):
    """The code mod_auth_openidc redeemed, presented again by someone holding rp-app's
    secret: refused, and the access token the RP holds is revoked."""
    section("replay")
    code = query_of(answer.location() if answer else "").get("code")
    if not check(code and rp_access_token, "the code of Jan's login at the RP is known"):
        return
    r = token(code, A.rp + "/app/redirect_uri", client_id="rp-app")
    check(token_error(r, 400, "invalid_grant"),
          "the code mod_auth_openidc redeemed, presented again: invalid_grant", r)
    r = userinfo(rp_access_token)
    check(r.status == 401 and "invalid_token" in (r.headers.get("WWW-Authenticate") or ""),
          "the access token mod_auth_openidc holds is then revoked (userinfo 401)", r)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "jwk":
        print(json.dumps(rsa_jwk(sys.argv[2], sys.argv[3])))
        return
    p = argparse.ArgumentParser()
    for o in ("--op", "--rp", "--rpp", "--cafile", "--clients", "--jwt-key", "--other-key",
              "--errorlog"):
        p.add_argument(o, required=True)
    vars(A).update(vars(p.parse_args()))
    for name in os.listdir(A.clients):
        if name.endswith(".json"):
            with open(os.path.join(A.clients, name)) as f:
                c = json.load(f)
            CLIENTS[c["client_id"]] = c
    check_discovery()
    kbo = check_login_kbo()
    mandate = check_login_mandate()
    check_login_single()
    check_rp_iss()
    if mandate:
        check_returning(*mandate)
        check_form_post(mandate[0])
    check_prompt(mandate[1] if mandate else None)
    check_cancel()
    check_redirect_uri()
    check_params()
    check_token()
    check_pkce()
    check_jwt()
    check_userinfo(kbo[1] if kbo else None)
    if kbo:
        check_rp_code_replay(kbo[2], kbo[1])
    with open(A.errorlog, errors="replace") as f:
        log = f.read()
    section("log")
    for ev in ("oidc_request_refused", "oidc_request_malformed", "oidc_code_replay",
               "oidc_assertion_replay"):
        check(ev in log, "the error log has the security event %s" % ev)
    sys.exit(1 if bro.failures else 0)


if __name__ == "__main__":
    main()
