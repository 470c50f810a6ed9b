#!/usr/bin/env python3
"""A sample e-counter application behind the mod_mandaat gateway (demo only).

It shows what it received from the gateway: every Mandaat-* request header and the header and
payload of the Mandaat-JWT. It trusts its network (it listens on 127.0.0.1 only and httpd
removes Mandaat-* headers that come from the browser); it does NOT verify the JWT's signature.
An e-counter that verifies would check the ES256 signature with the keys the gateway publishes
at <gateway>/mandaat/jwks, and the claims iss, aud, exp.

Usage: app.py PORT [GATEWAY_URL]   (python3 standard library only)
"""
import base64
import html
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JWT_HEADER = "Mandaat-JWT"
GATEWAY = "http://127.0.0.1:8080"


def b64url_json(part):
    """Decode one base64url part of a compact JWS into pretty JSON (or say why not)."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError) as e:
        return "(cannot decode: %s)" % e


def e(text):
    return html.escape(str(text), quote=True)


def page(headers, path):
    # Mandaat-* from the gateway (/app); SAML-* from mod_auth_mellon's attributes (/saml-app);
    # OIDC_CLAIM_* from mod_auth_openidc's claims (/oidc-app).
    mandaat = [(k, v) for k, v in headers.items()
               if k.lower().startswith(("mandaat-", "saml-", "oidc_claim_"))
               and k.lower() != JWT_HEADER.lower()]
    jwt = headers.get(JWT_HEADER)
    who = (urllib.parse.unquote(headers.get("Mandaat-Party-Name", "") or "")
           or headers.get("SAML-Represents-Name", "")
           or headers.get("OIDC_CLAIM_vo_orgnaam", "") or "(nobody)")
    rows = "".join(
        "<tr><td><code>%s</code></td><td><code>%s</code></td><td>%s</td></tr>"
        % (e(k), e(v), e(urllib.parse.unquote(v)) if "%" in v else "")
        for k, v in sorted(mandaat, key=lambda kv: kv[0].lower()))
    if not rows:
        rows = '<tr><td colspan="3">No Mandaat-* or SAML-* headers: this request did not ' \
               'come through the gateway or the SAML service provider.</td></tr>'
    if jwt:
        parts = jwt.split(".")
        if len(parts) == 3:
            jwt_html = ("<h3>JOSE header</h3><pre>%s</pre><h3>Payload (claims)</h3><pre>%s</pre>"
                        "<p>Signature: %d base64url characters, <strong>not verified by this "
                        "app</strong>.</p><details><summary>The JWT as received</summary>"
                        "<pre class=\"jwt\">%s</pre></details>"
                        % (e(b64url_json(parts[0])), e(b64url_json(parts[1])), len(parts[2]),
                           e(jwt)))
        else:
            jwt_html = "<p>Not a compact JWS (expected three parts): <code>%s</code></p>" % e(jwt)
    else:
        jwt_html = "<p>No %s header was received.</p>" % e(JWT_HEADER)
    jwks = GATEWAY + "/mandaat/jwks"
    if "SAML-Represents-Id" in headers:
        nav = ('<nav><a href="/saml-app/mellon/logout?ReturnTo=/login.html">Log out (SAML single '
               'logout)</a></nav>')
    elif "OIDC_CLAIM_sub" in headers:
        # mod_auth_openidc ends its own session, then sends the browser on.
        nav = ('<nav><a href="/oidc-app/redirect_uri?logout=%s">Log out (OpenID relying '
               'party)</a></nav>' % e(urllib.parse.quote(GATEWAY + "/logout", safe="")))
    else:
        nav = ('<nav><a href="/mandaat/switch?return_to=/app/">Switch party</a>'
               '<a href="/logout">Log out</a></nav>')
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>WSE-loket (sample app)</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }}
pre {{ background: #f4f4f4; padding: .8rem; overflow-x: auto; }}
pre.jwt {{ white-space: pre-wrap; word-break: break-all; }}
nav a {{ margin-right: 1.5rem; }}
</style></head><body>
{nav}
<h1>WSE-loket — sample e-counter application</h1>
<p>You act for: <strong>{who}</strong>. This page only shows what the application received from
the mod_mandaat gateway for <code>{path}</code>.</p>
<h2>Mandaat-* (gateway) and SAML-* (SAML assertion) request headers</h2>
<p>Values are percent-encoded where they hold bytes outside printable ASCII; the third column
shows them decoded.</p>
<table><tr><th>header</th><th>value</th><th>decoded</th></tr>{rows}</table>
<h2>{jwt_name}</h2>
<p>This sample application decodes the JWT but <strong>does not verify its signature</strong>;
it trusts that only httpd can reach it. A real e-counter verifies the ES256 signature with the
gateway's public keys at <a href="{jwks}">{jwks}</a> (and checks <code>iss</code>,
<code>aud</code> and <code>exp</code>).</p>
{jwt_html}
</body></html>
""".format(nav=nav, who=e(who), path=e(path), rows=rows, jwt_name=e(JWT_HEADER), jwks=e(jwks),
           jwt_html=jwt_html)


class Handler(BaseHTTPRequestHandler):
    server_version = "mandaat-demo-app"

    def answer(self, with_body):
        body = page(self.headers, self.path).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def log_message(self, fmt, *args):
        # httpd's access log already shows each request; stay quiet.
        pass


def main():
    global GATEWAY
    if len(sys.argv) < 2:
        sys.exit("usage: app.py PORT [GATEWAY_URL]")
    if len(sys.argv) > 2:
        GATEWAY = sys.argv[2].rstrip("/")
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
