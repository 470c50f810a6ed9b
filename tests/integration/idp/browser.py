#!/usr/bin/python3
"""The browser side of the SAML integration test (tests/integration/test_mellon.sh): a cookie
jar and forms, stdlib only. Every hop is made by hand (no automatic redirects) so that each
step of the chain app -> mod_auth_mellon -> test eID IdP -> mellon -> mod_mandaat -> chooser ->
app is checked on its own. Prints one "ok - ..." / "not ok - ..." line per check ("# ..." for
diagnostics); exits 1 when a check failed.

  browser.py mellon    SP_URL IDP_URL PERSON          (mellon alone: /whoami/ echoes MELLON_*)
  browser.py tampered  SP_URL IDP_URL PERSON          (a Response altered after signing)
  browser.py mandaat   SP_URL IDP_URL PERSON CHOOSE ACTOR PARTY
  browser.py forbidden SP_URL IDP_URL PERSON          (bad INSZ: a 403 page, no chooser)

PERSON is 'INSZ;Given;Surname;LoA', typed into the IdP's test login form.
"""

import base64
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib
from html.parser import HTMLParser

failures = 0
scenario = ""


def check(ok, what, *diag):
    global failures
    print("%s - %s: %s" % ("ok" if ok else "not ok", scenario, what))
    if not ok:
        failures += 1
        for d in diag:
            for line in str(d).splitlines()[:40]:
                print("#   " + line)
    return ok


class Forms(HTMLParser):
    """Every <form> of a page: action, method, fields (input name/value) and buttons (name,
    value, label)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.forms, self._button = [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method":
                               (a.get("method") or "get").lower(), "fields": {},
                               "buttons": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit",):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "button" or (tag == "input" and a.get("type") == "submit"):
            self._button = {"name": a.get("name"), "value": a.get("value") or "", "label": ""}
            self.forms[-1]["buttons"].append(self._button)
            if tag == "input":
                self._button["label"], self._button = a.get("value") or "", None

    def handle_endtag(self, tag):
        if tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["label"] += data


class Response:
    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.url = status, headers, url
        self.body = body.decode("utf-8", "replace")

    def location(self):
        loc = self.headers.get("Location")
        return urllib.parse.urljoin(self.url, loc) if loc else None

    def forms(self):
        return Forms(self.body).forms

    def __str__(self):
        return "%s %s\n%s\n%s" % (self.status, self.url, self.headers, self.body[:1500])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and requests that never follow redirects by themselves; extra headers go
    with every request (used to try to spoof the gateway's headers)."""

    def __init__(self, extra_headers=None):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())
        self.extra = extra_headers or {}

    def request(self, url, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, headers=dict(self.extra))
        try:
            with self.opener.open(req, timeout=20) as r:
                return Response(r.status, r.headers, r.read(), url)
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read(), url)

    def cookie(self, name):
        return [c for c in self.jar if c.name == name]


def submit(browser, page, form, extra=None):
    """Submit form of page (fields plus extra) by its method."""
    fields = dict(form["fields"])
    fields.update(extra or {})
    url = urllib.parse.urljoin(page.url, form["action"])
    if form["method"] == "post":
        return browser.request(url, fields)
    return browser.request(url + "?" + urllib.parse.urlencode(fields))


def to_idp(browser, sp, idp, start):
    """From the first request to a mellon-protected URL to the IdP's SSO URL mellon sends
    the browser to (or None)."""
    r = browser.request(start)
    loc = r.location() or ""
    if not check(r.status in (302, 303) and loc.startswith(sp + "/mellon/login?"),
                 "mellon sends a browser without a session to its login endpoint", r):
        return None
    r = browser.request(loc)
    loc = r.location() or ""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    if not check(r.status in (302, 303) and loc.startswith(idp + "/sso?")
                 and "SAMLRequest" in q and "Signature" in q and "SigAlg" in q,
                 "mellon sends the browser to the IdP with a signed AuthnRequest "
                 "(HTTP-Redirect binding)", r):
        return None
    req_xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode()
    check("AuthnRequest" in req_xml and sp + "/mellon/metadata" in req_xml,
          "the AuthnRequest names mellon's entity id", req_xml)
    return loc


def saml_login(browser, sp, idp, start, person, tamper=None):
    """From the first request to a mellon-protected URL to mellon's redirect after the
    Response: checks each SAML hop. Returns the response to the POST to mellon (or None)."""
    loc = to_idp(browser, sp, idp, start)
    if loc is None:
        return None
    login = browser.request(loc)
    forms = login.forms()
    if not check(login.status == 200 and forms and forms[0]["action"] == "/sso/login",
                 "the IdP verifies the request's signature and shows its test login form",
                 login):
        return None
    nrn, given, surname, loa = person.split(";")
    answer = submit(browser, login, forms[0], {"egovNRN": nrn, "givenName": given,
                                               "surname": surname, "loa": loa})
    forms = answer.forms()
    acs = sp + "/mellon/postResponse"
    if not check(answer.status == 200 and forms and forms[0]["action"] == acs
                 and forms[0]["method"] == "post" and "SAMLResponse" in forms[0]["fields"]
                 and "onload=\"document.forms[0].submit()\"" in answer.body,
                 "the IdP answers with an auto-submitting HTTP-POST form to mellon's "
                 "postResponse", answer):
        return None
    xml = base64.b64decode(forms[0]["fields"]["SAMLResponse"]).decode()
    check(re.search(r"<(\w+:)?Signature[ >]", xml) and "rsa-sha256" in xml
          and ">%s<" % nrn in xml and "urn:be:fedict:iam:fas:Level%s00" % loa in xml,
          "the Response is signed (RSA-SHA256) and carries egovNRN and the FAS "
          "AuthnContextClassRef", xml)
    fields = dict(forms[0]["fields"])
    if tamper:
        fields["SAMLResponse"] = base64.b64encode(tamper(xml).encode()).decode()
    return browser.request(acs, fields)


def headers_of(r):
    try:
        return json.loads(r.body)["headers"]
    except (ValueError, KeyError):
        return None


def header(hs, name):
    vals = [v for k, v in hs or [] if k.lower() == name.lower()]
    return vals[0] if len(vals) == 1 else vals or None


def scenario_mellon(sp, idp, person):
    b = Browser()
    start = sp + "/whoami/x?y=1"
    r = saml_login(b, sp, idp, start, person)
    if r is None:
        return
    if not check(r.status in (302, 303) and r.location() == start,
                 "mellon accepts the signed Response and sends the browser back to the "
                 "page it asked for", r):
        return
    check(b.cookie("mellon-cookie"), "mellon set its session cookie")
    r = b.request(start)
    hs = headers_of(r)
    nrn, given, surname, _ = person.split(";")
    check(r.status == 200 and header(hs, "X-Mellon-NRN") == nrn
          and header(hs, "X-Mellon-Given") == given
          and header(hs, "X-Mellon-Surname") == surname and header(hs, "X-Remote-User"),
          "the backend behind mellon sees MELLON_egovNRN, MELLON_givenName, "
          "MELLON_surname from the IdP's attributes", r)


def scenario_tampered(sp, idp, person):
    b = Browser()
    loc = to_idp(b, sp, idp, sp + "/whoami/")
    if loc is not None:
        url, _, query = loc.partition("?")
        q = urllib.parse.parse_qsl(query)
        # Another SP's (forged) request: same signature, other return address.
        q = [(k, v + "x" if k == "RelayState" else v) for k, v in q]
        r = b.request(url + "?" + urllib.parse.urlencode(q))
        check(r.status == 400 and "AuthnRequest refused" in r.body,
              "the IdP refuses an AuthnRequest whose signed query was altered", r)
    nrn = person.split(";")[0]
    other = "85073003328"

    def tamper(xml):
        return xml.replace(">%s<" % nrn, ">%s<" % other)

    r = saml_login(b, sp, idp, sp + "/whoami/", person, tamper)
    if r is None:
        return
    again = b.request(sp + "/whoami/")
    check(r.status >= 400 and again.status in (302, 303)
          and (again.location() or "").startswith(sp + "/mellon/login?"),
          "mellon refuses a Response whose egovNRN was changed after signing (%d) and "
          "opens no session" % r.status, r, again)


SPOOF = {"Mandaat-Actor": "SPOOF-1", "MANDAAT_ACTOR": "SPOOF-2", "mandaat_party": "SPOOF-3",
         "Mandaat-Party": "SPOOF-4", "Mandaat-JWT": "SPOOF-5"}


def chooser_of(r):
    """The chooser's form: the POST form whose buttons are named choice."""
    for f in r.forms():
        if f["method"] == "post" and any(b["name"] == "choice" for b in f["buttons"]):
            return f
    return None


def scenario_mandaat(sp, idp, person, choose, actor, party):
    b = Browser(SPOOF)
    start = sp + "/app/aangifte?jaar=2024"
    r = saml_login(b, sp, idp, start, person)
    if r is None:
        return
    if not check(r.status in (302, 303) and r.location() == start,
                 "mellon sends the browser back to the app after the IdP", r):
        return
    r = b.request(start)
    if not check(r.status == 303 and (r.location() or "").startswith(sp + "/mandaat/choose"),
                 "mod_mandaat sends the person logged in by mellon to the chooser", r):
        return
    check(b.cookie("mandaat_txn"), "the chooser's transaction cookie is set")
    page = b.request(r.location())
    form = chooser_of(page)
    if not check(page.status == 200 and form and "csrf" in form["fields"],
                 "the chooser page has a POST form with a csrf field and choice buttons",
                 page):
        return
    labels = [" ".join(x["label"].split()) for x in form["buttons"] if x["name"] == "choice"]
    print("# offered: " + " | ".join(labels))
    picked = [x for x in form["buttons"] if x["name"] == "choice" and choose in x["label"]]
    if not check(len(picked) == 1, "the chooser offers %s exactly once" % choose, page):
        return
    check(re.search(r"\bJan\b", page.body) is not None,
          "the chooser greets the person by the given name from SAML", page)
    done = submit(b, page, form, {"choice": picked[0]["value"]})
    if not check(done.status == 303 and done.location() == start,
                 "choosing %s sends the browser back to the page it asked for" % choose, done):
        return
    check(b.cookie("mandaat_session"), "the mandaat session cookie is set")
    r = b.request(start)
    hs = headers_of(r)
    check(r.status == 200 and hs is not None, "the app answers after the choice", r)
    if hs is None:
        return
    print("# backend saw: " + json.dumps([h for h in hs if "andaat" in h[0]]))
    check(header(hs, "Mandaat-Actor") == actor,
          "the app receives Mandaat-Actor = the normalised INSZ %s" % actor, r)
    check(header(hs, "Mandaat-Party") == party,
          "the app receives Mandaat-Party = %s (%s)" % (party, choose), r)
    check(header(hs, "Mandaat-Actor-Given-Name") == person.split(";")[1],
          "the app receives Mandaat-Actor-Given-Name from the SAML attribute", r)
    check(json.loads(r.body)["path"] == "/aangifte?jaar=2024",
          "the app receives the path and query the person asked for", r)
    spoofed = [h for h in hs if "SPOOF" in h[1]]
    check(not spoofed, "no spoofed Mandaat-Actor / MANDAAT_ACTOR / mandaat_party / "
          "Mandaat-Party / Mandaat-JWT request header reaches the backend", spoofed)
    r2 = b.request(sp + "/app/inzage")
    hs2 = headers_of(r2)
    check(r2.status == 200 and header(hs2, "Mandaat-Party") == party,
          "the next request goes straight through with the same capacity", r2)
    r3 = b.request(sp + "/inzage/dossier")
    check(r3.status == 200 and header(headers_of(r3), "Mandaat-Party") == party,
          "Require mandaat-action inzage lets the chosen capacity through behind mellon", r3)
    r4 = b.request(sp + "/zelf/")
    check(r4.status in (401, 403) and headers_of(r4) is None,
          "Require mandaat-party self refuses the capacity %s (%d) and the backend is not "
          "reached" % (choose, r4.status), r4)


def scenario_forbidden(sp, idp, person):
    b = Browser()
    start = sp + "/app/"
    r = saml_login(b, sp, idp, start, person)
    if r is None:
        return
    check(r.status in (302, 303) and r.location() == start,
          "mellon accepts the IdP's Response for a person with an invalid INSZ", r)
    hops = 0
    r = b.request(start)
    while r.status in (302, 303) and hops < 5 and (r.location() or "").startswith(sp):
        r = b.request(r.location())
        hops += 1
    check(r.status == 403 and chooser_of(r) is None and "<html" in r.body.lower(),
          "an invalid INSZ from the IdP gives a 403 error page, not a chooser", r)


def main():
    global scenario
    name, args = sys.argv[1], sys.argv[2:]
    scenario = name
    scenarios = {"mellon": scenario_mellon, "tampered": scenario_tampered,
                 "mandaat": scenario_mandaat, "forbidden": scenario_forbidden}
    scenarios[name](*args)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
