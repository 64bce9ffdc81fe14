#!/usr/bin/python3
"""Tests of tools/platform-sim through real HTTP: the simulator runs as a child process on a port
the OS picks, webhook deliveries go to a receiver in this process. The last line printed is
"N passed, M failed"; the exit status is 0 only when nothing failed."""
import decimal
import http.client
import http.server
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import sim_runner

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.normpath(os.path.join(HERE, "..", "..", "tools", "platform-sim"))

ACME_ADMIN = "3f6c2a9e-8b1d-4c47-9a2e-5d0b7e41c9a1"
ACME_SERVICE = "7b2e4d10-5c3a-4f8e-b6d9-1a2c3e4f5a6b"
ACME_USER = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
ACME_USER2 = "9e8d7c6b-5a4f-4e3d-a2c1-b0a9f8e7d6c5"
GLOBEX_ADMIN = "5a1f0c3b-2d4e-4f60-8a7b-9c8d7e6f5a4b"
TOKENS = {
    ACME_ADMIN: "acmeadmin5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0d",
    ACME_SERVICE: "acmeservice5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc",
    ACME_USER: "acmeuser5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de",
    ACME_USER2: "acmeuser25eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0d",
    GLOBEX_ADMIN: "globexadmin5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc",
}
ADMIN, SERVICE, USER, GLOBEX = (TOKENS[u] for u in (ACME_ADMIN, ACME_SERVICE, ACME_USER,
                                                    GLOBEX_ADMIN))
USER_KEYS = {"id", "email", "mobile", "first_name", "last_name", "username", "company", "groups",
             "language", "timezone", "status", "verification", "created", "updated"}
COMPANY_KEYS = {"id", "name", "mode", "description", "website", "logo", "icon", "settings",
                "created", "updated"}
INVALID_TOKEN = {"status": "error", "message": "Invalid token."}
FORBIDDEN = {"status": "error", "message": "You do not have permission to perform this action."}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# No proxy from the environment may get between the tests and 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Response:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw
        self.json = json.loads(raw) if raw else None


def call(base, method, path, body=None, token=None, raw=None, timeout=15):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Token " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers, e.read())


class Sim(sim_runner.Child):
    """tools/platform-sim as a child process."""

    def __init__(self, *args, wait=True):
        super().__init__(SIM, *args, wait=wait)

    def call(self, *args, **kwargs):
        return call(self.base, *args, **kwargs)


class Receiver:
    """A webhook endpoint. Records each POST (path, headers, body). A path answers the statuses in
    scripts[path] in turn, then 200; paths under /hang/ answer only after 2 s."""

    def __init__(self):
        self.requests, self.scripts, self.lock = [], {}, threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                    script = receiver.scripts.get(self.path, [])
                    status = script.pop(0) if script else 200
                if self.path.startswith("/hang/"):
                    time.sleep(2)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, path):
        with self.lock:
            return [r for r in self.requests if r[0] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SHARED = None  # The Sim most tests use.
RECEIVER = None
INITIAL_SEED = None


def setUpModule():
    global SHARED, RECEIVER, INITIAL_SEED
    SHARED = Sim("--listen", "127.0.0.1:0")
    RECEIVER = Receiver()
    INITIAL_SEED = SHARED.call("GET", "/_sim/seed").json


def tearDownModule():
    if SHARED:
        SHARED.stop()
    if RECEIVER:
        RECEIVER.close()


_unique = iter(range(1, 1 << 30))


def unique(prefix):
    return f"{prefix}-{next(_unique)}-{time.monotonic_ns()}"


class SimTestCase(unittest.TestCase):
    def setUp(self):
        self.sim = SHARED
        self.assertEqual(self.sim.call("DELETE", "/_sim/faults").status, 200)
        self.assertEqual(self.sim.call("POST", "/_sim/calls/reset").status, 200)

    def call(self, *args, **kwargs):
        return self.sim.call(*args, **kwargs)

    def create_webhook(self, token, url, event, secret="s3cret"):
        r = self.call("POST", "/3/admin/webhooks/", {"url": url, "event": event, "secret": secret},
                      token=token)
        self.assertEqual(r.status, 201, r.json)
        return r.json["data"]

    def assertError(self, response, status, message=None):
        self.assertEqual(response.status, status, response.json)
        self.assertEqual(response.json["status"], "error")
        self.assertIsInstance(response.json["message"], str)
        if message is not None:
            self.assertEqual(response.json["message"], message)


class AuthTest(SimTestCase):
    def test_listening_line(self):
        line = self.sim.first
        self.assertEqual(set(line), {"time", "level", "msg", "service", "address"})
        self.assertRegex(line["time"], TIME_RE)
        self.assertEqual((line["level"], line["msg"], line["service"]),
                         ("info", "listening", "platform-sim"))
        self.assertRegex(line["address"], r"^127\.0\.0\.1:[1-9]\d*$")

    def test_each_default_token_authenticates_its_user(self):
        for uid, token in TOKENS.items():
            r = self.call("GET", "/3/auth/", token=token)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"], "application/json")
            self.assertEqual(r.json["status"], "success")
            user = r.json["data"]
            self.assertEqual(set(user), USER_KEYS)
            self.assertEqual(user["id"], uid)
            self.assertIsInstance(user["created"], int)
            self.assertEqual(set(user["verification"]), {"email", "mobile"})
            for group in user["groups"]:
                self.assertEqual(set(group), {"name", "label", "section"})
        self.assertEqual(self.call("GET", "/3/auth/", token=SERVICE).json["data"]["groups"],
                         [{"name": "service", "label": "Extension", "section": "admin"}])
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).json["data"]["groups"],
                         [{"name": "admin", "label": "Admin", "section": "admin"}])
        plain = self.call("GET", "/3/auth/", token=USER).json["data"]
        self.assertEqual(plain["groups"][0]["name"], "user")
        self.assertEqual(plain["company"], "acme")
        self.assertRegex(plain["mobile"], r"^\+[1-9]\d{7,14}$")
        self.assertIn("@", plain["email"])

    def test_missing_unknown_and_wrongly_sent_tokens_are_401(self):
        for headers in ({}, {"Authorization": "Token " + "x" * 64},
                        {"Authorization": "Bearer " + ADMIN}, {"Authorization": ADMIN},
                        {"Authorization": "Token"}):
            req = urllib.request.Request(self.sim.base + "/3/auth/", headers=headers)
            with self.assertRaises(urllib.error.HTTPError) as caught:
                OPENER.open(req, timeout=10)
            with caught.exception as e:
                self.assertEqual(e.code, 401)
                self.assertEqual(json.loads(e.read()), INVALID_TOKEN)

    def test_added_token_works_until_expired(self):
        token = unique("t").ljust(64, "0")[:64]
        r = self.call("POST", "/_sim/tokens", {"token": token, "user": ACME_USER2})
        self.assertEqual(r.status, 201)
        self.assertEqual(self.call("GET", "/3/auth/", token=token).json["data"]["id"], ACME_USER2)
        self.assertIn(token, self.call("GET", "/_sim/seed").json["tokens"])
        self.assertEqual(self.call("POST", "/_sim/tokens/expire", {"token": token}).json,
                         {"status": "success"})
        r = self.call("GET", "/3/auth/", token=token)
        self.assertEqual((r.status, r.json), (401, INVALID_TOKEN))
        self.assertNotIn(token, self.call("GET", "/_sim/seed").json["tokens"])
        self.assertError(self.call("POST", "/_sim/tokens/expire", {"token": token}), 404)
        self.assertError(self.call("POST", "/_sim/tokens", {"token": "abc", "user": "nobody"}), 400)


class CompanyTest(SimTestCase):
    def test_admin_and_service_users_get_their_company(self):
        for token in (ADMIN, SERVICE):
            r = self.call("GET", "/3/admin/company/", token=token)
            self.assertEqual(r.status, 200)
            company = r.json["data"]
            self.assertEqual(set(company), COMPANY_KEYS)
            self.assertEqual((company["id"], company["name"], company["mode"]),
                             ("acme", "Acme Wallet", "test"))
            self.assertEqual(company["settings"], {})
        company = self.call("GET", "/3/admin/company/", token=GLOBEX).json["data"]
        self.assertEqual((company["id"], company["name"], company["mode"]),
                         ("globex", "Globex Pay", "production"))

    def test_plain_user_is_forbidden_and_bad_token_unauthorized(self):
        r = self.call("GET", "/3/admin/company/", token=USER)
        self.assertEqual((r.status, r.json), (403, FORBIDDEN))
        r = self.call("GET", "/3/admin/company/", token="nope")
        self.assertEqual((r.status, r.json), (401, INVALID_TOKEN))
        r = self.call("GET", "/3/admin/company/")
        self.assertEqual((r.status, r.json), (401, INVALID_TOKEN))


class WebhookTest(SimTestCase):
    def test_create_and_list_with_filters(self):
        url = f"https://hooks.example/{unique('a')}"
        hook = self.create_webhook(SERVICE, url, "transaction.create", "abc")
        self.assertEqual(set(hook), {"id", "url", "event", "secret", "created"})
        self.assertIsInstance(hook["id"], int)
        self.assertIsInstance(hook["created"], int)
        self.assertEqual((hook["url"], hook["event"], hook["secret"]),
                         (url, "transaction.create", "abc"))
        other = self.create_webhook(ADMIN, url, "user.create", "def")

        query = urllib.parse.urlencode({"url": url})
        r = self.call("GET", "/3/admin/webhooks/?" + query, token=SERVICE)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json, {"status": "success", "data": {
            "count": 2, "next": None, "previous": None, "results": [hook, other]}})
        query = urllib.parse.urlencode({"url": url, "event": "user.create"})
        self.assertEqual(self.call("GET", "/3/admin/webhooks/?" + query, token=ADMIN)
                         .json["data"]["results"], [other])
        query = urllib.parse.urlencode({"url": url + "/", "event": "user.create"})
        self.assertEqual(self.call("GET", "/3/admin/webhooks/?" + query, token=ADMIN)
                         .json["data"]["count"], 0)
        everything = self.call("GET", "/3/admin/webhooks/", token=ADMIN).json["data"]
        self.assertEqual(everything["count"], len(everything["results"]))
        self.assertIn(hook, everything["results"])

    def test_list_is_scoped_to_the_company(self):
        url = f"https://hooks.example/{unique('scope')}"
        self.create_webhook(GLOBEX, url, "transaction.create")
        query = urllib.parse.urlencode({"url": url})
        self.assertEqual(self.call("GET", "/3/admin/webhooks/?" + query, token=ADMIN)
                         .json["data"]["results"], [])
        self.assertEqual(self.call("GET", "/3/admin/webhooks/?" + query, token=GLOBEX)
                         .json["data"]["count"], 1)

    def test_duplicate_url_and_event_is_rejected_per_company(self):
        url = f"https://hooks.example/{unique('dup')}"
        self.create_webhook(ADMIN, url, "transaction.create")
        r = self.call("POST", "/3/admin/webhooks/",
                      {"url": url, "event": "transaction.create", "secret": "other"}, token=SERVICE)
        message = "A webhook with the url and event already exists."
        self.assertEqual((r.status, r.json), (400, {"status": "error", "message": message,
                                                    "data": {"non_field_errors": [message]}}))
        self.create_webhook(GLOBEX, url, "transaction.create")  # another company: fine

    def test_missing_fields_are_field_errors(self):
        r = self.call("POST", "/3/admin/webhooks/", {"event": "transaction.create"}, token=ADMIN)
        self.assertError(r, 400)
        self.assertEqual(set(r.json["data"]), {"url", "secret"})
        self.assertTrue(all(isinstance(v, list) and v for v in r.json["data"].values()))
        r = self.call("POST", "/3/admin/webhooks/", {}, token=ADMIN)
        self.assertEqual(set(r.json["data"]), {"url", "event", "secret"})

    def test_malformed_json_is_400(self):
        for raw in (b"{not json", b"[1, 2]", b"\xff\xfe", b'{"url": NaN}'):
            r = self.call("POST", "/3/admin/webhooks/", raw=raw, token=ADMIN)
            self.assertError(r, 400)

    def test_plain_user_cannot_manage_webhooks(self):
        r = self.call("POST", "/3/admin/webhooks/",
                      {"url": "https://x.example/", "event": "e", "secret": "s"}, token=USER)
        self.assertEqual((r.status, r.json), (403, FORBIDDEN))
        self.assertEqual(self.call("GET", "/3/admin/webhooks/", token=USER).status, 403)
        self.assertEqual(self.call("DELETE", "/3/admin/webhooks/1/", token=USER).status, 403)
        self.assertEqual(self.call("GET", "/3/admin/webhooks/", token="bad").status, 401)

    def test_delete(self):
        hook = self.create_webhook(ADMIN, f"https://hooks.example/{unique('del')}", "e")
        foreign = self.create_webhook(GLOBEX, f"https://hooks.example/{unique('del')}", "e")
        self.assertError(self.call("DELETE", f"/3/admin/webhooks/{foreign['id']}/", token=ADMIN),
                         404)
        r = self.call("DELETE", f"/3/admin/webhooks/{hook['id']}/", token=SERVICE)
        self.assertEqual((r.status, r.json), (200, {"status": "success"}))
        self.assertError(self.call("DELETE", f"/3/admin/webhooks/{hook['id']}/", token=ADMIN), 404)
        self.assertError(self.call("DELETE", "/3/admin/webhooks/999999/", token=ADMIN), 404)
        self.assertError(self.call("DELETE", "/3/admin/webhooks/abc/", token=ADMIN), 404)
        ids = [h["id"] for h in self.call("GET", "/_sim/webhooks").json["data"]["results"]]
        self.assertNotIn(hook["id"], ids)
        self.assertIn(foreign["id"], ids)


class UserTest(SimTestCase):
    def test_user_of_own_company(self):
        for uid in (ACME_USER, ACME_USER2, ACME_SERVICE):
            r = self.call("GET", f"/3/admin/users/{uid}/", token=SERVICE)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json["data"],
                             self.call("GET", "/3/auth/", token=TOKENS[uid]).json["data"])

    def test_other_company_or_unknown_user_is_404(self):
        for path in (f"/3/admin/users/{GLOBEX_ADMIN}/",
                     "/3/admin/users/00000000-0000-4000-8000-000000000000/",
                     "/3/admin/users/not-a-uuid/"):
            self.assertError(self.call("GET", path, token=ADMIN), 404, "Not found.")
        self.assertEqual(self.call("GET", f"/3/admin/users/{ACME_ADMIN}/", token=USER).status, 403)

    def test_users_of_a_group(self):
        r = self.call("GET", "/3/admin/users/?group=user", token=ADMIN)
        self.assertEqual(r.status, 200)
        self.assertEqual(sorted(u["id"] for u in r.json["data"]["results"]),
                         sorted([ACME_USER, ACME_USER2]), "acme's users only, of that group")
        self.assertIsNone(r.json["data"]["next"])
        everyone = self.call("GET", "/3/admin/users/", token=ADMIN).json["data"]["results"]
        self.assertEqual(len(everyone), 4)
        self.assertEqual(self.call("GET", "/3/admin/users/?group=nobody", token=ADMIN)
                         .json["data"]["results"], [])
        self.assertEqual(self.call("GET", "/3/admin/users/?group=user", token=USER).status, 403)


class RoutingTest(SimTestCase):
    def test_unknown_path_is_404(self):
        for path in ("/", "/3/nothing/", "/3/auth", "/4/auth/"):
            self.assertError(self.call("GET", path, token=ADMIN), 404, "Not found.")

    def test_wrong_method_is_405(self):
        r = self.call("PUT", "/3/auth/", {}, token=ADMIN)
        self.assertError(r, 405)
        self.assertEqual(r.headers["Allow"], "GET")
        self.assertError(self.call("GET", "/3/admin/webhooks/1/", token=ADMIN), 405)
        self.assertError(self.call("DELETE", "/3/admin/webhooks/", token=ADMIN), 405)

    def test_keep_alive_with_content_length(self):
        host, port = self.sim.first["address"].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            socks = []
            for path in ("/3/auth/", "/3/admin/company/", "/nowhere"):
                conn.request("GET", path, headers={"Authorization": "Token " + ADMIN})
                r = conn.getresponse()
                body = r.read()
                self.assertEqual(int(r.headers["Content-Length"]), len(body))
                socks.append(conn.sock)
            self.assertIsNotNone(socks[0])
            self.assertTrue(all(s is socks[0] for s in socks), "connection was not reused")
        finally:
            conn.close()


class ControlTest(SimTestCase):
    def test_seed(self):
        seed = self.call("GET", "/_sim/seed").json
        self.assertEqual(set(seed), {"companies", "users", "tokens"})
        self.assertEqual({c["id"] for c in INITIAL_SEED["companies"]}, {"acme", "globex"})
        self.assertEqual(INITIAL_SEED["tokens"], {t: u for u, t in TOKENS.items()})
        users = {u["id"]: u for u in INITIAL_SEED["users"]}
        self.assertEqual(set(users), set(TOKENS))
        self.assertEqual({uid: u["company"] for uid, u in users.items()},
                         {ACME_ADMIN: "acme", ACME_SERVICE: "acme", ACME_USER: "acme",
                          ACME_USER2: "acme", GLOBEX_ADMIN: "globex"})
        for company in seed["companies"]:
            self.assertEqual(set(company), COMPANY_KEYS)
        for user in seed["users"]:
            self.assertEqual(set(user), USER_KEYS)

    def test_docstring_documents_the_default_tokens(self):
        with open(SIM, encoding="utf-8") as f:
            source = f.read()
        doc = source.split('"""')[1]
        for uid, token in TOKENS.items():
            self.assertEqual(len(token), 64)
            self.assertRegex(token, r"^[a-z0-9]{64}$")
            self.assertIn(token, doc)
            self.assertIn(uid, doc)

    def test_calls_are_counted_by_route(self):
        hook = self.create_webhook(ADMIN, f"https://hooks.example/{unique('c')}", "e")
        self.call("GET", "/3/auth/", token=ADMIN)
        self.call("GET", "/3/auth/?x=1", token="bad")
        self.call("DELETE", f"/3/admin/webhooks/{hook['id']}/", token=ADMIN)
        self.call("GET", f"/3/admin/users/{ACME_USER}/", token=ADMIN)
        self.call("GET", "/_sim/seed")
        calls = self.call("GET", "/_sim/calls").json
        self.assertEqual(calls["counts"], {
            "POST /3/admin/webhooks/": 1, "GET /3/auth/": 2,
            "DELETE /3/admin/webhooks/{id}/": 1, "GET /3/admin/users/{id}/": 1})
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls["calls"]], [
            ("POST", "/3/admin/webhooks/", 201), ("GET", "/3/auth/", 200),
            ("GET", "/3/auth/", 401), ("DELETE", f"/3/admin/webhooks/{hook['id']}/", 200),
            ("GET", f"/3/admin/users/{ACME_USER}/", 200)])
        self.assertTrue(all(isinstance(c["time"], int) for c in calls["calls"]))
        self.assertEqual(self.call("POST", "/_sim/calls/reset").json, {"status": "success"})
        self.assertEqual(self.call("GET", "/_sim/calls").json, {"counts": {}, "calls": []})

    def test_all_webhooks_with_company_and_secret(self):
        url = f"https://hooks.example/{unique('all')}"
        a = self.create_webhook(ADMIN, url, "e", "acme-secret")
        g = self.create_webhook(GLOBEX, url, "e", "globex-secret")
        r = self.call("GET", "/_sim/webhooks")
        self.assertEqual(r.status, 200)
        found = {h["id"]: h for h in r.json["data"]["results"] if h["url"] == url}
        self.assertEqual(found, {a["id"]: dict(a, company="acme"),
                                 g["id"]: dict(g, company="globex")})

    def test_added_company_and_user(self):
        slug = unique("co").replace("-", "")[:20]
        r = self.call("POST", "/_sim/companies",
                      {"id": slug, "name": "Initech", "mode": "production"})
        self.assertEqual(r.status, 201)
        self.assertEqual(set(r.json["data"]), COMPANY_KEYS)
        r = self.call("POST", "/_sim/users", {"company": slug, "groups": ["admin"],
                                              "email": "peter@initech.example"})
        self.assertEqual(r.status, 201)
        user = r.json["data"]
        self.assertEqual(set(user), USER_KEYS)
        self.assertRegex(user["id"], r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
        self.assertEqual(user["groups"], [{"name": "admin", "label": "Admin", "section": "admin"}])
        token = unique("tok").ljust(64, "a")[:64]
        self.assertEqual(self.call("POST", "/_sim/tokens", {"token": token, "user": user["id"]})
                         .status, 201)
        self.assertEqual(self.call("GET", "/3/auth/", token=token).json["data"], user)
        company = self.call("GET", "/3/admin/company/", token=token).json["data"]
        self.assertEqual((company["id"], company["name"]), (slug, "Initech"))
        self.assertIn(user, self.call("GET", "/_sim/seed").json["users"])
        self.assertError(self.call("POST", "/_sim/users", {"company": "no-such-co"}), 400)
        self.assertError(self.call("POST", "/_sim/companies", {"name": "no id"}), 400)


class FaultTest(SimTestCase):
    def fault(self, **rule):
        r = self.call("POST", "/_sim/faults", rule)
        self.assertEqual(r.status, 201, r.json)

    def statuses(self):
        return [c["status"] for c in self.call("GET", "/_sim/calls").json["calls"]]

    def test_error_for_a_number_of_calls(self):
        self.fault(path="/3/auth/", method="GET", status=503, count=2)
        for expected in (503, 503, 200, 200):
            r = self.call("GET", "/3/auth/", token=ADMIN)
            self.assertEqual(r.status, expected)
            self.assertEqual(r.json["status"], "error" if expected != 200 else "success")
        self.assertEqual(self.statuses(), [503, 503, 200, 200])
        self.assertEqual(self.call("GET", "/_sim/calls").json["counts"], {"GET /3/auth/": 4})

    def test_throttled_with_retry_after(self):
        self.fault(path="/3/admin/company/", status=429, retry_after=7)
        r = self.call("GET", "/3/admin/company/", token=ADMIN)
        self.assertError(r, 429)
        self.assertEqual(r.headers["Retry-After"], "7")
        self.fault(path="/3/auth/", status=503, retry_after=3, count=1)
        r = self.call("GET", "/3/auth/", token=ADMIN)
        self.assertEqual((r.status, r.headers["Retry-After"]), (503, "3"))

    def test_prefix_and_method_matching(self):
        self.fault(path="/3/admin/", method="post", status=500)
        self.assertEqual(self.call("GET", "/3/admin/company/", token=ADMIN).status, 200)
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).status, 200)
        r = self.call("POST", "/3/admin/webhooks/?x=1", {}, token=ADMIN)
        self.assertError(r, 500)
        self.assertEqual(self.call("DELETE", "/_sim/faults").json, {"status": "success"})
        self.assertEqual(self.call("POST", "/3/admin/webhooks/", {}, token=ADMIN).status, 400)

    def test_first_matching_rule_with_calls_left_applies(self):
        self.fault(path="/3/auth/", status=500, count=1)
        self.fault(path="/3/", status=503)
        self.assertEqual([self.call("GET", "/3/auth/", token=ADMIN).status for _ in range(3)],
                         [500, 503, 503])
        self.assertEqual(self.call("GET", "/_sim/seed").status, 200)  # control calls: never

    def test_delay_only(self):
        self.fault(path="/3/auth/", status=0, delay_ms=300, count=1)
        started = time.monotonic()
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.29)
        started = time.monotonic()
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).status, 200)
        self.assertLess(time.monotonic() - started, 0.29)

    def test_delayed_error(self):
        self.fault(path="/3/auth/", status=503, delay_ms=200, count=1)
        started = time.monotonic()
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).status, 503)
        self.assertGreaterEqual(time.monotonic() - started, 0.19)

    def test_close_without_answer(self):
        self.fault(path="/3/auth/", status=-1, count=1)
        with self.assertRaises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
            self.call("GET", "/3/auth/", token=ADMIN)
        self.assertEqual(self.call("GET", "/3/auth/", token=ADMIN).status, 200)
        self.assertEqual(self.statuses(), [0, 200])

    def test_listing_and_invalid_rules(self):
        self.fault(path="/3/auth/", status=503, count=2)
        rules = self.call("GET", "/_sim/faults").json["data"]["results"]
        self.assertEqual([(r["path"], r["status"], r["count"]) for r in rules],
                         [("/3/auth/", 503, 2)])
        for rule in ({"status": 503}, {"path": "/3/", "status": 200}, {"path": "/3/"},
                     {"path": "/3/", "status": 503, "count": 0}, {"path": "/3/", "status": "503"},
                     {"path": "/3/", "status": 503, "delay_ms": -1}):
            self.assertError(self.call("POST", "/_sim/faults", rule), 400)


class FireTest(SimTestCase):
    def fire(self, body=None, raw=None):
        r = self.call("POST", "/_sim/fire", body, raw=raw)
        self.assertEqual(r.status, 200, r.json)
        self.assertEqual(r.json["status"], "success")
        return r.json["data"]

    def wait_for(self, event_id, done, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            r = self.call("GET", f"/_sim/fired/{event_id}")
            self.assertEqual(r.status, 200)
            if done(r.json["data"]) or time.monotonic() > deadline:
                return r.json["data"]
            time.sleep(0.05)

    def test_delivers_the_event_byte_faithfully(self):
        path = "/" + unique("ok")
        hook = self.create_webhook(SERVICE, RECEIVER.url + path, "transaction.create", "sh-secret")
        self.create_webhook(SERVICE, RECEIVER.url + path, "user.create")  # other event
        self.create_webhook(GLOBEX, RECEIVER.url + path, "transaction.create")  # other company
        data = ('{"amount": 123456789012345678901234567890, "fee": 1.10, "rate": 2.50e-3, '
                '"note": "caf\u00e9 \u2615 \\u00e9", "nested": {"list": [1, -0, null, true, {}]}}')
        raw = ('{"company": "acme", "event": "transaction.create", "id": "evt-1", '
               '"retry_delays_ms": [], "data": ' + data + '}').encode("utf-8")
        result = self.fire(raw=raw)
        self.assertEqual(result["id"], "evt-1")
        self.assertEqual(len(result["deliveries"]), 1)
        delivery = result["deliveries"][0]
        self.assertEqual(set(delivery), {"webhook", "url", "attempts", "delivered",
                                         "pending_retries"})
        self.assertEqual((delivery["webhook"], delivery["url"], delivery["delivered"],
                          delivery["pending_retries"]), (hook["id"], hook["url"], True, 0))
        self.assertEqual(len(delivery["attempts"]), 1)
        attempt = delivery["attempts"][0]
        self.assertEqual((attempt["status"], attempt["error"]), (200, ""))
        self.assertIsInstance(attempt["time"], int)

        received = RECEIVER.received(path)
        self.assertEqual(len(received), 1)
        _, headers, body = received[0]
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Authorization"], "Secret sh-secret")
        self.assertIn(data.encode("utf-8"), body)
        sent = json.loads(body, parse_float=decimal.Decimal)
        self.assertEqual(list(sent), ["id", "event", "company", "data"])
        self.assertEqual((sent["id"], sent["event"], sent["company"]),
                         ("evt-1", "transaction.create", "acme"))
        self.assertEqual(sent["data"]["amount"], 123456789012345678901234567890)
        self.assertEqual(str(sent["data"]["fee"]), "1.10")
        self.assertEqual(sent["data"]["note"], "caf\u00e9 \u2615 \u00e9")
        self.assertEqual(self.call("GET", "/_sim/fired/evt-1").json["data"], result)

    def test_no_subscribers(self):
        result = self.fire({"company": "globex", "event": unique("nobody.listens"), "data": {}})
        self.assertIsInstance(result["id"], str)
        self.assertTrue(result["id"])
        self.assertEqual(result["deliveries"], [])
        self.assertEqual(self.call("GET", f"/_sim/fired/{result['id']}").json["data"], result)

    def test_failures_are_retried_until_delivered(self):
        path = "/" + unique("flaky")
        RECEIVER.scripts[path] = [500, 503]
        event = unique("transaction.update")
        hook = self.create_webhook(ADMIN, RECEIVER.url + path, event)
        result = self.fire({"company": "acme", "event": event, "data": {"n": 1},
                            "retry_delays_ms": [50, 50, 50, 50]})
        delivery = result["deliveries"][0]
        self.assertEqual((delivery["webhook"], delivery["delivered"], delivery["pending_retries"]),
                         (hook["id"], False, 4))
        self.assertEqual([a["status"] for a in delivery["attempts"]], [500])
        final = self.wait_for(result["id"], lambda d: d["deliveries"][0]["delivered"])
        delivery = final["deliveries"][0]
        self.assertEqual([a["status"] for a in delivery["attempts"]], [500, 503, 200])
        self.assertEqual((delivery["delivered"], delivery["pending_retries"]), (True, 0))
        bodies = {r[2] for r in RECEIVER.received(path)}
        self.assertEqual(len(RECEIVER.received(path)), 3)
        self.assertEqual(len(bodies), 1)  # every attempt sends the same event

    def test_timeouts_and_connection_errors(self):
        event = unique("transaction.delete")
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        self.create_webhook(ADMIN, RECEIVER.url + "/hang/" + unique("h"), event)
        self.create_webhook(ADMIN, f"http://127.0.0.1:{closed_port}/x", event)
        started = time.monotonic()
        result = self.fire({"company": "acme", "event": event, "data": {},
                            "retry_delays_ms": [30], "timeout_ms": 300})
        self.assertLess(time.monotonic() - started, 1.5)  # first attempts run in parallel
        for delivery in result["deliveries"]:
            self.assertEqual((delivery["delivered"], delivery["pending_retries"]), (False, 1))
            self.assertEqual(delivery["attempts"][0]["status"], 0)
            self.assertTrue(delivery["attempts"][0]["error"])
        final = self.wait_for(result["id"], lambda d: all(len(x["attempts"]) == 2
                                                          for x in d["deliveries"]))
        for delivery in final["deliveries"]:
            self.assertEqual([a["status"] for a in delivery["attempts"]], [0, 0])
            self.assertEqual((delivery["delivered"], delivery["pending_retries"]), (False, 0))
        self.assertIn("timed out", final["deliveries"][0]["attempts"][0]["error"])

    def test_bad_fire_requests(self):
        self.assertError(self.call("POST", "/_sim/fire", {"event": "e"}), 400)
        self.assertError(self.call("POST", "/_sim/fire", {"company": "acme", "event": "e",
                                                          "retry_delays_ms": [-1]}), 400)
        self.assertError(self.call("POST", "/_sim/fire", raw=b"{oops"), 400)
        self.assertError(self.call("POST", "/_sim/fire", {"company": "nope", "event": "e"}), 404)
        self.assertError(self.call("GET", "/_sim/fired/no-such-event"), 404)


class ProcessTest(unittest.TestCase):
    def run_sim(self, *args):
        return subprocess.run([SIM, *args], capture_output=True, text=True, timeout=20)

    def test_print_seed_and_help(self):
        r = self.run_sim("--print-seed")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), INITIAL_SEED)
        r = self.run_sim("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--listen", r.stdout)
        self.assertIn("--print-seed", r.stdout)

    def test_bad_command_line_exits_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            broken = os.path.join(tmp, "broken.json")
            with open(broken, "w") as f:
                f.write("{nope")
            dangling = os.path.join(tmp, "dangling.json")
            with open(dangling, "w") as f:
                json.dump({"companies": [], "users": [], "tokens": {"t": ACME_ADMIN}}, f)
            for args, mention in ((["--listen", "nonsense"], "--listen"),
                                  (["--listen", "127.0.0.1:99999"], "--listen"),
                                  (["--seed", broken], "--seed"),
                                  (["--seed", os.path.join(tmp, "missing.json")], "--seed"),
                                  (["--seed", dangling], "--seed"), (["--bogus"], "--bogus")):
                r = self.run_sim(*args)
                self.assertEqual(r.returncode, 2, args)
                self.assertIn(mention, r.stderr)

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            r = self.run_sim("--listen", "127.0.0.1:%d" % s.getsockname()[1])
        self.assertNotEqual(r.returncode, 0)
        line = json.loads(r.stderr.strip().splitlines()[-1])
        self.assertEqual((line["level"], line["service"]), ("error", "platform-sim"))

    def test_seed_file(self):
        token = "f" * 64
        uid = "11111111-2222-4333-8444-555555555555"
        seed = {"companies": [{"id": "initech", "name": "Initech"}],
                "users": [{"id": uid, "company": "initech", "groups": ["service"],
                           "first_name": "Milton"}],
                "tokens": {token: uid}}
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(seed, f)
            f.flush()
            printed = json.loads(self.run_sim("--seed", f.name, "--print-seed").stdout)
            sim = Sim("--listen", "127.0.0.1:0", "--seed", f.name)
        try:
            def untimed(seed):  # "created" and "updated" default to the time of loading
                return [{k: v for k, v in o.items() if k not in ("created", "updated")}
                        for o in seed["companies"] + seed["users"]]

            self.assertEqual(untimed(sim.call("GET", "/_sim/seed").json), untimed(printed))
            self.assertEqual(printed["tokens"], {token: uid})
            user = sim.call("GET", "/3/auth/", token=token).json["data"]
            self.assertEqual((user["id"], user["company"], user["first_name"]),
                             (uid, "initech", "Milton"))
            self.assertEqual(user["groups"],
                             [{"name": "service", "label": "Extension", "section": "admin"}])
            self.assertEqual(sim.call("GET", "/3/admin/company/", token=token).json["data"]["name"],
                             "Initech")
            self.assertEqual(sim.call("GET", "/3/auth/", token=ADMIN).status, 401)
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            sim = Sim("--listen", "127.0.0.1:0")
            self.assertEqual(sim.call("GET", "/3/auth/", token=ADMIN).status, 200)
            self.assertEqual(sim.stop(sig), 0)
            self.assertEqual(json.loads(sim.lines[-1])["msg"], "stopped")

    def test_verbose_logs_are_json_without_secrets(self):
        sim = Sim("--listen", "127.0.0.1:0", "--verbose")
        try:
            sim.call("POST", "/3/admin/webhooks/", {"url": RECEIVER.url + "/v", "event": "e",
                                                    "secret": "very-secret-value"}, token=ADMIN)
            sim.call("GET", "/3/auth/?token=" + SERVICE, token=ADMIN)
            sim.call("POST", "/_sim/fire", {"company": "acme", "event": "e", "data": {},
                                            "retry_delays_ms": []})
        finally:
            self.assertEqual(sim.stop(), 0)
        output = "".join(sim.lines)
        for secret in (ADMIN, SERVICE, "very-secret-value"):
            self.assertNotIn(secret, output)
        lines = [json.loads(line) for line in sim.lines]
        for line in lines:
            self.assertTrue({"time", "level", "msg", "service"} <= set(line), line)
            self.assertRegex(line["time"], TIME_RE)
        requests = [line for line in lines if line["msg"] == "request"]
        # A request is logged once answered, so the next one's line may come first.
        self.assertCountEqual([(r["level"], r["method"], r["path"], r["status"]) for r in requests], [
            ("debug", "POST", "/3/admin/webhooks/", 201), ("debug", "GET", "/3/auth/", 200),
            ("debug", "POST", "/_sim/fire", 200)])


if __name__ == "__main__":
    sys.exit(sim_runner.run(__name__))
