#!/usr/bin/python3
"""A TEST SAML 2.0 identity provider that plays the Belgian federal authentication service
(FAS/CSAM) for the integration tests of mod_mandaat behind mod_auth_mellon.

THIS IS A TEST FIXTURE. Nobody is authenticated: no eID card, no PIN, no itsme. The person is
whoever the test says: a fixed person given with --person, or the one the client types into the
login form. Never expose it beyond 127.0.0.1.

What is real: the SAML. AuthnRequests arrive by the HTTP-Redirect binding and their signature
is verified against the SP's metadata (lasso); the answer is a signed Response delivered by the
HTTP-POST binding (a form that a browser would submit by itself), carrying the attributes a FAS
IdP sends: egovNRN (the INSZ/NISS), givenName, surname, and the level of assurance both as the
AuthnContextClassRef (urn:be:fedict:iam:fas:Level<N>00) and as a numeric attribute "loa".

  eid_idp.py --port PORT --key IDP.key --cert IDP.cert --sp-metadata SP.xml \
             --metadata-out IDP.xml [--person 'INSZ;Given;Surname;LoA']

Endpoints: GET /metadata (this IdP's metadata), GET /sso (the SingleSignOnService), POST
/sso/login (the test login form's answer), GET /health.
"""

import argparse
import datetime
import html
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import lasso

FAS_CLASS_REF = "urn:be:fedict:iam:fas:Level%d00"
ATTR_FORMAT = lasso.SAML2_ATTRIBUTE_NAME_FORMAT_BASIC


class Person:
    """Who the test says has "logged in"."""

    def __init__(self, nrn, given, surname, loa):
        self.nrn, self.given, self.surname = nrn, given, surname
        if not loa.isdigit() or not 1 <= int(loa) <= 5:
            raise ValueError("loa must be a level 1..5, not %r" % loa)
        self.loa = int(loa)

    @classmethod
    def parse(cls, spec):
        parts = spec.split(";")
        if len(parts) != 4 or not parts[0]:
            raise ValueError("a person is 'INSZ;Given;Surname;LoA', not %r" % spec)
        return cls(*parts)


def metadata_xml(base_url, cert_pem):
    """The IdP's SAML metadata: signing key and a HTTP-Redirect SingleSignOnService."""
    body = "".join(l for l in cert_pem.splitlines() if l and not l.startswith("-----"))
    return f"""<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{base_url}/metadata">
  <IDPSSODescriptor WantAuthnRequestsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </KeyDescriptor>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{base_url}/sso"/>
  </IDPSSODescriptor>
</EntityDescriptor>
"""


def utc(delta_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def attribute(name, value):
    """A basic-format SAML attribute with one string value."""
    text = lasso.MiscTextNode.newWithString(value)
    text.textChild = True
    val = lasso.Saml2AttributeValue()
    val.any = [text]
    attr = lasso.Saml2Attribute()
    attr.name = name
    attr.nameFormat = ATTR_FORMAT
    attr.attributeValue = [val]
    return attr


class IdP:
    def __init__(self, args):
        self.base_url = args.base_url or "http://127.0.0.1:%d" % args.port
        with open(args.cert) as f:
            cert = f.read()
        with open(args.key) as f:
            key = f.read()
        self.metadata = metadata_xml(self.base_url, cert)
        if args.metadata_out:
            with open(args.metadata_out, "w") as f:
                f.write(self.metadata)
        self.server = lasso.Server.newFromBuffers(self.metadata, key, None, cert)
        self.server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
        for sp in args.sp_metadata:
            self.server.addProvider(lasso.PROVIDER_ROLE_SP, sp)
        self.person = Person.parse(args.person) if args.person else None

    def login_for(self, query):
        """Check an AuthnRequest (HTTP-Redirect query string): lasso verifies its signature
        against the SP's metadata. Raises lasso.Error when it is not acceptable."""
        login = lasso.Login(self.server)
        login.setSignatureVerifyHint(lasso.PROFILE_SIGNATURE_VERIFY_HINT_FORCE)
        login.processAuthnRequestMsg(query)
        return login

    def respond(self, query, person):
        """The signed Response for `person`: (ACS URL, SAMLResponse, RelayState)."""
        login = self.login_for(query)
        login.validateRequestMsg(True, True)
        login.buildAssertion(FAS_CLASS_REF % person.loa, utc(), None, utc(-60), utc(300))
        statement = lasso.Saml2AttributeStatement()
        statement.attribute = [
            attribute("egovNRN", person.nrn),
            attribute("givenName", person.given),
            attribute("surname", person.surname),
            attribute("loa", str(person.loa)),
        ]
        login.assertion.attributeStatement = [statement]
        login.buildAuthnResponseMsg()
        relay = login.msgRelayState
        if relay is None:
            relay = urllib.parse.parse_qs(query).get("RelayState", [None])[0]
        return login.msgUrl, login.msgBody, relay


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body{onload}><p><strong>TEST IdP &ndash; not a real eID login.</strong></p>
{body}</body></html>
"""


def post_form(url, saml_response, relay):
    """The HTTP-POST binding: a form the browser submits by itself."""
    fields = '<input type="hidden" name="SAMLResponse" value="%s">' % html.escape(saml_response)
    if relay is not None:
        fields += '<input type="hidden" name="RelayState" value="%s">' % html.escape(relay)
    body = ('<form method="post" action="%s">%s<noscript><button type="submit">Continue'
            '</button></noscript></form>' % (html.escape(url), fields))
    return PAGE.format(title="Sending you back", onload=' onload="document.forms[0].submit()"',
                       body=body)


def login_page(query, default):
    """The test login form: whoever is typed in "logs in"."""
    d = default or Person("", "", "", "5")
    field = ('<label>{label} <input name="{name}" value="{value}"></label><br>')
    body = '<form method="post" action="/sso/login">'
    body += '<input type="hidden" name="request" value="%s">' % html.escape(query)
    for label, name, value in (("INSZ", "egovNRN", d.nrn), ("Given name", "givenName", d.given),
                               ("Surname", "surname", d.surname), ("LoA", "loa", str(d.loa))):
        body += field.format(label=label, name=name, value=html.escape(value))
    body += '<button type="submit">Log in</button></form>'
    return PAGE.format(title="Test eID login", onload="", body=body)


class Handler(BaseHTTPRequestHandler):
    idp = None  # set in main()

    def send(self, status, body, ctype="text/html; charset=utf-8"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, status, why):
        self.log_message("refused: %s", why)
        self.send(status, PAGE.format(title="Refused", onload="",
                                      body="<p>%s</p>" % html.escape(why)))

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/metadata":
            self.send(200, self.idp.metadata, "application/samlmetadata+xml")
        elif path == "/health":
            self.send(200, "ok\n", "text/plain")
        elif path == "/sso":
            self.sso(query)
        else:
            self.refuse(404, "no such endpoint: %s" % path)

    def do_POST(self):
        if self.path != "/sso/login":
            return self.refuse(404, "no such endpoint: %s" % self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"),
                                     keep_blank_values=True)
        get = lambda k: form.get(k, [""])[0]
        try:
            person = Person(get("egovNRN"), get("givenName"), get("surname"), get("loa"))
        except ValueError as e:
            return self.refuse(400, str(e))
        self.answer(get("request"), person)

    def sso(self, query):
        if self.idp.person:
            return self.answer(query, self.idp.person)
        try:
            self.idp.login_for(query)
        except lasso.Error as e:
            return self.refuse(400, "AuthnRequest refused: %s" % e)
        self.send(200, login_page(query, None))

    def answer(self, query, person):
        try:
            url, response, relay = self.idp.respond(query, person)
        except lasso.Error as e:
            return self.refuse(400, "AuthnRequest refused: %s" % e)
        self.log_message("signed response for %s to %s", person.nrn, url)
        self.send(200, post_form(url, response, relay))


def main():
    ap = argparse.ArgumentParser(description="TEST FAS-like SAML IdP (no real eID)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--base-url", help="default http://127.0.0.1:PORT")
    ap.add_argument("--key", required=True, help="PEM private key (signs responses)")
    ap.add_argument("--cert", required=True, help="PEM certificate of that key")
    ap.add_argument("--sp-metadata", action="append", default=[], required=True)
    ap.add_argument("--metadata-out", help="write this IdP's metadata here before serving")
    ap.add_argument("--person", help="'INSZ;Given;Surname;LoA': answer every request for "
                    "this person, without the login form")
    args = ap.parse_args()
    try:
        Handler.idp = IdP(args)
    except (OSError, ValueError, lasso.Error) as e:
        sys.exit("eid_idp: %s" % e)
    httpd = HTTPServer(("127.0.0.1", args.port), Handler)
    print("eid_idp: serving %s" % Handler.idp.base_url, file=sys.stderr, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
