#!/usr/bin/python3
"""The browser side of tests/integration/test_saml.sh: mod_mandaat as the SAML IdP, real
mod_auth_mellon as the SP (two of them: SP sends its AuthnRequest by HTTP-Redirect, SPP by
HTTP-POST), Basic authentication as the person's upstream login. Every hop is made by hand
(idp/browser.py's Browser never follows a redirect) so that each step is checked. Besides the
logins: hostile AuthnRequests (some validly signed with the SP's key through openssl), tampered
Responses at mellon, cancel, IsPassive, single logout and the metadata. Prints one "ok - ..." /
"not ok - ..." line per check; exits 1 when one failed."""

import argparse
import base64
import os
import re
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "idp"))
import browser as bro  # noqa: E402  (the shared cookie jar, forms and responses)

A = None
AN, JAN, PIET = "85073003328", "72041512394", "90010134567"
BAKKERIJ, VASTGOED, CLAES = "0412345614", "0523456738", "0634567862"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
ATTR = "urn:be:vlaanderen:mandaat:attr:"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


SECTION = "saml"


def section(name):
    """Name the group of the checks that follow (the prefix of their lines)."""
    global SECTION
    SECTION = name


def check(ok, what, *diag):
    bro.scenario = SECTION
    return bro.check(ok, what, *diag)


class Browser(bro.Browser):
    """idp/browser.py's Browser that answers the IdP's Basic challenge as user (the stand-in
    for the eID login); the SPs never see the credentials."""

    def __init__(self, user=None):
        super().__init__()
        self.user = user
        tls = ssl.create_default_context(cafile=A.cafile)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), bro.NoRedirect(),
            urllib.request.HTTPSHandler(context=tls))

    def request(self, url, form=None, raw=None, ctype=None):
        idp = url.startswith(A.idp + "/")
        self.extra = {}
        if idp and self.user:
            self.extra["Authorization"] = "Basic " + base64.b64encode(
                (self.user + ":pw").encode()).decode()
        if raw is None:
            return super().request(url, form)
        req = urllib.request.Request(url, data=raw, headers=dict(
            self.extra, **{"Content-Type": ctype or "application/x-www-form-urlencoded"}))
        try:
            with self.opener.open(req, timeout=20) as r:
                return bro.Response(r.status, r.headers, r.read(), url)
        except urllib.error.HTTPError as e:
            return bro.Response(e.code, e.headers, e.read(), url)

    def drop_cookie(self, name):
        for c in list(self.jar):
            if c.name == name:
                self.jar.clear(c.domain, c.path, c.name)


def post_form(page, field="SAMLResponse"):
    """The form of page that posts field (the IdP's answer page, mellon's POST request)."""
    for f in page.forms():
        if f["method"] == "post" and field in f["fields"]:
            return f
    return None


def decode_response(form):
    return base64.b64decode(form["fields"]["SAMLResponse"]).decode()


def status_codes(xml):
    root = ET.fromstring(xml)
    return [e.get("Value") for e in root.iter("{%s}StatusCode" % SAMLP)]


def attributes(xml):
    """name -> [values] of every Attribute in the Response."""
    out = {}
    for a in ET.fromstring(xml).iter("{%s}Attribute" % SAML):
        out[a.get("Name")] = [v.text or "" for v in a.findall("{%s}AttributeValue" % SAML)]
    return out


def headers_of(r):
    return bro.headers_of(r)


def hdr(r, name):
    hs = headers_of(r)
    v = bro.header(hs, name)
    return None if v in (None, "(null)", "") else v


def refused(r):
    """An error page: 4xx, and nothing in it that could post to an SP."""
    return 400 <= r.status < 500 and "SAMLResponse" not in r.body and "<html" in r.body.lower()


# ---- the SP side ----

def sp_login_redirect(b, sp, start, passive=False):
    """GET start on a mellon SP -> mellon's login -> the SAML request it sends to the IdP.
    Returns the response of mellon's login endpoint (a 303 to saml/sso for HTTP-Redirect, a
    page with a POST form for HTTP-POST), or None."""
    r = b.request(start)
    loc = r.location() or ""
    if not check(r.status in (302, 303) and loc.startswith(sp + "/mellon/login?"),
                 "mellon sends a browser without a session to its login endpoint", r):
        return None
    if passive:
        loc += "&IsPassive=true"
    return b.request(loc)


def redirect_request(b, sp=None, start=None):
    """A fresh signed HTTP-Redirect AuthnRequest URL from mellon (SP), or None."""
    sp = sp or A.sp
    r = b.request("%s/mellon/login?ReturnTo=%s" % (sp, urllib.parse.quote(
        start or sp + "/app/", safe="")))
    loc = r.location() or ""
    if r.status in (302, 303) and loc.startswith(A.idp + "/mandaat/saml/sso?"):
        return loc
    check(False, "mellon gives a signed AuthnRequest for the IdP", r)
    return None


def query_of(url):
    return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)


def inflate(b64):
    return zlib.decompress(base64.b64decode(b64), -15).decode()


def deflate_b64(xml):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(xml.encode()) + c.flush()).decode()


def new_id(xml):
    """xml with a new request ID (a replay would be refused otherwise)."""
    return re.sub(r'\bID="[^"]*"', 'ID="_%s"' % uuid.uuid4().hex, xml, count=1)


def sign_redirect(xml, relay=None, alg=RSA_SHA256, digest="-sha256", key=None):
    """The query of an HTTP-Redirect message for xml, signed with the SP's key by openssl (the
    test holds mellon's key, so it can sign what mellon never would)."""
    q = "SAMLRequest=" + urllib.parse.quote(deflate_b64(xml), safe="")
    if relay is not None:
        q += "&RelayState=" + urllib.parse.quote(relay, safe="")
    q += "&SigAlg=" + urllib.parse.quote(alg, safe="")
    with tempfile.NamedTemporaryFile() as f:
        f.write(q.encode())
        f.flush()
        sig = subprocess.run(["openssl", "dgst", digest, "-sign", key or A.sp_key, f.name],
                             check=True, capture_output=True).stdout
    return q + "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")


def unsigned_redirect(xml):
    return "SAMLRequest=" + urllib.parse.quote(deflate_b64(xml), safe="")


def sso(b, query):
    return b.request(A.idp + "/mandaat/saml/sso?" + query)


def follow_idp(b, r, hops=6):
    """Follow the IdP's 303s (sso -> saml/login -> choose) to the first page."""
    while r.status in (302, 303) and hops > 0 and (r.location() or "").startswith(A.idp):
        r = b.request(r.location())
        hops -= 1
    return r


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


def answer_page(r, sp, what):
    """r must be the IdP's 200 page that posts a SAMLResponse to sp's ACS; returns its form."""
    form = post_form(r)
    ok = (r.status == 200 and form is not None and form["action"] == sp + "/mellon/postResponse"
          and "RelayState" in form["fields"])
    check(ok, what, r)
    return form if ok else None


def to_acs(b, form):
    return b.request(form["action"], form["fields"])


def login(b, sp, start, choice=None, post_binding=False, expect_chooser=None):
    """The whole SP-initiated login of b's user at sp; returns (answer form, app response) or
    None. choice: the chooser label to pick (None: no chooser expected)."""
    r = sp_login_redirect(b, sp, start)
    if r is None:
        return None
    if post_binding:
        f = post_form(r, "SAMLRequest")
        if not check(r.status == 200 and f and f["action"] == A.idp + "/mandaat/saml/sso"
                     and f["method"] == "post",
                     "mellon sends its AuthnRequest to saml/sso by HTTP-POST", r):
            return None
        xml = base64.b64decode(f["fields"]["SAMLRequest"]).decode()
        check(re.search(r"<(\w+:)?Signature[ >]", xml) and RSA_SHA256 in xml,
              "mellon's HTTP-POST AuthnRequest carries an XML signature (RSA-SHA256)", xml)
        r = b.request(f["action"], f["fields"])
    else:
        loc = r.location() or ""
        q = dict(query_of(loc))
        if not check(r.status in (302, 303) and loc.startswith(A.idp + "/mandaat/saml/sso?")
                     and "Signature" in q and q.get("SigAlg") == RSA_SHA256,
                     "mellon redirects to our saml/sso with a request signed RSA-SHA256 "
                     "(HTTP-Redirect)", r):
            return None
        r = b.request(loc)
    if not check(r.status == 303 and r.location() == A.idp + "/mandaat/saml/login"
                 and b.cookie("mandaat_saml"),
                 "saml/sso parks the request (cookie mandaat_saml) and sends the browser to "
                 "saml/login", r):
        return None
    r = b.request(r.location())
    if choice is not None:
        if not check(r.status == 303 and (r.location() or "").startswith(
                A.idp + "/mandaat/choose"), "saml/login, after Basic, sends to the chooser",
                r):
            return None
        page = b.request(r.location())
        r = choose(b, page, choice)
        if r is None:
            return None
        what = "choosing %s gives a 200 page posting SAMLResponse and RelayState to " \
               "mellon's ACS" % choice
    else:
        what = "saml/login answers at once with the page posting SAMLResponse to mellon's ACS " \
               "(no chooser)"
    form = answer_page(r, sp, what)
    if form is None:
        return None
    check('data-auto="1"' in r.body and "<script nonce=" in r.body
          and "form-action" in (r.headers.get("Content-Security-Policy") or ""),
          "the answer page submits itself by a nonce script and its CSP names form-action", r)
    acs = to_acs(b, form)
    if not check(acs.status in (302, 303) and acs.location() == start,
                 "mellon accepts the Response and sends the browser back to %s" % start, acs):
        return form, None
    return form, b.request(start)


# ---- the checks ----

def check_metadata():
    section("metadata")
    b = Browser()
    r = b.request(A.idp + "/mandaat/saml/metadata")
    if not check(r.status == 200 and (r.headers.get("Content-Type") or "").startswith(
            "application/samlmetadata+xml"),
            "saml/metadata answers 200 application/samlmetadata+xml without authentication",
            r):
        return
    root = ET.fromstring(r.body)
    idp = root.find("{%s}IDPSSODescriptor" % MD)
    sso = {e.get("Binding").rsplit(":", 1)[-1]: e.get("Location")
           for e in idp.findall("{%s}SingleSignOnService" % MD)} if idp is not None else {}
    slo = [e.get("Location") for e in idp.findall("{%s}SingleLogoutService" % MD)] \
        if idp is not None else []
    check(root.get("entityID") == A.idp + "/mandaat/saml/metadata",
          "the entityID is <MandaatPublicURL>/mandaat/saml/metadata", r.body)
    check(sso.get("HTTP-Redirect") == A.idp + "/mandaat/saml/sso"
          and sso.get("HTTP-POST") == A.idp + "/mandaat/saml/sso",
          "SingleSignOnService HTTP-Redirect and HTTP-POST at <MandaatPublicURL>/mandaat/saml/sso",
          sso)
    check(slo and all(u == A.idp + "/mandaat/saml/slo" for u in slo),
          "SingleLogoutService at <MandaatPublicURL>/mandaat/saml/slo", slo)
    check(idp is not None and idp.get("WantAuthnRequestsSigned") == "true",
          'IDPSSODescriptor WantAuthnRequestsSigned="true"', r.body)
    kd = [k for k in idp.findall("{%s}KeyDescriptor" % MD) if k.get("use") == "signing"] \
        if idp is not None else []
    check(kd and kd[0].find(".//{%s}X509Certificate" % DS) is not None,
          'KeyDescriptor use="signing" with the X509 certificate', r.body)
    r2 = b.request(A.idp + "/mandaat/saml/metadata", {"x": "1"})
    check(r2.status == 405, "saml/metadata refuses POST (405)", r2)


def check_login():
    section("login")
    b = Browser(PIET)
    start = A.sp + "/app/dossier?jaar=2024"
    got = login(b, A.sp, start, choice="Bakkerij")
    if not got or got[1] is None:
        return None
    form, r = got
    xml = decode_response(form)
    at = attributes(xml)
    print("# attributes: " + repr({k.replace(ATTR, "~"): v for k, v in at.items()}))
    check(re.search(r"<(\w+:)?Signature[ >]", xml) and RSA_SHA256 in xml
          and "urn:be:vlaanderen:mandaat:loa:3" in xml,
          "the Response's assertion is signed RSA-SHA256 and has AuthnContextClassRef "
          "urn:be:vlaanderen:mandaat:loa:3", xml)
    check(r.status == 200 and headers_of(r) is not None, "the app behind mellon answers", r)
    if headers_of(r) is None:
        return None
    print("# app saw: " + repr([h for h in headers_of(r) if h[0].startswith("X-")]))
    check(hdr(r, "X-M-represents_id") == BAKKERIJ and hdr(r, "X-M-represents_type")
          == "organisation" and hdr(r, "X-M-represents_name") == "Bakkerij Janssens",
          "MELLON_represents_id/_type/_name: the chosen party Bakkerij Janssens %s" % BAKKERIJ,
          r)
    check(hdr(r, "X-M-basis") == "mandate" and hdr(r, "X-M-via_id") == CLAES
          and hdr(r, "X-M-via_type") == "organisation" and (hdr(r, "X-M-mandate_id") or
                                                             "").isdigit()
          and hdr(r, "X-M-capacity") == "mandate:" + (hdr(r, "X-M-mandate_id") or "?"),
          "MELLON_basis=mandate, via_id = the firm %s, mandate_id, capacity mandate:<id>"
          % CLAES, r)
    check(hdr(r, "X-M-actions_0") == "aangifte" and hdr(r, "X-M-actions_1") == "inzage"
          and hdr(r, "X-M-actions_2") is None,
          "MELLON_actions_0/_1: one value per action (aangifte, inzage)", r)
    check(hdr(r, "X-M-person") == PIET and hdr(r, "X-M-loa") == "3"
          and hdr(r, "X-M-service") == "wse-loket" and hdr(r, "X-M-given_name") is None,
          "MELLON_person = the acting INSZ, loa 3, service wse-loket", r)
    nameid = hdr(r, "X-M-NAME_ID")
    check(nameid and PIET not in nameid and hdr(r, "X-Remote-User") == nameid,
          "MELLON_NAME_ID (REMOTE_USER) is set and is a pairwise NameID, not the INSZ", r)

    # A person with one capacity (own name): auto-select, straight through.
    section("login-single")
    b2 = Browser(AN)
    got = login(b2, A.sp, A.sp + "/app/")
    if got and got[1] is not None:
        r2 = got[1]
        check(hdr(r2, "X-M-represents_id") == AN and hdr(r2, "X-M-basis") == "self"
              and hdr(r2, "X-M-represents_type") == "person"
              and hdr(r2, "X-M-doelgroepcode") == "BUR" and hdr(r2, "X-M-via_id") is None
              and hdr(r2, "X-M-mandate_id") is None,
              "one capacity: the app sees basis self, represents_id = the person, "
              "doelgroepcode BUR, no via/mandate", r2)
    return b, nameid


def check_returning(b, nameid):
    section("returning")
    b.drop_cookie("mellon-cookie")
    start = A.sp + "/app/again"
    got = login(b, A.sp, start)
    if got and got[1] is not None:
        r = got[1]
        check(hdr(r, "X-M-represents_id") == BAKKERIJ and hdr(r, "X-M-NAME_ID") == nameid,
              "the returning person is answered with the same party and the same NameID", r)


def check_post_binding():
    section("post-binding")
    b = Browser(JAN)
    got = login(b, A.spp, A.spp + "/app/", choice="Vastgoed", post_binding=True)
    if got:
        xml = decode_response(got[0])
        check("EncryptedAssertion" in xml and not re.search(r"<(\w+:)?Assertion[ >]", xml)
              and VASTGOED not in xml,
              "SPP's metadata has an encryption key: the assertion is encrypted", xml)
    if got and got[1] is not None:
        r = got[1]
        check(hdr(r, "X-M-represents_id") == VASTGOED and hdr(r, "X-M-basis") == "kbo"
              and hdr(r, "X-M-person") == JAN,
              "after an HTTP-POST AuthnRequest the app sees %s basis kbo" % VASTGOED, r)
    # A POST AuthnRequest may not be replayed either.
    b2 = Browser(JAN)
    r = sp_login_redirect(b2, A.spp, A.spp + "/app/")
    f = post_form(r, "SAMLRequest") if r else None
    if f:
        r1 = b2.request(f["action"], f["fields"])
        r2 = b2.request(f["action"], f["fields"])
        check(r1.status == 303 and r2.status == 400 and refused(r2),
              "the same HTTP-POST AuthnRequest twice: the second is refused (400)", r1, r2)
        xml = base64.b64decode(f["fields"]["SAMLRequest"]).decode()
        alt = xml.replace('IsPassive="false"', 'IsPassive="true"') if 'IsPassive="false"' \
            in xml else xml.replace("<saml:Issuer", "<!-- x --><saml:Issuer", 1)
        fields = dict(f["fields"], SAMLRequest=base64.b64encode(alt.encode()).decode())
        r3 = b2.request(f["action"], fields)
        check(r3.status == 403 and refused(r3),
              "an HTTP-POST AuthnRequest altered after mellon signed it is refused (403)", r3)


def check_negative(b):
    section("refused")
    url = redirect_request(b)
    if not url:
        return
    q = query_of(url)
    base_xml = inflate(dict(q)["SAMLRequest"])
    enc = lambda pairs: urllib.parse.urlencode(pairs)  # noqa: E731

    def expect(r, what, status=None):
        ok = refused(r) and (status is None or r.status == status)
        return check(ok, what + " (%d)" % r.status, r)

    # Unsigned, though signatures are required.
    expect(sso(b, enc([(k, v) for k, v in q if k not in ("SigAlg", "Signature")])),
           "mellon's request without SigAlg/Signature is refused", 403)
    # Altered signature.
    sig = dict(q)["Signature"]
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 0x01
    bad = base64.b64encode(bytes(raw)).decode()
    expect(sso(b, enc([(k, bad if k == "Signature" else v) for k, v in q])),
           "mellon's request with one bit of its Signature flipped is refused", 403)
    # SigAlg changed to SHA-1 (signature then also wrong) and a valid SHA-1 signature.
    expect(sso(b, enc([(k, RSA_SHA1 if k == "SigAlg" else v) for k, v in q])),
           "mellon's request with SigAlg changed to rsa-sha1 is refused")
    r = sso(b, sign_redirect(new_id(base_xml), alg=RSA_SHA1, digest="-sha1"))
    expect(r, "a request validly signed with the SP's key but RSA-SHA1 is refused")
    # Control: the same construction with SHA-256 is accepted (the signing above is right).
    good = sign_redirect(new_id(base_xml), relay="ctl")
    r = sso(Browser(), good)
    check(r.status == 303 and r.location() == A.idp + "/mandaat/saml/login",
          "control: a request built and signed by the test with the SP's key (RSA-SHA256) "
          "is accepted", r)
    # Unknown SP: issuer changed (the signature breaks) and unsigned with an unknown issuer.
    other = base_xml.replace(A.sp + "/mellon/metadata", "http://evil.example/mellon/metadata")
    raw_q = dict(q)
    expect(sso(b, "SAMLRequest=%s&SigAlg=%s&Signature=%s" % (
        urllib.parse.quote(deflate_b64(other), safe=""),
        urllib.parse.quote(raw_q["SigAlg"], safe=""),
        urllib.parse.quote(raw_q["Signature"], safe=""))),
        "a request whose Issuer was changed to an unknown SP is refused", 403)
    expect(sso(b, unsigned_redirect(new_id(other))),
           "an unsigned request from an unknown issuer is refused", 403)
    # Replay: the same signed URL twice.
    fresh = redirect_request(b)
    if fresh:
        r1, r2 = b.request(fresh), b.request(fresh)
        check(r1.status == 303 and r2.status == 400 and refused(r2),
              "the same redirect URL twice: the first is parked (303), the second 400", r1, r2)
    # Invalid base64.
    expect(sso(b, "SAMLRequest=%21%21not-base64%21%21"), "SAMLRequest of invalid base64 is refused",
           400)
    expect(sso(b, "SAMLRequest=" + urllib.parse.quote(
        base64.b64encode(b"plain, not deflated").decode(), safe="")),
        "SAMLRequest that is not raw DEFLATE is refused", 400)
    # Oversized: a query over 256 KiB (httpd itself answers 414 for such a request line) and a
    # POST body over 256 KiB.
    big = "A" * (300 * 1024)
    r = sso(b, "SAMLRequest=" + big)
    check(400 <= r.status < 500 and "SAMLResponse" not in r.body,
          "a query of 300 KiB is refused (%d)" % r.status, r)
    r = b.request(A.idp + "/mandaat/saml/sso", raw=("SAMLRequest=" + big).encode())
    check(r.status == 413 and "SAMLResponse" not in r.body,
          "a POST body of 300 KiB is refused (%d)" % r.status, r)
    # DOCTYPE, billion laughs, external entity (deflated and base64 by the test).
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", base_xml)
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' +
              "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;")
                                                      * 10) for i in range(1, 10)) +
              "]>\n" + re.sub(r"(<(\w+:)?Issuer[^>]*>)", r"\1&lol9;", body, count=1))
    expect(sso(b, unsigned_redirect(new_id(laughs))),
           "billion laughs (DOCTYPE, deflated) by HTTP-Redirect is refused", 400)
    expect(sso(b, sign_redirect(new_id(laughs))),
           "billion laughs signed with the SP's key by HTTP-Redirect is refused", 400)
    r = b.request(A.idp + "/mandaat/saml/sso", {"SAMLRequest": base64.b64encode(
        new_id(laughs).encode()).decode()})
    expect(r, "billion laughs by HTTP-POST is refused", 400)
    xxe = ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
           base_xml.replace(A.sp + "/mellon/metadata", "&x;", 1))
    expect(sso(b, sign_redirect(new_id(xxe))), "an external entity in the Issuer is refused", 400)
    # A comment inside the Issuer. Its full text is another issuer than its first text node:
    # (a) "<SP entity><!-- -->x" must not be taken for SP; (b) a comment splitting SP's own
    # entityID: refused, or accepted as SP and then answered to SP's ACS only.
    ent = A.sp + "/mellon/metadata"
    with_comment = new_id(base_xml).replace(ent, ent + "<!-- c -->.evil", 1)
    r = sso(b, sign_redirect(with_comment))
    expect(r, "an Issuer '<SP><!-- c -->.evil' (signed with the SP's key) is refused")
    split = new_id(base_xml).replace(ent, ent[:20] + "<!-- c -->" + ent[20:], 1)
    bc = Browser(AN)
    r = sso(bc, sign_redirect(split))
    if r.status == 303:
        r = follow_idp(bc, r)
        f = post_form(r)
        check(f is not None and f["action"] == A.sp + "/mellon/postResponse",
              "an Issuer with a comment inside SP's own entityID is accepted as that SP and "
              "answered to its ACS only", r)
    else:
        expect(r, "an Issuer with a comment inside SP's own entityID is refused")
    # A ';' in the query (lasso splits at it), %00, a duplicate parameter.
    expect(sso(b, good.replace("&SigAlg", ";SigAlg", 1)), "a ';' in the query is refused")
    expect(sso(b, "SAMLRequest=%00" + good[len("SAMLRequest="):]), "%00 is refused")
    expect(sso(b, good + "&SAMLRequest=x"), "a duplicate SAMLRequest parameter is refused")
    # An AssertionConsumerServiceURL that is not in the SP's metadata, signed.
    acs_evil = re.sub(r'AssertionConsumerServiceURL="[^"]*"',
                      'AssertionConsumerServiceURL="http://evil.example/acs"', new_id(base_xml))
    if "AssertionConsumerServiceURL" not in acs_evil:
        acs_evil = acs_evil.replace("<samlp:AuthnRequest ",
                                    '<samlp:AuthnRequest AssertionConsumerServiceURL='
                                    '"http://evil.example/acs" ', 1)
    expect(sso(b, sign_redirect(acs_evil)), "a signed request naming an ACS URL outside the "
           "SP's metadata is refused")


def tamper_attr(xml, short, value):
    """xml with the value of attribute <short> replaced."""
    pat = re.compile(r'(Name="%s%s"[^>]*>\s*<(\w+:)?AttributeValue[^>]*>)([^<]*)' %
                     (re.escape(ATTR), short))
    return pat.sub(lambda m: m.group(1) + value, xml, count=1)


def check_sp_tamper():
    section("sp-tamper")
    b = Browser(AN)
    start = A.sp + "/app/"

    def genuine():
        b.drop_cookie("mellon-cookie")
        r = sp_login_redirect(b, A.sp, start)
        if r is None:
            return None
        r = follow_idp(b, b.request(r.location() or ""))
        return post_form(r)

    def logged_in():
        r = b.request(start)
        return r.status == 200, r

    f = genuine()
    if not check(f is not None, "a genuine Response for An (returning, answered at once)"):
        return
    xml = decode_response(f)
    alt = tamper_attr(xml, "represents_id", BAKKERIJ)
    check(alt != xml, "the test changed represents_id in the decoded Response")
    r = b.request(f["action"], dict(f["fields"], SAMLResponse=base64.b64encode(
        alt.encode()).decode()))
    ok, app = logged_in()
    print("# mellon on an altered attribute value: %d" % r.status)
    check(r.status >= 400 and not ok,
          "mellon refuses a Response whose represents_id was altered (%d) and the app is "
          "not reached" % r.status, r, app)
    r = b.request(f["action"], f["fields"])
    ok, app = logged_in()
    check(r.status in (302, 303) and ok and hdr(app, "X-M-represents_id") == AN,
          "control: the same Response unaltered is accepted", r, app)

    # XSW: a second, unsigned assertion (copy with another party, no Signature, new ID)
    # before or after the signed one.
    for where in ("before", "after"):
        f = genuine()
        if f is None:
            check(False, "a genuine Response for the %s case" % where)
            continue
        xml = decode_response(f)
        m = re.search(r"<((\w+:)?)Assertion\b.*</\1Assertion>", xml, re.S)
        if not check(m is not None, "the Response has one assertion", xml):
            return
        signed = m.group(0)
        evil = re.sub(r"<(\w+:)?Signature\b.*?</\1Signature>", "", signed, count=1, flags=re.S)
        evil = re.sub(r'\bID="[^"]*"', 'ID="_%s"' % uuid.uuid4().hex, evil, count=1)
        evil = tamper_attr(evil, "represents_id", BAKKERIJ)
        evil = tamper_attr(evil, "represents_type", "organisation")
        both = evil + signed if where == "before" else signed + evil
        wrapped = xml[:m.start()] + both + xml[m.end():]
        r = b.request(f["action"], dict(f["fields"], SAMLResponse=base64.b64encode(
            wrapped.encode()).decode()))
        ok, app = logged_in()
        print("# mellon on an injected unsigned assertion %s the signed one: %d, app %s, "
              "represents_id %s" % (where, r.status, app.status, hdr(app, "X-M-represents_id")
                                    if ok else "-"))
        check(not ok or hdr(app, "X-M-represents_id") == AN,
              "an unsigned assertion injected %s the signed one: the app never sees the "
              "injected party (mellon %d)" % (where, r.status), r, app)


def check_cancel():
    section("cancel")
    b = Browser(JAN)
    r = sp_login_redirect(b, A.sp, A.sp + "/app/")
    if r is None:
        return
    r = follow_idp(b, b.request(r.location() or ""))
    form = bro.chooser_of(r)
    cancel = [f for f in r.forms() if f["action"].endswith("/mandaat/cancel")]
    if not check(form is not None and cancel and "csrf" in cancel[0]["fields"],
                 "Jan gets the chooser, with a cancel form carrying csrf", r):
        return
    bad = b.request(urllib.parse.urljoin(r.url, cancel[0]["action"]), {"csrf": "x" * 43})
    check(bad.status == 403 and refused(bad), "cancel with a wrong csrf is refused (403)", bad)
    r2 = bro.submit(b, r, cancel[0])
    f = answer_page(r2, A.sp, "cancel gives the page posting a SAMLResponse to mellon's ACS")
    if f is None:
        return
    codes = status_codes(decode_response(f))
    check(codes[:2] == ["urn:oasis:names:tc:SAML:2.0:status:Responder",
                        "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"],
          "its Response has StatusCode Responder / RequestDenied", codes)
    check("<saml:Assertion" not in decode_response(f) and "Assertion>" not in
          decode_response(f), "its Response has no assertion")
    r3 = to_acs(b, f)
    app = b.request(A.sp + "/app/")
    print("# mellon on RequestDenied: %d" % r3.status)
    check(app.status in (302, 303) and "/mellon/login" in (app.location() or ""),
          "posting it to mellon does not log in (mellon %d; the app redirects to login)"
          % r3.status, r3, app)


def check_passive():
    section("passive")
    b = Browser(JAN)
    r = sp_login_redirect(b, A.sp, A.sp + "/app/", passive=True)
    if r is None:
        return
    loc = r.location() or ""
    xml = inflate(dict(query_of(loc)).get("SAMLRequest", "")) if "SAMLRequest" in loc else ""
    if not check('IsPassive="true"' in xml, "mellon's login?IsPassive=true sends IsPassive",
                 r, xml):
        return
    r = b.request(loc)
    f = answer_page(r, A.sp, "IsPassive without an authenticated person: the page posting a "
                    "Response at once")
    if f is None:
        return
    check('data-auto="1"' in r.body, "the NoPassive page posts itself", r)
    codes = status_codes(decode_response(f))
    check(codes[:2] == ["urn:oasis:names:tc:SAML:2.0:status:Responder",
                        "urn:oasis:names:tc:SAML:2.0:status:NoPassive"],
          "its Response has StatusCode Responder / NoPassive", codes)
    r3 = to_acs(b, f)
    app = b.request(A.sp + "/app/")
    print("# mellon on NoPassive: %d %s" % (r3.status, r3.location()))
    check(app.status in (302, 303), "posting it to mellon does not log in (mellon %d)"
          % r3.status, r3, app)


def check_slo(b):
    section("slo")
    start = A.sp + "/app/"
    r = b.request(start)
    if not check(r.status == 200, "Piet is logged in at the SP before logout", r):
        return
    r = b.request(A.sp + "/mellon/logout?ReturnTo=" + urllib.parse.quote(start, safe=""))
    loc = r.location() or ""
    q = dict(query_of(loc))
    if not check(r.status in (302, 303) and loc.startswith(A.idp + "/mandaat/saml/slo?")
                 and "Signature" in q and "SAMLRequest" in q,
                 "mellon's logout redirects to our saml/slo with a signed LogoutRequest", r):
        return
    r = b.request(loc)
    loc2 = r.location() or ""
    if not check(r.status in (302, 303) and loc2.startswith(A.sp + "/mellon/logout?")
                 and "SAMLResponse=" in loc2,
                 "saml/slo answers with a 303 taking a LogoutResponse to mellon's logout "
                 "endpoint (got %d)" % r.status, r):
        return
    resp = inflate(dict(query_of(loc2))["SAMLResponse"])
    check("urn:oasis:names:tc:SAML:2.0:status:Success" in resp and "Signature" in loc2,
          "the LogoutResponse is signed and says Success", resp)
    r = b.request(loc2)
    check(r.status in (302, 303) and r.location() == start,
          "mellon accepts the LogoutResponse and returns to ReturnTo", r)
    r = b.request(start)
    check(r.status in (302, 303) and "/mellon/login" in (r.location() or ""),
          "mellon's session is gone (the app redirects to login)", r)
    # Our session is gone: a new AuthnRequest shows the chooser instead of answering.
    url = redirect_request(b, start=start)
    if url:
        r = follow_idp(b, b.request(url), hops=2)
        check(r.status == 200 and bro.chooser_of(r) is not None and post_form(r) is None,
              "after SLO a new AuthnRequest shows the chooser again (no answer at once)", r)
    r = b.request(loc)
    check(r.status == 400 and post_form(r) is None,
          "the same LogoutRequest again is refused as a replay (%d)" % r.status, r)


def main():
    global A
    p = argparse.ArgumentParser()
    for o in ("--idp", "--sp", "--spp", "--sp-key", "--cafile", "--errorlog"):
        p.add_argument(o, required=True)
    p.add_argument("--after-restart", action="store_true",
                   help="only one login, after httpd was restarted")
    A = p.parse_args()
    if A.after_restart:
        section("restart")
        got = login(Browser(AN), A.sp, A.sp + "/app/")
        check(got and got[1] is not None and hdr(got[1], "X-M-represents_id") == AN,
              "after a restart of httpd, a login through the IdP works end to end",
              got and got[1])
        sys.exit(1 if bro.failures else 0)
    check_metadata()
    got = check_login()
    if got:
        check_returning(*got)
    check_post_binding()
    check_negative(Browser(AN))
    check_sp_tamper()
    check_cancel()
    check_passive()
    if got:
        check_slo(got[0])
    with open(A.errorlog, errors="replace") as f:
        log = f.read()
    section("log")
    check("saml_request_refused" in log and "saml_replay" in log,
          "refusals are logged as security events (saml_request_refused, saml_replay)")
    sys.exit(1 if bro.failures else 0)


if __name__ == "__main__":
    main()
