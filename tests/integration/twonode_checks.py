#!/usr/bin/env python3
"""The browser side of tests/integration/test_twonode.sh: two gateway nodes (A and B) share a
PostgreSQL store and a redis cache. A person starts on one node and goes on on the other, and
the nodes must fail closed when redis or PostgreSQL goes away. Reuses gateway_checks' browser.

  twonode_checks.py backend PORT LOG   the echo backend, one line in LOG per request it answers
  twonode_checks.py checks --a URL --b URL --hooks DIR ...   the checks (TAP-like lines)

The hooks are shell scripts written by test_twonode.sh (redis_down, redis_up, pg_down, pg_up)
so that this file needs no knowledge of how the servers were started."""
import argparse
import http.client
import importlib.util
import os
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = None
sys.dont_write_bytecode = True  # the modules loaded below sit in the source tree


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gw = load("gateway_checks")
check, Browser, choose, parse_form, backend_headers = (
    gw.check, gw.Browser, gw.choose, gw.parse_form, gw.backend_headers)
JAN, PIET, AN = gw.JAN, gw.PIET, gw.AN
BAKKERIJ, VASTGOED, GARAGE = gw.BAKKERIJ, gw.VASTGOED, gw.GARAGE
UNAVAILABLE_NL = "tijdelijk niet beschikbaar"


# ---- the backend ---------------------------------------------------------------------------

def serve_backend(port, log):
    from http.server import ThreadingHTTPServer
    echo = load("echo_backend")
    lock = threading.Lock()

    class Counting(echo.Echo):
        def answer(self):
            # Written before the answer, so that a client holding the response sees the count.
            with lock, open(log, "a") as f:
                f.write("%s %s party=%s\n" % (self.command, self.path,
                                              self.headers.get("Mandaat-Party", "-")))
            echo.Echo.answer(self)

        do_GET = do_POST = do_HEAD = answer

    ThreadingHTTPServer(("127.0.0.1", port), Counting).serve_forever()


def backend_hits():
    try:
        with open(ARGS.backend_log) as f:
            return len(f.read().splitlines())
    except FileNotFoundError:
        return 0


# ---- helpers -------------------------------------------------------------------------------

def hook(name):
    r = subprocess.run(["sh", os.path.join(ARGS.hooks, name)], capture_output=True, text=True)
    return check(r.returncode == 0, "hook %s" % name, r.stdout + r.stderr)


def node(url):
    return urllib.parse.urlsplit(url).netloc


def on(b, url):
    """The same browser (cookies) talking to another node."""
    b.base = url
    return b


def clone(b, url):
    c = Browser(b.user, base=url)
    c.cookies = dict(b.cookies)
    return c


def login_to_chooser(b, path="/app/"):
    r = b.get(path)
    if r.status != 303:
        return r, None
    r = b.get(urllib.parse.urlsplit(r.header("Location")).path)
    return r, parse_form(r.body) if r.status == 200 else None


def party_on(b, url, path="/app/"):
    """The party the backend sees through node url, or the status when it is not reached."""
    r = clone(b, url).get(path)
    if r.status != 200:
        return r.status
    return backend_headers(r).get("mandaat-party")


def access_log_count(text):
    """How many lines of the nodes' access logs hold text."""
    time.sleep(0.2)  # httpd writes the line after the answer
    n = 0
    for log in ARGS.accesslog:
        with open(log, encoding="utf-8", errors="replace") as f:
            n += sum(text in line for line in f)
    return n


def unavailable(r):
    return (r.status == 503 and UNAVAILABLE_NL in r.body and 'class="message"' in r.body
            and 'name="choice"' not in r.body)


def retry(fn, seconds=15):
    """fn() until it returns a true value or seconds pass; the last value."""
    end = time.time() + seconds
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.3)


# ---- cross-node flows ----------------------------------------------------------------------

def test_login_across_nodes():
    A, B = ARGS.a, ARGS.b
    b = Browser(JAN, base=A)
    r, form = login_to_chooser(b, "/app/x")
    check(form is not None and len(form.choices) == 3, "node A starts the login with a chooser", r)
    if not form:
        return None
    r = choose(on(b, B), form, "Bakkerij")
    check(r.status == 303 and r.header("Location") == "/app/x",
          "node B completes the choice made on A's chooser", r)
    r = on(b, B).get("/app/x")
    h = backend_headers(r)
    check(r.status == 200 and h.get("mandaat-party") == BAKKERIJ and h.get("mandaat-basis") == "kbo"
          and h.get("x-forwarded-host") == node(B),
          "B's backend request carries the party chosen there", (r.status, h))
    r = on(b, A).get("/app/y")
    h = backend_headers(r)
    check(r.status == 200 and h.get("mandaat-party") == BAKKERIJ and h.get("x-forwarded-host") == node(A),
          "the session made on B works on A", (r.status, h))
    check(party_on(b, B) == BAKKERIJ and party_on(b, A) == BAKKERIJ,
          "the session works on A and B alike")
    return b


def test_switch_across_nodes(b):
    A, B = ARGS.a, ARGS.b
    r = on(b, B).get("/mandaat/switch?return_to=/app/s")
    check(r.status == 303 and r.header("Location") == "/mandaat/choose", "a switch starts on B", r)
    r = b.get("/mandaat/choose")
    form = parse_form(r.body)
    check(r.status == 200 and len(form.choices) == 3, "B shows the switch chooser", r)
    r = choose(on(b, A), form, "Vastgoed")
    check(r.status == 303 and r.header("Location") == "/app/s", "A completes the switch started on B", r)
    check(party_on(b, A, "/app/s") == VASTGOED and party_on(b, B) == VASTGOED,
          "after the switch both nodes pass on the new party")


def test_double_submit_sequential(b):
    A, B = ARGS.a, ARGS.b
    on(b, A).get("/mandaat/switch?return_to=/app/")
    form = parse_form(b.get("/mandaat/choose").body)
    ba = clone(b, A)  # keeps the cookies A's answer sets
    ra = choose(ba, form, "Bakkerij")
    rb = choose(clone(b, B), form, "Vastgoed")
    check(ra.status == 303 and rb.status == 400,
          "the same form posted to A, then B: only A's succeeds (B: transaction used)",
          (ra, rb))
    check(party_on(ba, A) == BAKKERIJ and party_on(ba, B) == BAKKERIJ,
          "after the refused second submit the first choice stands on both nodes")


def at_once(jobs):
    """Send (browser, method, path, form-or-None) jobs at the same moment: every connection is
    opened first, then all wait at a barrier. The statuses, in order (an exception's repr
    stands for a request that failed)."""
    barrier = threading.Barrier(len(jobs))
    out = [None] * len(jobs)

    def one(i, b, method, path, form):
        u = urllib.parse.urlsplit(b.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = {"Authorization": "Basic " + gw.base64.b64encode((b.user + ":pw").encode()).decode(),
             "Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.connect()
            barrier.wait(10)
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            r.read()
            out[i] = r.status
        except Exception as e:
            out[i] = repr(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,) + j) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_double_submit_concurrent():
    A, B = ARGS.a, ARGS.b
    rounds, both, none, results = ARGS.rounds, 0, 0, []
    for _ in range(rounds):
        b = Browser(JAN, base=A)
        r, form = login_to_chooser(b)
        if not form:
            check(False, "a chooser for the concurrent double submit", r)
            return
        post = {"csrf": form.hidden["csrf"], "choice": gw.choice_for(form, "Bakkerij")}
        st = at_once([(clone(b, n), "POST", "/mandaat/choose", post) for n in (A, B, A, B)])
        results.append(st)
        both += st.count(303) > 1
        none += st.count(303) == 0
    check(both == 0, "the same form posted twice to A and twice to B at the same moment succeeds "
          "at most once (%d rounds: %d with several sessions, %d with none)" % (rounds, both, none),
          results)


def test_logout_across_nodes():
    A, B = ARGS.a, ARGS.b
    b = Browser(JAN, base=A)
    r, form = login_to_chooser(b)
    if not form:
        check(False, "a chooser before logout", r)
        return
    choose(b, form, "Bakkerij")
    kept = dict(b.cookies)
    check(party_on(b, B) == BAKKERIJ, "a session made on A works on B before logout")
    r = on(b, A).get("/mandaat/logout")
    check(r.status == 200 and "mandaat_session" not in b.cookies, "logout on A", r)
    old = Browser(JAN, base=B)
    old.cookies = kept
    before = backend_hits()
    r = old.get("/app/")
    check(r.status == 303 and backend_hits() == before,
          "after logout on A the old session cookie opens nothing on B", r)


def test_logout_race():
    """Logout on A while requests with the same session are under way on B: afterwards the
    session must be gone on both nodes (a request that read it before the logout must not
    write it back)."""
    A, B = ARGS.a, ARGS.b
    alive, results = 0, []
    for _ in range(ARGS.rounds):
        b = session_browser(A)
        if not b:
            check(False, "a session for the logout race")
            return
        st = at_once([(clone(b, A), "GET", "/mandaat/logout", None)]
                     + [(clone(b, B), "GET", "/app/", None)] * 3)
        after = party_on(b, B)
        results.append((st, after))
        if after == BAKKERIJ:
            alive += 1
    check(alive == 0, "a logout on A at the same moment as requests on B ends the session "
          "(%d rounds, %d sessions still alive after logout)" % (ARGS.rounds, alive), results)


def test_revocation_across_nodes():
    A, B = ARGS.a, ARGS.b
    sessions = []
    for start in (A, B):
        b = Browser(PIET, base=start)
        r, form = login_to_chooser(b)
        if not form or not gw.choice_for(form, "Garage"):
            check(False, "an accountant's chooser offers Garage on %s" % node(start), r)
            return
        r = choose(b, form, "Garage")
        check(r.status == 303, "the accountant chooses Garage through node %s" % node(start), r)
        sessions.append(b)
    check(all(party_on(s, n) == GARAGE for s in sessions for n in (A, B)),
          "both sessions act for Garage on both nodes (both nodes have resolved them)")
    mid = gw.json.loads(ctl("mandate", "list", "--party", GARAGE, "--json").stdout)[-1]["id"]
    rv = ctl("mandate", "revoke", "--as", "61.03.03-155.87", str(mid))
    check(rv.returncode == 0, "mandaatctl revokes the mandate in the shared store", rv.stderr)
    before = backend_hits()
    got = [party_on(sessions[0], B), party_on(sessions[1], A)]
    check(got == [303, 303] and backend_hits() == before,
          "the revocation ends the session made on A (asked on B) and the one made on B (on A)",
          got)


def ctl(*args):
    return subprocess.run([ARGS.ctl, "--store", ARGS.store] + list(args),
                          capture_output=True, text=True)


# ---- fail closed ---------------------------------------------------------------------------

def session_browser(url):
    """A browser with a Bakkerij session made through node url, or None."""
    b = Browser(JAN, base=url)
    r, form = login_to_chooser(b)
    if form:
        choose(b, form, "Bakkerij")
    return b if party_on(b, url) == BAKKERIJ else None


def cross_login():
    """A login started on A and chosen on B, seen by the backend through A; the browser or None."""
    b = Browser(JAN, base=ARGS.a)
    r, form = login_to_chooser(b)
    if not form or choose(on(b, ARGS.b), form, "Vastgoed").status != 303:
        return None
    return b if party_on(b, ARGS.a) == VASTGOED else None


def recovered(what):
    """After an outage, the nodes may refuse a few more requests (each httpd child discards a
    broken pooled connection only when a request fails on it): retry a whole cross-node login
    for a while and tell how many attempts it took."""
    start, tries = time.time(), [0]

    def attempt():
        tries[0] += 1
        return cross_login()

    b = retry(attempt, 45)
    print("# %s back: a cross-node login succeeded after %d attempt(s), %.1f s"
          % (what, tries[0], time.time() - start))
    return b


def outage_checks(what, down, up):
    A, B = ARGS.a, ARGS.b
    sess = retry(lambda: session_browser(A), 20)

    def open_chooser():
        b = Browser(JAN, base=B)
        r, form = login_to_chooser(b)
        return (b, r, form) if form else None

    # After the previous outage some httpd children may still hold broken pooled
    # connections (see recovered()): retry until one serves the chooser.
    opened = retry(open_chooser, 30)
    pending, r, pform = opened if opened else (None, None, None)
    if not check(sess is not None and pform is not None,
                 "before the %s outage: a session and an open chooser" % what, r):
        return None
    if not hook(down):
        return None
    before, logged = backend_hits(), access_log_count("error=store_unavailable")
    r = clone(sess, A).get("/app/")
    check(unavailable(r), "%s down: a request with a session on A is 503 with the error page" % what, r)
    r = clone(sess, B).get("/app/")
    check(unavailable(r), "%s down: a request with that session on B is 503" % what, r)
    r = Browser(AN, base=A).get("/app/")
    check(unavailable(r), "%s down: a new login (one capacity, auto-select) is 503" % what, r)
    r = Browser(JAN, base=B).get("/app/")
    check(unavailable(r), "%s down: a new login with a chooser is 503" % what, r)
    r = choose(clone(pending, A), pform, "Bakkerij")
    check(r.status == 503 and "mandaat_session=" not in " ".join(r.all("Set-Cookie")),
          "%s down: a choice posted from a chooser opened before is 503 and makes no session"
          % what, r)
    check(backend_hits() == before, "%s down: the backend was never reached" % what,
          "%d requests reached it" % (backend_hits() - before))
    check(access_log_count("error=store_unavailable") >= logged + 5,
          "%s down: the access log has MANDAAT_ERROR store_unavailable for each refusal" % what)
    if what == "redis":
        # the session cannot be removed: the page must not say it was
        r = clone(sess, B).get("/mandaat/logout")
        check(unavailable(r), "redis down: logout is 503, not a confirmation", r)
    if not hook(up):
        return None
    check(recovered(what) is not None, "%s back: a login across the nodes works again" % what)
    return sess


def test_redis_down():
    outage_checks("redis", "redis_down", "redis_up")


def test_pg_down():
    sess = outage_checks("PostgreSQL", "pg_down", "pg_up")
    if sess:
        # redis kept the session: with the store back it grants the session again
        check(retry(lambda: party_on(sess, ARGS.b) == BAKKERIJ, 10),
              "PostgreSQL back: the session from before the outage works again")


def main():
    global ARGS
    if len(sys.argv) == 4 and sys.argv[1] == "backend":
        serve_backend(int(sys.argv[2]), sys.argv[3])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["checks"])
    for a in ("a", "b", "hooks", "ctl", "store", "backend-log"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--accesslog", action="append", required=True)
    ap.add_argument("--rounds", type=int, default=6)
    ARGS = ap.parse_args()
    b = None
    for t in (test_login_across_nodes, test_switch_across_nodes, test_double_submit_sequential,
              test_double_submit_concurrent, test_logout_across_nodes, test_logout_race,
              test_revocation_across_nodes, test_redis_down, test_pg_down):
        started = time.time()
        try:
            if t in (test_switch_across_nodes, test_double_submit_sequential):
                if b is None:
                    check(False, "%s needs the cross-node session" % t.__name__)
                    continue
                t(b)
            elif t is test_login_across_nodes:
                b = t()
            else:
                t()
        except Exception as e:  # a crash in one group must not hide the others
            check(False, "%s ran without an exception" % t.__name__, repr(e))
        print("# %s: %.1f s" % (t.__name__, time.time() - started))
    print("# %d failed" % len(gw.FAILED))
    sys.exit(1 if gw.FAILED else 0)


if __name__ == "__main__":
    main()
