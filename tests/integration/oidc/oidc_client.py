#!/usr/bin/python3
"""What oidc_checks.py (tests/integration/test_oidc.sh) talks to the OpenID provider with: the
browser that follows each hop by hand, back-channel requests to the token and userinfo
endpoints, PKCE, client assertions signed by `openssl dgst`, the id_token's ES256 signature
checked with openssl against the JWKS, and the discovery checks. Stdlib only."""

import argparse
import base64
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "idp"))
import browser as bro  # noqa: E402  (the shared cookie jar, forms and responses)

A = argparse.Namespace()  # the command line, filled in by oidc_checks.main
CLIENTS = {}
AN, JAN, PIET = "85073003328", "72041512394", "90010134567"
BAKKERIJ, VASTGOED, CLAES = "0412345614", "0523456738", "0634567862"
DIRECT_CB = "https://client.example/cb"
DIRECT_CB2 = "https://client.example/cb2?tenant=a"
PUBLIC_CB = "http://127.0.0.1:9/cb"
JWT_CB = "https://jwt.example/cb"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SECTION = "oidc"


def section(name):
    """Name the group of the checks that follow (the prefix of their lines)."""
    global SECTION
    SECTION = name


def check(ok, what, *diag):
    bro.scenario = SECTION
    return bro.check(bool(ok), what, *diag)


def issuer():
    return A.op + "/mandaat/oidc"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, claims) of a compact JWS, or (None, None)."""
    try:
        h, c, _ = token.split(".")
        return json.loads(b64url_decode(h)), json.loads(b64url_decode(c))
    except (ValueError, AttributeError):
        return None, None


def pkce():
    verifier = b64url(os.urandom(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url or "").query,
                                       keep_blank_values=True))


class Browser(bro.Browser):
    """idp/browser.py's Browser that answers the OP's Basic challenge as user (the stand-in
    for the eID login). Credentials go to oidc/authorize only when sso is set: a browser with
    an upstream SSO session, authenticated on the open authorize URL. The RPs never see them."""

    def __init__(self, user=None, sso=False):
        super().__init__()
        self.user, self.sso = user, sso
        tls = ssl.create_default_context(cafile=A.cafile)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), bro.NoRedirect(),
            urllib.request.HTTPSHandler(context=tls))

    def request(self, url, form=None, raw=None, ctype=None, headers=None, method=None):
        # mod_auth_openidc answers 401 instead of redirecting a client that does not accept
        # HTML (its XHR detection): say what a browser says.
        h = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        if self.user and url.startswith(A.op + "/") and (
                self.sso or not urllib.parse.urlsplit(url).path.endswith("/oidc/authorize")):
            h["Authorization"] = "Basic " + base64.b64encode(
                (self.user + ":pw").encode()).decode()
        h.update(headers or {})
        data = raw
        if data is None and form is not None:
            data = urllib.parse.urlencode(form).encode()
        if data is not None:
            h.setdefault("Content-Type", ctype or "application/x-www-form-urlencoded")
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with self.opener.open(req, timeout=30) as r:
                return bro.Response(r.status, r.headers, r.read(), url)
        except urllib.error.HTTPError as e:
            return bro.Response(e.code, e.headers, e.read(), url)

    def drop_cookies(self, prefix):
        for c in list(self.jar):
            if c.name.startswith(prefix):
                self.jar.clear(c.domain, c.path, c.name)


def backchannel(url, form=None, raw=None, headers=None, method=None, ctype=None):
    """A request of a client's server (no cookies, no person)."""
    return Browser().request(url, form=form, raw=raw, headers=dict(
        {"Accept": "application/json"}, **(headers or {})), method=method, ctype=ctype)


def rjson(r):
    try:
        return json.loads(r.body)
    except ValueError:
        return None


def ctype(r):
    return (r.headers.get("Content-Type") or "").split(";")[0].strip()


# ---- the OP's pages and redirects ----

def error_page(r):
    """An error page and no redirect: 400, no Location, HTML, no code in it."""
    return (r.status == 400 and not r.headers.get("Location") and "<html" in r.body.lower()
            and "code=" not in r.body)


def error_redirect(r, redirect_uri, error, state):
    """A 303 back to redirect_uri with error, the request's state and our iss, and no code."""
    loc = r.location() or ""
    q = query_of(loc)
    return (r.status == 303 and loc.startswith(redirect_uri + "?") and q.get("error") == error
            and q.get("state") == state and q.get("iss") == issuer() and "code" not in q
            and bool(q.get("error_description")))


def authorize_url(client_id, redirect_uri, **params):
    q = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
         "scope": "openid mandaat", "state": "st-" + b64url(os.urandom(6))}
    q.update({k: v for k, v in params.items() if v is not None})
    return A.op + "/mandaat/oidc/authorize?" + urllib.parse.urlencode(q), q


def get_code(b, client_id, redirect_uri, challenge=None, **params):
    """A code for b's person (authenticated at authorize, answered at once: one capacity or a
    session), or None."""
    if challenge:
        params.setdefault("code_challenge", challenge)
        params.setdefault("code_challenge_method", "S256")
    url, q = authorize_url(client_id, redirect_uri, **params)
    r = b.request(url)
    loc = r.location() or ""
    got = query_of(loc)
    if r.status == 303 and loc.startswith(redirect_uri) and got.get("code") and \
            got.get("state") == q["state"]:
        return got["code"]
    check(False, "a code for %s at once" % client_id, r)
    return None


def basic(client_id, secret):
    q = urllib.parse.quote
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (q(client_id, safe=""), q(secret, safe=""))).encode()).decode()}


def token(code, redirect_uri, client_id="direct-app", verifier=None, auth="basic", secret=None,
          extra=None, headers=None):
    """POST oidc/token for code: auth is basic, post, none, or a client assertion (a JWS)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        form["code_verifier"] = verifier
    h = dict(headers or {})
    secret = secret if secret is not None else CLIENTS.get(client_id, {}).get("client_secret")
    if auth == "basic":
        h.update(basic(client_id, secret))
    elif auth == "post":
        form.update(client_id=client_id, client_secret=secret)
    elif auth == "none":
        form["client_id"] = client_id
    else:
        form.update(client_assertion_type=JWT_BEARER, client_assertion=auth)
    form.update(extra or {})
    form = {k: v for k, v in form.items() if v is not None}
    return backchannel(A.op + "/mandaat/oidc/token", form=form, headers=h)


def no_store(r):
    return "no-store" in (r.headers.get("Cache-Control") or "") and \
        "no-cache" in (r.headers.get("Pragma") or "")


def token_error(r, status, error):
    j = rjson(r) or {}
    return (r.status == status and ctype(r) == "application/json" and j.get("error") == error
            and no_store(r) and "access_token" not in j)


def tokens_ok(r):
    j = rjson(r) or {}
    return (r.status == 200 and ctype(r) == "application/json" and j.get("token_type") == "Bearer"
            and j.get("access_token") and j.get("id_token") and no_store(r))


def userinfo(access_token, method=None, **kw):
    h = {"Authorization": "Bearer " + access_token} if access_token is not None else {}
    h.update(kw.pop("headers", {}))
    return backchannel(A.op + "/mandaat/oidc/userinfo", headers=h, method=method, **kw)


# ---- signatures with openssl ----

def openssl(args, data):
    return subprocess.run(["openssl"] + args, input=data, capture_output=True, check=False)


def rsa_jwk(key, kid):
    """The public JWK of the RSA private key in file key."""
    out = openssl(["rsa", "-in", key, "-noout", "-text"], b"").stdout.decode()
    mod = openssl(["rsa", "-in", key, "-noout", "-modulus"], b"").stdout.decode()
    n = bytes.fromhex(mod.strip().split("=", 1)[1])
    e = int(re.search(r"publicExponent: (\d+)", out).group(1))
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(n),
            "e": b64url(e.to_bytes((e.bit_length() + 7) // 8, "big"))}


def sign_jws(header, claims, key=None, alg="RS256", hmac_key=None):
    """A compact JWS: RS256 by openssl with key, HS256 with hmac_key, or alg none unsigned."""
    import hmac
    h = dict({"alg": alg}, **header)
    signing_input = (b64url(json.dumps(h).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    if alg == "none":
        sig = b""
    elif alg == "HS256":
        sig = hmac.new(hmac_key, signing_input, hashlib.sha256).digest()
    else:
        p = openssl(["dgst", "-sha256", "-sign", key], signing_input)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode())
        sig = p.stdout
    return signing_input.decode() + "." + b64url(sig)


def assertion(client_id="jwt-app", key=None, **over):
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": A.op + "/mandaat/oidc/token",
              "iat": now, "exp": now + 60, "jti": b64url(os.urandom(16))}
    claims.update(over)
    claims = {k: v for k, v in claims.items() if v is not None}
    return sign_jws({"kid": "jwt-1", "typ": "JWT"}, claims, key=key or A.jwt_key)


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def es256_verifies(tok, jwk):
    """Whether the ES256 JWS tok verifies with the EC P-256 JWK (openssl dgst -verify)."""
    try:
        h, c, s = tok.split(".")
        raw = b64url_decode(s)
        x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
    except (ValueError, KeyError):
        return False
    if len(raw) != 64 or len(x) != 32 or len(y) != 32:
        return False
    seq = der_int(raw[:32]) + der_int(raw[32:])
    sig = b"\x30" + bytes([len(seq)]) + seq
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + x + y
    pem = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % \
        base64.b64encode(spki).decode()
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "pub.pem"), "w") as f:
            f.write(pem)
        with open(os.path.join(d, "sig.der"), "wb") as f:
            f.write(sig)
        p = openssl(["dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"), "-signature",
                     os.path.join(d, "sig.der")], (h + "." + c).encode())
    return p.returncode == 0


# ---- discovery and keys ----

JWKS = {}


def check_discovery():
    section("discovery")
    r = backchannel(issuer() + "/.well-known/openid-configuration")
    d = rjson(r) or {}
    if not check(r.status == 200 and ctype(r) == "application/json" and d,
                 "the discovery document at <issuer>/.well-known/openid-configuration: 200 "
                 "application/json without authentication", r):
        return
    print("# discovery: " + json.dumps(d)[:600])
    check("max-age" in (r.headers.get("Cache-Control") or ""),
          "the discovery document may be cached a while (Cache-Control max-age)", r.headers)
    iss = issuer()
    check(d.get("issuer") == iss and d.get("authorization_endpoint") == iss + "/authorize"
          and d.get("token_endpoint") == iss + "/token"
          and d.get("userinfo_endpoint") == iss + "/userinfo"
          and d.get("jwks_uri") == iss + "/jwks",
          "issuer <MandaatPublicURL>/mandaat/oidc and the endpoints under it", d)
    check(d.get("response_types_supported") == ["code"]
          and d.get("grant_types_supported") == ["authorization_code"]
          and d.get("response_modes_supported") == ["query", "form_post"]
          and d.get("code_challenge_methods_supported") == ["S256"],
          "code flow only, query and form_post, PKCE S256 only", d)
    check(d.get("id_token_signing_alg_values_supported") == ["ES256", "PS256"],
          "id_token algorithms: ES256 (the first key signs), PS256 (the second is published)", d)
    algs = d.get("token_endpoint_auth_signing_alg_values_supported") or []
    check(algs and not [a for a in algs if a == "none" or a.startswith("HS")],
          "client assertion algorithms without none or HS*", algs)
    check(d.get("authorization_response_iss_parameter_supported") is True
          and d.get("request_parameter_supported") is False
          and d.get("request_uri_parameter_supported") is False,
          "iss in every authorization response; no request objects", d)
    check({"openid", "profile", "mandaat"} <= set(d.get("scopes_supported") or []),
          "scopes_supported has the clients' scopes (openid, profile, mandaat)", d)
    r2 = backchannel(issuer() + "/.well-known/openid-configuration", form={"x": "1"})
    check(r2.status == 405, "the discovery document refuses POST (405)", r2)

    r = backchannel(issuer() + "/jwks")
    j = rjson(r) or {}
    keys = j.get("keys") or []
    if not check(r.status == 200 and ctype(r) == "application/jwk-set+json" and len(keys) == 2,
                 "oidc/jwks: 200 application/jwk-set+json with both keys", r):
        return
    JWKS.update({k.get("kid"): k for k in keys})
    JWKS["first"] = keys[0]
    check(keys[0].get("kty") == "EC" and keys[0].get("crv") == "P-256"
          and keys[0].get("alg") == "ES256" and keys[0].get("kid")
          and keys[1].get("kty") == "RSA" and keys[1].get("alg") == "PS256"
          and keys[1].get("kid") and keys[0]["kid"] != keys[1]["kid"],
          "the EC P-256 key first (ES256), the RSA key second (PS256), each with its own kid",
          keys)
    private = [m for k in keys for m in ("d", "p", "q", "dp", "dq", "qi", "k") if m in k]
    check(not private, "no private key member is published", private)
