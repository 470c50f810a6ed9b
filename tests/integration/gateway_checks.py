#!/usr/bin/env python3
"""The browser side of tests/integration/test_gateway.sh: plays a person through the gateway
(chooser, choice, backend, switch, cancel, why, logout) and an attacker against it. Prints one
"ok - ..." or "not ok - ..." line per check; exits 1 if any failed."""
import argparse
import base64
import html.parser
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

ARGS = None
FAILED = []

AN, JAN, ELS, PIET, SOFIE = "85073003328", "72041512394", "68092221138", "90010134567", "95061228732"
BAKKERIJ, VASTGOED, GARAGE = "0412345614", "0523456738", "0745678986"


def check(cond, what, detail=""):
    if cond:
        print("ok - " + what)
    else:
        print("not ok - " + what)
        if detail:
            for line in str(detail)[:3000].splitlines():
                print("#   " + line)
        FAILED.append(what)
    return cond


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "%d %r\n%s" % (self.status, self.headers, self.body[:1500])


class Browser:
    """Cookies by name (the tests use one host), Basic credentials as the upstream login."""

    def __init__(self, user=None, base=None, lang="nl"):
        self.user = user
        self.base = base or ARGS.base
        self.cookies = {}
        self.lang = lang

    def request(self, method, path, body=None, headers=None, auth=True):
        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = {"Accept-Language": self.lang}
        if self.user and auth:
            h["Authorization"] = "Basic " + base64.b64encode((self.user + ":pw").encode()).decode()
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None and not isinstance(body, (bytes, str)):
            body = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in h.items():
            conn.putheader(k, v)
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
        conn.close()
        for sc in resp.all("Set-Cookie"):
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            if value == "" or "max-age=0" in sc.lower() or "expires=thu, 01 jan 1970" in sc.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, body=form, **kw)


class FormParser(html.parser.HTMLParser):
    """The chooser's hidden fields and choice buttons (value and text)."""

    def __init__(self):
        super().__init__()
        self.hidden = {}
        self.choices = []  # [value, text, attrs]
        self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.hidden[a.get("name")] = a.get("value")
        if tag == "button" and a.get("name") == "choice":
            self._in = [a.get("value"), "", a]
            self.choices.append(self._in)

    def handle_endtag(self, tag):
        if tag == "button":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in[1] += data


def parse_form(body):
    p = FormParser()
    p.feed(body)
    return p


def choice_for(form, text):
    for value, label, _ in form.choices:
        if text in " ".join(label.split()):
            return value
    return None


def backend_headers(resp):
    try:
        return {k.lower(): v for k, v in resp.json()["headers"]}
    except Exception:
        return {}


def log_has(path, text):
    time.sleep(0.2)
    with open(path, encoding="utf-8", errors="replace") as f:
        return text in f.read()


def ctl(*args):
    return subprocess.run([ARGS.ctl, "--store", ARGS.store] + list(args),
                          capture_output=True, text=True)


def login_to_chooser(b, path="/app/"):
    r = b.get(path)
    if r.status != 303:
        return r, None
    loc = r.header("Location")
    r = b.get(urllib.parse.urlsplit(loc).path)
    return r, parse_form(r.body) if r.status == 200 else None


def choose(b, form, text):
    value = choice_for(form, text)
    return b.post("/mandaat/choose", {"csrf": form.hidden.get("csrf"), "choice": value or ""})


# ---------------------------------------------------------------------------------------------

def test_citizen_auto_select():
    b = Browser(AN)
    r = b.get("/app/x?y=1")
    check(r.status == 200, "a citizen with one capacity goes straight to the app", r)
    h = backend_headers(r)
    check(h.get("mandaat-actor") == AN and h.get("mandaat-basis") == "self"
          and h.get("mandaat-party") == AN, "the backend receives actor, basis self and party", h)
    check(h.get("mandaat-doelgroepcode") == "BUR", "own name is doelgroep BUR", h)
    sc = " ".join(r.all("Set-Cookie"))
    check("mandaat_session=" in sc and "HttpOnly" in sc and "SameSite=Lax" in sc
          and "Path=/" in sc, "the session cookie is HttpOnly, SameSite=Lax, Path=/", sc)
    r2 = b.get("/app/again")
    check(r2.status == 200 and not r2.all("Set-Cookie") or r2.status == 200,
          "the session carries the next request", r2)
    check(log_has(ARGS.accesslog, "actor=%s party=%s basis=self event=chosen" % (AN, AN)),
          "the choice is in the access log through request notes")
    r = b.get("/pay/")
    check(r.status == 403, "Require mandaat-action betaling refuses own name (no-citizen action)", r)


def test_director_chooses(b):
    r, form = login_to_chooser(b)
    labels = " | ".join(c[1] for c in form.choices) if form else ""
    check(form is not None and len(form.choices) == 3 and "Bakkerij" in labels and "Vastgoed" in labels,
          "a director sees a chooser with two companies and own name", labels or r)
    if not form:
        return None
    check(r.header("Cache-Control") == "no-store", "the chooser is not cached", r.headers)
    csp = r.header("Content-Security-Policy") or ""
    check("frame-ancestors 'none'" in csp and "nonce-" in csp and r.header("X-Frame-Options") == "DENY",
          "the chooser forbids framing and has a nonce CSP", r.headers)
    m = re.search(r"nonce-([A-Za-z0-9_-]+)", csp)
    check(m and ('nonce="%s"' % m.group(1)) in r.body, "inline style/script carry the response's nonce")
    r = choose(b, form, "Bakkerij")
    check(r.status == 303 and r.header("Location") == "/app/", "the choice goes back to the app", r)
    check("mandaat_session" in b.cookies and "mandaat_txn" not in b.cookies,
          "the choice sets the session and clears the transaction", b.cookies)
    r = b.get("/app/")
    h = backend_headers(r)
    check(r.status == 200 and h.get("mandaat-party") == BAKKERIJ and h.get("mandaat-basis") == "kbo",
          "the backend receives the chosen company on basis kbo", h)
    return form


def test_jwt(resp_headers):
    jws = resp_headers.get("mandaat-jwt")
    if not check(jws and jws.count(".") == 2, "the backend receives a JWT header", resp_headers):
        return
    b = Browser()
    r = b.get("/mandaat/jwks", auth=False)
    keys = r.json().get("keys", []) if r.status == 200 else []
    hdr = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    check(hdr.get("alg") == "ES256" and any(k.get("kid") == hdr.get("kid") for k in keys),
          "the JWT is ES256 with a kid published at /mandaat/jwks", (hdr, keys))
    check(all("d" not in k for k in keys), "the JWKS holds no private key member", keys)
    claims = json.loads(base64.urlsafe_b64decode(jws.split(".")[1] + "=="))
    check(claims.get("sub") == JAN and claims.get("represents", {}).get("id") == BAKKERIJ
          and claims.get("exp", 0) > time.time(), "the JWT names person and represented party", claims)
    # Verify the signature with openssl: raw R||S to DER.
    head, payload, sig = jws.split(".")
    raw = base64.urlsafe_b64decode(sig + "==")

    def der_int(x):
        x = x.lstrip(b"\0") or b"\0"
        if x[0] & 0x80:
            x = b"\0" + x
        return b"\x02" + bytes([len(x)]) + x

    body = der_int(raw[:32]) + der_int(raw[32:])
    der = b"\x30" + bytes([len(body)]) + body
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "sig"), "wb").write(der)
        open(os.path.join(d, "data"), "wb").write((head + "." + payload).encode())
        v = subprocess.run(["openssl", "dgst", "-sha256", "-verify", ARGS.pubkey, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")], capture_output=True)
        check(v.returncode == 0, "the JWT signature verifies with the gateway's public key", v.stderr)
        open(os.path.join(d, "data"), "wb").write((head + "." + payload + "x").encode())
        v = subprocess.run(["openssl", "dgst", "-sha256", "-verify", ARGS.pubkey, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")], capture_output=True)
        check(v.returncode != 0, "a changed JWT does not verify")


def test_director():
    b = Browser(JAN)
    form = test_director_chooses(b)
    if not form:
        return
    test_jwt(backend_headers(b.get("/app/")))
    # double submit: the same form again
    r = choose(b, form, "Vastgoed")
    check(r.status == 400 and "mandaat_session" in b.cookies, "a second submit of the form is refused", r)
    # Require mandaat-party inside RequireAll
    r = b.get("/bakery/")
    check(r.status == 200, "Require mandaat-party grants the chosen company", r)
    # switch to Vastgoed without a new login
    r = b.get("/mandaat/switch?return_to=/bakery/")
    check(r.status == 303 and r.header("Location") == "/mandaat/choose", "switch starts a new choice", r)
    r = b.get("/mandaat/choose")
    f2 = parse_form(r.body)
    r = choose(b, f2, "Vastgoed")
    check(r.status == 303 and r.header("Location") == "/bakery/", "switch returns where it was asked", r)
    r = b.get("/bakery/")
    check(r.status == 403, "Require mandaat-party refuses another company", r)
    h = backend_headers(b.get("/app/"))
    check(h.get("mandaat-party") == VASTGOED, "after switching the backend sees the other company", h)
    # login_hint pre-selects, only within the offer
    hint = base64.urlsafe_b64encode(json.dumps({"cap_hint": "EA", "code_hint": BAKKERIJ}).encode()).decode()
    b.get("/mandaat/switch?return_to=/app/&login_hint=" + hint)
    r = b.get("/mandaat/choose")
    f3 = parse_form(r.body)
    first = f3.choices[0] if f3.choices else [None, "", {}]
    check("Bakkerij" in first[1] and "autofocus" in first[2], "login_hint puts its party first, focused",
          f3.choices)
    # cancel the switch: the old session stays
    r = b.post("/mandaat/cancel", {"csrf": f3.hidden.get("csrf")})
    check(r.status == 200 and "mandaat_txn" not in b.cookies, "cancel ends the transaction", r)
    h = backend_headers(b.get("/app/"))
    check(h.get("mandaat-party") == VASTGOED, "after a cancelled switch the old session stays", h)
    # recent choice first
    b.get("/mandaat/switch?return_to=/app/")
    f4 = parse_form(b.get("/mandaat/choose").body)
    check(f4.choices and "Vastgoed" in f4.choices[0][1], "the most recent choice is listed first",
          [c[1] for c in f4.choices])
    # logout
    r = b.get("/mandaat/logout")
    check(r.status == 200 and "mandaat_session" not in b.cookies, "logout ends the session", r)
    r = b.get("/app/")
    check(r.status == 303, "after logout the chooser comes again", r)


def test_attacks():
    b = Browser(JAN)
    r, form = login_to_chooser(b)
    if not form:
        check(False, "attack tests need a chooser", r)
        return
    value = choice_for(form, "Bakkerij")
    r = b.post("/mandaat/choose", {"csrf": "x" * 43, "choice": value})
    check(r.status == 403, "a wrong CSRF token is refused", r)
    check(log_has(ARGS.errorlog, "security event=bad_csrf client=127.0.0.1"),
          "a wrong CSRF token is logged as a security event")
    forged = "kbo:" + VASTGOED + "." + value.split(".", 1)[1]
    r = b.post("/mandaat/choose", {"csrf": form.hidden["csrf"], "choice": forged})
    check(r.status == 403, "a choice outside the offer is refused", r)
    r = b.post("/mandaat/choose", {"csrf": form.hidden["csrf"], "choice": "mandate:1.AAAAAAAAAAAAAAAAAAAAAA"})
    check(r.status == 403 and log_has(ARGS.errorlog, "security event=choice_not_offered"),
          "a forged offer token is refused and logged")
    r = b.post("/mandaat/choose", "csrf=a&csrf=b&choice=c")
    check(r.status == 400, "a form with a field twice is refused")
    r = b.post("/mandaat/choose", {"csrf": form.hidden["csrf"], "choice": value},
               headers={"Content-Type": "text/plain"})
    check(r.status == 400, "a body that is not a form is refused", r)
    # another person's transaction cookie
    els = Browser(ELS)
    els.cookies = dict(b.cookies)
    r = els.get("/mandaat/choose")
    check(r.status == 400 and log_has(ARGS.errorlog, "security event=foreign_transaction"),
          "another person cannot use someone's transaction", r)
    # the original form still works after all this
    r = choose(b, form, "Bakkerij")
    check(r.status == 303, "the genuine choice still succeeds after the attempts", r)
    # spoofed headers, every spelling
    r = b.get("/app/", headers={"Mandaat-Actor": "00000000097", "MANDAAT_PARTY": "0000000097",
                                "mandaat_basis": "self", "X-Other": "kept"})
    h = backend_headers(r)
    check(h.get("mandaat-actor") == JAN and h.get("mandaat-party") == BAKKERIJ
          and h.get("mandaat-basis") == "kbo" and "mandaat_party" not in h
          and "mandaat_basis" not in h and h.get("x-other") == "kept",
          "spoofed Mandaat-*/MANDAAT_*/mandaat_* headers never reach the backend", h)
    check(log_has(ARGS.errorlog, "security event=spoofed_header"), "spoofed headers are logged")
    r = b.get("/app/", headers={"Mandaat-JWT": "forged.jwt.value"})
    check(backend_headers(r).get("mandaat-jwt", "").count(".") == 2
          and backend_headers(r).get("mandaat-jwt") != "forged.jwt.value",
          "a spoofed JWT header is replaced by the gateway's")
    # a stolen session cookie for another person
    els = Browser(ELS)
    els.cookies = {"mandaat_session": b.cookies.get("mandaat_session", "")}
    r = els.get("/app/")
    check(r.status == 303 or (r.status == 200 and backend_headers(r).get("mandaat-actor") == ELS),
          "a session is never used for another upstream person", r)


OPEN_REDIRECTS = ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/\r\nSet-Cookie:x=1",
                  "javascript:alert(1)", "%2F%2Fevil.example", "\\\\evil.example", "/\tevil"]


def test_open_redirect():
    b = Browser(JAN)
    r, form = login_to_chooser(b)
    if not form:
        check(False, "open-redirect tests need a chooser", r)
        return
    choose(b, form, "Bakkerij")
    bad = []
    for payload in OPEN_REDIRECTS:
        b.get("/mandaat/switch?return_to=" + urllib.parse.quote(payload, safe=""))
        f = parse_form(b.get("/mandaat/choose").body)
        r = choose(b, f, "Bakkerij")
        if r.status != 303 or r.header("Location") != "/":
            bad.append((payload, r.status, r.header("Location")))
    check(not bad, "switch never redirects outside the site (%d payloads)" % len(OPEN_REDIRECTS), bad)


def test_errors():
    r = Browser().get("/app/")
    check(r.status == 401, "no upstream login: 401 and no chooser", r)
    r = Browser().get("/open/")
    check(r.status == 401 and 'name="choice"' not in r.body,
          "a gateway location without authentication refuses (fail closed)", r)
    r = Browser("12345678901").get("/app/")
    check(r.status == 403 and 'name="choice"' not in r.body, "an invalid INSZ from upstream gets an error page", r)
    check(log_has(ARGS.errorlog, "is not a valid INSZ"), "an invalid INSZ is logged")
    r = Browser("12345678901").get("/custom/")
    check(r.status == 403 and "custom error invalid_insz" in r.body,
          "an operator's ErrorDocument sees MANDAAT_ERROR", r)
    b = Browser(JAN)
    r = b.get("/mandaat/choose?q=%3Cscript%3Ealert(1)%3C/script%3E")
    check(r.status == 400 and "<script>alert" not in r.body, "no transaction: an error page that reflects nothing", r)
    r = b.get("/mandaat/nope")
    check(r.status == 404, "an unknown endpoint is 404", r)
    r = b.request("DELETE", "/mandaat/choose")
    check(r.status == 405, "a wrong method is 405", r)
    b.cookies["mandaat_txn"] = "A" * 43
    r = b.get("/mandaat/choose")
    check(r.status == 400, "an unknown transaction handle is an expired-transaction page", r)


def test_search_and_markup():
    b = Browser(PIET)
    r, form = login_to_chooser(b)
    if not check(form is not None, "an accountant sees a chooser", r):
        return
    check("<script>alert(1)</script>" not in r.body and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.body,
          "a party name with markup is shown as text", r.body[:2000])
    r = b.get("/mandaat/choose?q=garage")
    f = parse_form(r.body)
    check(r.status == 200 and len(f.choices) == 1 and "Garage" in f.choices[0][1],
          "search narrows the chooser without JavaScript", [c[1] for c in f.choices])
    r = b.get("/mandaat/choose?q=%22%3E%3Cscript%3Ex")
    check('"><script>x' not in r.body, "the search text is escaped on the page")
    r = b.get("/mandaat/why")
    check(r.status == 200, "the why page opens", r)
    # revoked while the page is open
    form = parse_form(b.get("/mandaat/choose").body)
    mid = json.loads(ctl("mandate", "list", "--party", GARAGE, "--json").stdout)[-1]["id"]
    rv = ctl("mandate", "revoke", "--as", "61.03.03-155.87", str(mid))
    check(rv.returncode == 0, "the giver revokes the mandate", rv.stderr)
    r = choose(b, form, "Garage")
    check(r.status == 409, "a mandate revoked while the chooser was open is refused", r)
    r = choose(b, form, "Bakkerij")
    check(r.status == 303, "another choice from the same page still works", r)
    # a session ends when its mandate is revoked
    h = backend_headers(b.get("/app/"))
    check(h.get("mandaat-party") == BAKKERIJ and h.get("mandaat-via") == "0634567862",
          "a mandate through the firm names the firm as intermediary", h)
    mid = json.loads(ctl("mandate", "list", "--party", BAKKERIJ, "--json").stdout)[-1]["id"]
    rv = ctl("mandate", "revoke", "--as", JAN, str(mid))
    check(rv.returncode == 0, "the company revokes the firm's mandate", rv.stderr)
    r = b.get("/app/")
    check(r.status == 303, "the next request after revocation goes to the chooser", r)


def test_why_sofie():
    b = Browser(SOFIE)
    r, form = login_to_chooser(b, "/always/")
    r = b.get("/mandaat/why")
    check(r.status == 200 and "SSM Mandaatuitvoerder" in r.body,
          "the why page tells an employee which right is missing", r.body[-3000:])


def test_auto_select_off():
    b = Browser(AN)
    r = b.get("/always/")
    check(r.status == 303, "MandaatChooserAutoSelect Off shows the chooser even for one capacity", r)


def test_audit():
    out = ctl("audit", "list", "--json").stdout
    try:
        recs = [a for a in json.loads(out) if a.get("event") == "capacity.chosen"]
    except Exception:
        recs = []
    check(any(a.get("actor") == JAN and a.get("party") == BAKKERIJ and a.get("basis") == "kbo"
              and a.get("service") in ("wse-loket", None) and a.get("txn") or a.get("txn_id")
              for a in recs), "every choice is in the audit trail with its transaction", out[:2000])


def test_expiry():
    b = Browser(JAN, base=ARGS.short)
    r, form = login_to_chooser(b)
    if not check(form is not None, "a chooser on the host with 30 s transactions", r):
        return
    time.sleep(31)
    r = choose(b, form, "Bakkerij")
    check(r.status == 400 and "/app/" in r.body, "an expired transaction says so, with a way back", r)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    for a in ("base", "short", "dir", "ctl", "store", "errorlog", "accesslog", "pubkey"):
        ap.add_argument("--" + a, required=True)
    ARGS = ap.parse_args()
    for t in (test_citizen_auto_select, test_director, test_attacks, test_open_redirect, test_errors,
              test_search_and_markup, test_why_sofie, test_auto_select_off, test_audit,
              test_expiry):
        try:
            t()
        except Exception as e:  # a crash in one group must not hide the others
            check(False, "%s ran without an exception" % t.__name__, repr(e))
    print("# %d failed" % len(FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
