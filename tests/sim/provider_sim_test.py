#!/usr/bin/python3
"""Tests of tools/provider-sim and tools/smtp-sink as child processes on ports the OS picks: the
providers' APIs and the simulator's control API over real HTTP, the sink over real SMTP (smtplib).
JWTs for the token endpoint are signed here with the openssl CLI, from a key made by
`provider-sim --make-fcm-account`. The last line printed is "N passed, M failed"; the exit status
is 0 only when nothing failed."""
import base64
import email
import email.policy
import http.client
import json
import os
import queue
import re
import shutil
import signal
import smtplib
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
from email.message import EmailMessage

import sim_runner

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "tools"))
PROVIDER_SIM = os.path.join(TOOLS, "provider-sim")
SMTP_SINK = os.path.join(TOOLS, "smtp-sink")

TWILIO_SID = "ACtest0000000000000000000000000000"
TWILIO_TOKEN = "twilio-test-token-0123456789abcdef"
SENDGRID_KEY = "SG.test-key-0123456789"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MESSAGES = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"

# No proxy from the environment may get between the tests and 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Response:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None


def call(base, method, path, body=None, form=None, headers=None, raw=None, timeout=15):
    headers = dict(headers or {})
    data = raw
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers, e.read())


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token):
    return {"Authorization": "Bearer " + token}


class Child(sim_runner.Child):
    def call(self, *args, **kwargs):
        return call(self.base, *args, **kwargs)


def openssl(*args, stdin=None):
    r = subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {args[0]}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(key_file, claims, alg="RS256"):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signed = f"{header}.{payload}".encode()
    signature = openssl("dgst", "-sha256", "-sign", key_file, stdin=signed)
    return f"{header}.{payload}.{b64url(signature)}"


SIM = None  # The provider-sim most tests use (with --verbose, to check its log).
TMP = None
ACCOUNT = None  # The service account made by --make-fcm-account: its JSON plus "key_file".
OTHER_KEY = None  # A private key the simulator does not know.
_unique = iter(range(1, 1 << 30))


def unique(prefix):
    return f"{prefix}-{next(_unique)}-{time.monotonic_ns()}"


def setUpModule():
    global SIM, TMP, ACCOUNT, OTHER_KEY
    TMP = tempfile.mkdtemp(prefix="provider-sim-test-")
    r = subprocess.run([PROVIDER_SIM, "--make-fcm-account", os.path.join(TMP, "fcm")],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"--make-fcm-account failed: {r.stderr}")
    account_path, public_path, fcm_arg = r.stdout.splitlines()
    with open(account_path) as f:
        ACCOUNT = json.load(f)
    ACCOUNT.update(path=account_path, public_path=public_path, fcm_arg=fcm_arg,
                   key_file=os.path.join(TMP, "key.pem"))
    with open(ACCOUNT["key_file"], "w") as f:
        f.write(ACCOUNT["private_key"])
    OTHER_KEY = os.path.join(TMP, "other.pem")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", OTHER_KEY)
    SIM = Child(PROVIDER_SIM, "--listen", "127.0.0.1:0", "--verbose", "--fcm-account", fcm_arg)


def tearDownModule():
    if SIM:
        SIM.stop()
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


class SimTestCase(unittest.TestCase):
    def setUp(self):
        self.sim = SIM
        self.assertEqual(self.sim.call("POST", "/_sim/reset").status, 200)

    def call(self, *args, **kwargs):
        return self.sim.call(*args, **kwargs)

    def requests(self, provider=None):
        query = f"?provider={provider}" if provider else ""
        r = self.call("GET", "/_sim/requests" + query)
        self.assertEqual(r.status, 200, r.json)
        return r.json["requests"]

    def fault(self, **rule):
        r = self.call("POST", "/_sim/faults", rule)
        self.assertEqual(r.status, 201, r.json)
        return r.json

    def twilio(self, form, auth=(TWILIO_SID, TWILIO_TOKEN), sid=TWILIO_SID):
        headers = basic(*auth) if auth else {}
        return self.call("POST", f"/2010-04-01/Accounts/{sid}/Messages.json", form=form,
                         headers=headers)

    def claims(self, **overrides):
        now = int(time.time())
        claims = {"iss": ACCOUNT["client_email"], "scope": FCM_SCOPE,
                  "aud": self.sim.base + "/token", "iat": now, "exp": now + 3600}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def exchange(self, assertion, grant_type=JWT_GRANT):
        return self.call("POST", "/token", form={"grant_type": grant_type, "assertion": assertion})

    def access_token(self):
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims()))
        self.assertEqual(r.status, 200, r.json)
        return r.json["access_token"]

    def fcm(self, message, token, project="notify-test"):
        return self.call("POST", f"/v1/projects/{project}/messages:send", {"message": message},
                         headers=bearer(token))


class TwilioTest(SimTestCase):
    def test_send(self):
        r = self.twilio({"To": "+15558675310", "From": "+15017122661", "Body": "Hi there"})
        self.assertEqual(r.status, 201, r.json)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        m = r.json
        self.assertRegex(m["sid"], r"^SM[0-9a-f]{32}$")
        self.assertEqual((m["status"], m["to"], m["from"], m["body"], m["account_sid"]),
                         ("queued", "+15558675310", "+15017122661", "Hi there", TWILIO_SID))
        self.assertEqual(m["uri"], f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{m['sid']}.json")
        self.assertIsNone(m["error_code"])
        r = self.twilio({"To": "+447700900123", "MessagingServiceSid": "MG" + "1" * 32,
                         "Body": "\u00e9" * 71})
        self.assertEqual(r.status, 201, r.json)
        self.assertEqual((r.json["from"], r.json["messaging_service_sid"], r.json["num_segments"]),
                         (None, "MG" + "1" * 32, "2"))
        record = self.requests("twilio")[0]
        self.assertEqual(record["form"], {"To": "+15558675310", "From": "+15017122661",
                                          "Body": "Hi there"})
        self.assertEqual(record["auth"], {"scheme": "basic", "user": TWILIO_SID, "valid": True})
        self.assertEqual((record["status"], record["fault"], record["method"]), (201, False, "POST"))

    def test_authentication(self):
        form = {"To": "+15558675310", "From": "+15017122661", "Body": "x"}
        other_sid = "AC" + "f" * 32
        for auth, sid in (((TWILIO_SID, "wrong"), TWILIO_SID), (None, TWILIO_SID),
                          (("ACnobody", TWILIO_TOKEN), "ACnobody"),
                          ((TWILIO_SID, TWILIO_TOKEN), other_sid)):
            r = self.twilio(form, auth=auth, sid=sid)
            self.assertEqual(r.status, 401, auth)
            self.assertEqual(r.json["code"], 20003)
            self.assertEqual(r.json["message"], "Authenticate")
            self.assertEqual(r.json["status"], 401)
            self.assertIn("more_info", r.json)
        self.assertEqual([(x["auth"] or {}).get("valid") for x in self.requests("twilio")],
                         [False, None, False, False])
        r = self.call("POST", "/_sim/twilio/accounts", {"sid": other_sid, "token": "tok-2"})
        self.assertEqual(r.status, 201)
        self.assertEqual(self.twilio(form, auth=(other_sid, "tok-2"), sid=other_sid).status, 201)
        self.assertEqual(self.call("POST", "/_sim/twilio/accounts", {"sid": "x"}).status, 400)

    def test_invalid_parameters(self):
        cases = [({"From": "+15017122661", "Body": "x"}, 21604),
                 ({"To": "0044 7700", "From": "+15017122661", "Body": "x"}, 21211),
                 ({"To": "15558675310", "From": "+15017122661", "Body": "x"}, 21211),
                 ({"To": "+15558675310", "Body": "x"}, 21603),
                 ({"To": "+15558675310", "From": "+15017122661"}, 21602),
                 ({"To": "+15558675310", "From": "+15017122661", "Body": "x" * 1601}, 21617)]
        for form, code in cases:
            r = self.twilio(form)
            self.assertEqual((r.status, r.json["code"], r.json["status"]), (400, code, 400), form)
            self.assertIsInstance(r.json["message"], str)
        r = self.twilio({"To": "nonsense", "From": "+15017122661", "Body": "x"})
        self.assertEqual(r.json["message"], "The 'To' number nonsense is not a valid phone number.")
        # A JSON body is not how Twilio is called: no parameters arrive.
        r = self.call("POST", MESSAGES, {"To": "+15558675310", "Body": "x"},
                      headers=basic(TWILIO_SID, TWILIO_TOKEN))
        self.assertEqual((r.status, r.json["code"]), (400, 21604))


class SendGridTest(SimTestCase):
    MAIL = {"personalizations": [{"to": [{"email": "thabo@mail.example", "name": "Thabo"}]}],
            "from": {"email": "noreply@acme.example", "name": "Acme"}, "subject": "Welcome",
            "content": [{"type": "text/plain", "value": "Hello"},
                        {"type": "text/html", "value": "<p>Hello</p>"}]}

    def send(self, mail, key=SENDGRID_KEY):
        return self.call("POST", "/v3/mail/send", mail, headers=bearer(key) if key else {})

    def test_send(self):
        r = self.send(self.MAIL)
        self.assertEqual(r.status, 202)
        self.assertEqual(r.raw, b"")
        self.assertRegex(r.headers["X-Message-Id"], r"^[A-Za-z0-9_-]{16,}$")
        record = self.requests("sendgrid")[0]
        self.assertEqual(record["json"], self.MAIL)
        self.assertEqual(record["auth"], {"scheme": "bearer", "valid": True})
        self.assertEqual(record["status"], 202)

    def test_bad_key(self):
        expected = {"errors": [{"message": "The provided authorization grant is invalid, "
                                           "expired, or revoked", "field": None, "help": None}]}
        for key in ("SG.wrong", None):
            r = self.send(self.MAIL, key=key)
            self.assertEqual((r.status, r.json), (401, expected))
        self.assertEqual(self.call("POST", "/_sim/sendgrid/keys", {"key": "SG.second"}).status,
                         201)
        self.assertEqual(self.send(self.MAIL, key="SG.second").status, 202)

    def test_invalid_bodies(self):
        def without(key):
            return {k: v for k, v in self.MAIL.items() if k != key}

        cases = [(without("personalizations"), "personalizations"),
                 (without("from"), "from.email"), (without("subject"), "subject"),
                 (without("content"), "content"),
                 ({**self.MAIL, "personalizations": [{"to": [{"email": "not-an-address"}]}]},
                  "personalizations.0.to.0.email"),
                 ({**self.MAIL, "content": [{"type": "text/plain", "value": ""}]},
                  "content.0.value"),
                 ({**self.MAIL, "content": list(reversed(self.MAIL["content"]))}, "content")]
        for mail, field in cases:
            r = self.send(mail)
            self.assertEqual(r.status, 400, mail)
            self.assertIn(field, [e["field"] for e in r.json["errors"]], r.json)
            for error in r.json["errors"]:
                self.assertEqual(set(error), {"message", "field", "help"})
        r = self.call("POST", "/v3/mail/send", raw=b"{oops", headers={
            **bearer(SENDGRID_KEY), "Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertTrue(r.json["errors"])
        # The subject may come from every personalization instead.
        mail = {**without("subject"), "personalizations": [
            {"to": [{"email": "a@b.example"}], "subject": "S"}]}
        self.assertEqual(self.send(mail).status, 202)


class TokenTest(SimTestCase):
    def assertGrantError(self, response, error="invalid_grant"):
        self.assertEqual(response.status, 400, response.json)
        self.assertEqual(set(response.json), {"error", "error_description"})
        self.assertEqual(response.json["error"], error)
        self.assertTrue(response.json["error_description"])

    def test_exchange(self):
        assertion = make_jwt(ACCOUNT["key_file"], self.claims())
        r = self.exchange(assertion)
        self.assertEqual(r.status, 200, r.json)
        self.assertEqual(set(r.json), {"access_token", "expires_in", "token_type"})
        self.assertRegex(r.json["access_token"], r"^ya29\.[A-Za-z0-9_-]{20,}$")
        self.assertEqual((r.json["expires_in"], r.json["token_type"]), (3600, "Bearer"))
        record = self.requests("token")[0]
        self.assertEqual(record["form"], {"grant_type": JWT_GRANT, "assertion": "<redacted>"})
        self.assertEqual(record["jwt"]["header"]["alg"], "RS256")
        self.assertEqual(record["jwt"]["claims"]["iss"], ACCOUNT["client_email"])
        self.assertEqual(record["jwt"]["claims"]["scope"], FCM_SCOPE)
        self.assertNotIn(assertion, json.dumps(self.requests()))
        # The real token URI (what a service account file names) is accepted as "aud" too.
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims(aud=ACCOUNT["token_uri"])))
        self.assertEqual(r.status, 200, r.json)
        # A scope list that includes FCM's.
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims(
            scope="https://www.googleapis.com/auth/cloud-platform " + FCM_SCOPE)))
        self.assertEqual(r.status, 200, r.json)

    def test_bad_signature(self):
        self.assertGrantError(self.exchange(make_jwt(OTHER_KEY, self.claims())))
        good = make_jwt(ACCOUNT["key_file"], self.claims())
        header, payload, signature = good.split(".")
        tampered = b64url(json.dumps(self.claims(exp=int(time.time()) + 3000)).encode())
        self.assertGrantError(self.exchange(f"{header}.{tampered}.{signature}"))
        none_header = b64url(json.dumps({"alg": "none"}).encode())
        self.assertGrantError(self.exchange(f"{none_header}.{payload}."))
        self.assertGrantError(self.exchange("not-a-jwt"))

    def test_bad_claims(self):
        now = int(time.time())
        for claims in (self.claims(iat=now - 7200, exp=now - 3600),  # expired
                       self.claims(exp=now + 7200),  # longer than an hour
                       self.claims(iat=now + 3600, exp=now + 4000),  # issued in the future
                       self.claims(exp=None),
                       self.claims(iss="nobody@else.iam.gserviceaccount.com"),
                       self.claims(aud="https://example.com/oauth"), self.claims(aud=None)):
            self.assertGrantError(self.exchange(make_jwt(ACCOUNT["key_file"], claims)))
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims(
            scope="https://www.googleapis.com/auth/cloud-platform")))
        self.assertGrantError(r, "invalid_scope")
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims()), grant_type="password")
        self.assertGrantError(r, "unsupported_grant_type")
        self.assertGrantError(self.call("POST", "/token", form={"grant_type": JWT_GRANT}),
                              "invalid_request")

    def test_accounts_by_control(self):
        public = openssl("pkey", "-pubout", "-in", OTHER_KEY).decode()
        email_ = unique("ctl") + "@other-project.iam.gserviceaccount.com"
        claims = self.claims(iss=email_)
        self.assertGrantError(self.exchange(make_jwt(OTHER_KEY, claims)))
        r = self.call("POST", "/_sim/fcm/accounts", {"client_email": email_,
                                                     "public_key_pem": public,
                                                     "project_id": "other-project"})
        self.assertEqual(r.status, 201, r.json)
        r = self.exchange(make_jwt(OTHER_KEY, claims))
        self.assertEqual(r.status, 200, r.json)
        token = r.json["access_token"]
        self.assertEqual(self.fcm({"token": "t"}, token, project="other-project").status, 200)
        r = self.fcm({"token": "t"}, token, project="notify-test")
        self.assertEqual((r.status, r.json["error"]["status"]), (403, "PERMISSION_DENIED"))
        for bad in ({"client_email": "x@y.example", "public_key_pem": "nope"},
                    {"client_email": "x@y.example",
                     "public_key_pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                       "-----END PUBLIC KEY-----\n"},
                    {"public_key_pem": public}):
            self.assertEqual(self.call("POST", "/_sim/fcm/accounts", bad).status, 400, bad)

    def test_expiry_setting(self):
        r = self.call("POST", "/_sim/settings", {"token_expires_in": 1})
        self.assertEqual((r.status, r.json), (200, {"token_expires_in": 1}))
        r = self.exchange(make_jwt(ACCOUNT["key_file"], self.claims()))
        self.assertEqual(r.json["expires_in"], 1)
        token = r.json["access_token"]
        self.assertEqual(self.fcm({"token": "t"}, token).status, 200)
        time.sleep(1.1)
        self.assertEqual(self.fcm({"token": "t"}, token).status, 401)
        self.assertEqual(self.call("POST", "/_sim/settings", {"token_expires_in": -1}).status, 400)
        self.assertEqual(self.call("POST", "/_sim/settings", {"other": 1}).status, 400)
        self.call("POST", "/_sim/reset")
        self.assertEqual(self.call("GET", "/_sim/settings").json, {"token_expires_in": 3600})


class FcmTest(SimTestCase):
    def test_send(self):
        token = self.access_token()
        message = {"token": "device-token-1", "notification": {"title": "Hi", "body": "There"},
                   "data": {"event": "transaction.create", "id": "42"}}
        r = self.fcm(message, token)
        self.assertEqual(r.status, 200, r.json)
        self.assertRegex(r.json["name"], r"^projects/notify-test/messages/\S+$")
        record = self.requests("fcm")[-1]
        self.assertEqual(record["json"], {"message": message})
        self.assertEqual(record["auth"], {"scheme": "bearer", "valid": True})
        self.assertEqual(record["headers"]["Authorization"], "<redacted>")
        self.assertNotIn(token, json.dumps(self.requests()))

    def test_unregistered_token(self):
        token = self.access_token()
        device = unique("gone")
        self.assertEqual(self.call("POST", "/_sim/fcm/unregistered", {"token": device}).status,
                         201)
        r = self.fcm({"token": device, "notification": {"title": "t"}}, token)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json, {"error": {
            "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "UNREGISTERED"}]}})

    def test_bad_bearer(self):
        for headers in (bearer("ya29.not-issued"), {}, bearer(SENDGRID_KEY),
                        basic("a", "b")):
            r = self.call("POST", "/v1/projects/notify-test/messages:send",
                          {"message": {"token": "t"}}, headers=headers)
            self.assertEqual(r.status, 401)
            self.assertEqual((r.json["error"]["code"], r.json["error"]["status"]),
                             (401, "UNAUTHENTICATED"))
            self.assertIn("invalid authentication credentials", r.json["error"]["message"])

    def test_invalid_messages(self):
        token = self.access_token()
        for message in ({"notification": {"title": "no target"}}, {"token": ""},
                        {"token": "t", "topic": "news"}, {"token": "t", "data": {"n": 1}},
                        {"token": "t", "notification": {"title": 5}},
                        {"token": "t", "priority": "high"}):
            r = self.fcm(message, token)
            self.assertEqual((r.status, r.json["error"]["status"]), (400, "INVALID_ARGUMENT"),
                             message)
            codes = [d.get("errorCode") for d in r.json["error"].get("details", [])]
            self.assertIn("INVALID_ARGUMENT", codes)
        r = self.call("POST", "/v1/projects/notify-test/messages:send", {"token": "t"},
                      headers=bearer(token))
        self.assertEqual(r.status, 400)


class FaultTest(SimTestCase):
    FORM = {"To": "+15558675310", "From": "+15017122661", "Body": "x"}

    def test_errors_then_success(self):
        self.fault(provider="twilio", status=500, count=2)
        statuses = [self.call("POST", MESSAGES, form=self.FORM,
                              headers=basic(TWILIO_SID, TWILIO_TOKEN)) for _ in range(3)]
        self.assertEqual([r.status for r in statuses], [500, 500, 201])
        self.assertEqual((statuses[0].json["status"], statuses[0].json["code"]), (500, 20500))
        records = self.requests("twilio")
        self.assertEqual([(r["status"], r["fault"]) for r in records],
                         [(500, True), (500, True), (201, False)])
        self.assertTrue(all(r["auth"]["valid"] for r in records))
        self.assertEqual(self.call("GET", "/_sim/faults").json["faults"][0]["remaining"], 0)

    def test_provider_shaped_bodies_retry_after_and_custom_body(self):
        self.fault(provider="fcm", status=503, retry_after=7)
        self.fault(path="/v3/", status=429, body={"custom": True})
        token = self.access_token()
        r = self.fcm({"token": "t"}, token)
        self.assertEqual((r.status, r.headers["Retry-After"]), (503, "7"))
        self.assertEqual(r.json["error"]["status"], "UNAVAILABLE")
        r = self.call("POST", "/v3/mail/send", SendGridTest.MAIL, headers=bearer(SENDGRID_KEY))
        self.assertEqual((r.status, r.json), (429, {"custom": True}))
        self.assertIsNone(r.headers["Retry-After"])
        self.assertEqual(self.call("POST", "/noop", raw=b"x").status, 200)  # no rule left for it

    def test_delay(self):
        self.fault(provider="noop", status=0, delay_ms=300)
        started = time.monotonic()
        r = self.call("POST", "/noop", raw=b"{}")
        self.assertEqual((r.status, r.json), (200, {}))
        self.assertGreaterEqual(time.monotonic() - started, 0.29)
        self.assertEqual([(x["status"], x["fault"]) for x in self.requests("noop")],
                         [(200, True)])

    def test_hanging_request_does_not_block_others(self):
        self.fault(provider="sendgrid", status=0, delay_ms=1500)
        slow = {}
        thread = threading.Thread(target=lambda: slow.setdefault("r", self.call(
            "POST", "/v3/mail/send", SendGridTest.MAIL, headers=bearer(SENDGRID_KEY))))
        thread.start()
        time.sleep(0.1)
        started = time.monotonic()
        self.assertEqual(self.call("POST", "/noop").status, 200)
        pending = self.requests("sendgrid")
        self.assertLess(time.monotonic() - started, 1)
        self.assertEqual([(x["status"], x["fault"]) for x in pending], [(0, True)])
        thread.join(10)
        self.assertEqual(slow["r"].status, 202)
        self.assertEqual(self.requests("sendgrid")[0]["status"], 202)

    def test_close_without_answer(self):
        self.fault(path="/2010-04-01/", status=-1)
        with self.assertRaises((http.client.HTTPException, ConnectionError,
                                urllib.error.URLError)):
            self.call("POST", MESSAGES, form=self.FORM, headers=basic(TWILIO_SID, TWILIO_TOKEN))
        r = self.call("POST", MESSAGES, form=self.FORM, headers=basic(TWILIO_SID, TWILIO_TOKEN))
        self.assertEqual(r.status, 201)
        self.assertEqual([(x["status"], x["fault"]) for x in self.requests("twilio")],
                         [(0, True), (201, False)])

    def test_listing_clearing_and_invalid_rules(self):
        rule = self.fault(provider="token", method="post", status=500, count=3, delay_ms=5)
        self.assertEqual({k: rule[k] for k in ("provider", "method", "status", "count",
                                               "remaining", "delay_ms", "retry_after")},
                         {"provider": "token", "method": "POST", "status": 500, "count": 3,
                          "remaining": 3, "delay_ms": 5, "retry_after": None})
        self.assertEqual(len(self.call("GET", "/_sim/faults").json["faults"]), 1)
        self.assertEqual(self.call("DELETE", "/_sim/faults").status, 200)
        self.assertEqual(self.call("GET", "/_sim/faults").json, {"faults": []})
        for bad in ({"status": 500}, {"provider": "smtp", "status": 500},
                    {"path": "noslash", "status": 500}, {"provider": "fcm"},
                    {"provider": "fcm", "status": 700}, {"provider": "fcm", "status": "500"},
                    {"provider": "fcm", "status": 500, "count": 0},
                    {"provider": "fcm", "status": 500, "delay_ms": -1}):
            r = self.call("POST", "/_sim/faults", bad)
            self.assertEqual(r.status, 400, bad)
            self.assertIsInstance(r.json["error"], str)


class ControlTest(SimTestCase):
    def test_listening_line(self):
        line = self.sim.first
        self.assertEqual(set(line), {"time", "level", "msg", "service", "address"})
        self.assertRegex(line["time"], TIME_RE)
        self.assertEqual((line["level"], line["msg"], line["service"]),
                         ("info", "listening", "provider-sim"))
        self.assertRegex(line["address"], r"^127\.0\.0\.1:[1-9]\d*$")

    def test_noop_and_unknown_paths(self):
        r = self.call("POST", "/noop", raw=b"anything at all")
        self.assertEqual((r.status, r.json), (200, {}))
        self.assertEqual(self.call("GET", "/noop").status, 405)
        self.assertEqual(self.call("POST", "/elsewhere", raw=b"").status, 404)
        r = self.call("POST", "/2010-04-01/Accounts/X/Calls.json", raw=b"")
        self.assertEqual((r.status, r.json["code"]), (404, 20404))
        self.assertEqual(self.call("GET", "/_sim/nothing").status, 404)
        self.assertEqual(self.call("PUT", "/_sim/faults", {}).status, 405)
        self.assertEqual([x["provider"] for x in self.requests()], ["noop", "noop", "other",
                                                                    "twilio"])

    def test_requests_record_everything_and_filter(self):
        self.call("POST", MESSAGES, form=FaultTest.FORM, headers=basic(TWILIO_SID, TWILIO_TOKEN))
        self.call("POST", "/v3/mail/send", SendGridTest.MAIL, headers=bearer(SENDGRID_KEY))
        self.call("POST", "/noop", headers={"X-Trace": "t-1"}, raw=b"{}")
        records = self.requests()
        self.assertEqual([r["provider"] for r in records], ["twilio", "sendgrid", "noop"])
        for r in records:
            self.assertTrue({"id", "time", "provider", "method", "path", "headers", "form", "json",
                             "status", "fault", "auth"} <= set(r))
        self.assertEqual(records[2]["headers"]["X-Trace"], "t-1")
        self.assertIsNone(records[2]["auth"])
        self.assertEqual([r["provider"] for r in self.requests("sendgrid")], ["sendgrid"])
        self.assertEqual(self.requests("fcm"), [])
        self.assertEqual(self.call("GET", "/_sim/requests?provider=smtp").status, 400)
        self.call("POST", "/_sim/reset")
        self.assertEqual(self.requests(), [])

    def test_authorization_is_redacted_everywhere(self):
        token = self.access_token()
        self.call("POST", MESSAGES, form=FaultTest.FORM, headers=basic(TWILIO_SID, TWILIO_TOKEN))
        self.call("POST", "/v3/mail/send", SendGridTest.MAIL, headers=bearer(SENDGRID_KEY))
        self.fcm({"token": "t"}, token)
        self.call("POST", "/noop", headers=bearer("noop-secret"), raw=b"")
        dump = json.dumps(self.requests())
        basic_value = basic(TWILIO_SID, TWILIO_TOKEN)["Authorization"].split()[1]
        for secret in (TWILIO_TOKEN, basic_value, SENDGRID_KEY, token, "noop-secret"):
            self.assertNotIn(secret, dump)
        records = [r for r in self.requests() if r["provider"] != "token"]
        self.assertEqual(len(records), 4)
        for record in records:
            self.assertEqual(record["headers"]["Authorization"], "<redacted>")
        deadline = time.monotonic() + 5  # the log line follows the answer; the drainer lags
        while '"/noop"' not in "".join(self.sim.lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        log = "".join(self.sim.lines)
        for secret in (TWILIO_TOKEN, basic_value, SENDGRID_KEY, token, "noop-secret"):
            self.assertNotIn(secret, log)
        for line in self.sim.lines:
            line = json.loads(line)
            self.assertTrue({"time", "level", "msg", "service"} <= set(line))
        noops = [json.loads(x) for x in self.sim.lines if '"/noop"' in x]
        self.assertEqual([(x["level"], x["msg"], x["provider"], x["status"]) for x in noops][-1],
                         ("debug", "request", "noop", 200))


class ProcessTest(unittest.TestCase):
    def run_tool(self, tool, *args):
        return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)

    def test_make_fcm_account(self):
        self.assertEqual(ACCOUNT["type"], "service_account")
        self.assertEqual(ACCOUNT["project_id"], "notify-test")
        self.assertEqual(ACCOUNT["token_uri"], "https://oauth2.googleapis.com/token")
        self.assertRegex(ACCOUNT["client_email"], r"^[a-z0-9-]+@notify-test\.iam\."
                                                   r"gserviceaccount\.com$")
        self.assertIn("-----BEGIN PRIVATE KEY-----", ACCOUNT["private_key"])
        self.assertTrue(ACCOUNT["path"].endswith("/service-account.json"))
        self.assertEqual(os.stat(ACCOUNT["path"]).st_mode & 0o077, 0)
        self.assertEqual(ACCOUNT["fcm_arg"], f"{ACCOUNT['client_email']}={ACCOUNT['public_path']}")
        derived = openssl("pkey", "-pubout", "-in", ACCOUNT["key_file"]).decode()
        with open(ACCOUNT["public_path"]) as f:
            self.assertEqual(f.read(), derived)

    def test_help_and_bad_command_lines(self):
        r = self.run_tool(PROVIDER_SIM, "--help")
        self.assertEqual(r.returncode, 0)
        for word in ("--listen", "--fcm-account", "--make-fcm-account", "/_sim/faults"):
            self.assertIn(word, r.stdout)
        for args, mention in ((["--listen", "nonsense"], "--listen"),
                              (["--listen", "127.0.0.1:99999"], "--listen"),
                              (["--fcm-account", "no-equals"], "--fcm-account"),
                              (["--fcm-account", "a@b.example=/nonexistent.pem"],
                               "--fcm-account"),
                              (["--fcm-account", f"a@b.example={ACCOUNT['path']}"],
                               "--fcm-account"),
                              (["--bogus"], "--bogus")):
            r = self.run_tool(PROVIDER_SIM, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(mention, r.stderr)

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            r = self.run_tool(PROVIDER_SIM, "--listen", "127.0.0.1:%d" % s.getsockname()[1])
        self.assertEqual(r.returncode, 1)
        line = json.loads(r.stderr.strip().splitlines()[-1])
        self.assertEqual((line["level"], line["msg"], line["service"]),
                         ("error", "cannot listen", "provider-sim"))

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            sim = Child(PROVIDER_SIM, "--listen", "127.0.0.1:0")
            self.assertEqual(sim.call("POST", "/noop").status, 200)
            self.assertEqual(sim.stop(sig), 0)
            self.assertEqual([json.loads(x)["msg"] for x in sim.lines], ["listening", "stopped"])

    def test_sigterm_while_a_request_hangs(self):
        sim = Child(PROVIDER_SIM, "--listen", "127.0.0.1:0")
        sim.call("POST", "/_sim/faults", {"provider": "noop", "status": 0, "delay_ms": 60000})
        outcome = {}

        def hang():
            try:
                outcome["status"] = sim.call("POST", "/noop", timeout=30).status
            except (http.client.HTTPException, OSError) as e:
                outcome["error"] = e

        thread = threading.Thread(target=hang, daemon=True)
        thread.start()
        time.sleep(0.2)
        started = time.monotonic()
        self.assertEqual(sim.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)
        thread.join(10)
        self.assertIn("error", outcome)  # no answer rather than a false success


# --------------------------------------------------------------------------------------------------
# smtp-sink

def raw_message(subject="Hello", to="thabo@mail.example", text="Hello there.\n"):
    m = EmailMessage()
    m["From"] = "Acme <noreply@acme.example>"
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = "Mon, 01 Jan 2024 00:00:00 +0000"
    m.set_content(text)
    m.add_alternative(f"<p>{text}</p>", subtype="html")
    return m.as_bytes(policy=email.policy.SMTP)


class SinkTestCase(unittest.TestCase):
    def start(self, *args):
        self.maildir = tempfile.mkdtemp(prefix="smtp-sink-test-")
        self.addCleanup(shutil.rmtree, self.maildir, True)
        sink = Child(SMTP_SINK, "--listen", "127.0.0.1:0", "--maildir", self.maildir, *args)
        self.addCleanup(sink.stop)
        self.host, port = sink.address.rsplit(":", 1)
        self.port = int(port)
        return sink

    def smtp(self):
        client = smtplib.SMTP(self.host, self.port, timeout=10)
        self.addCleanup(client.close)
        return client

    def stored(self):
        names = sorted(os.listdir(self.maildir))
        out = []
        for name in names:
            if name.endswith(".eml"):
                base = os.path.join(self.maildir, name[:-4])
                with open(base + ".eml", "rb") as f, open(base + ".json") as g:
                    out.append((name, f.read(), json.load(g)))
        return out


class SinkTest(SinkTestCase):
    def test_message_is_stored_exactly(self):
        sink = self.start("--verbose")
        self.assertEqual((sink.first["msg"], sink.first["service"]), ("listening", "smtp-sink"))
        self.assertRegex(sink.first["address"], r"^127\.0\.0\.1:[1-9]\d*$")
        raw = raw_message(text="Line one\n.starts with a dot\n")
        self.assertIn(b"\r\n", raw)
        client = self.smtp()
        client.sendmail("noreply@acme.example", ["thabo@mail.example", "maria@mail.example"], raw)
        client.sendmail("noreply@acme.example", ["second@mail.example"], raw_message("Two"))
        stored = self.stored()
        self.assertEqual(len(stored), 2)
        name, content, meta = stored[0]
        self.assertRegex(name, r"^000001-\d{13}\.eml$")
        self.assertRegex(stored[1][0], r"^000002-\d{13}\.eml$")
        self.assertEqual(content, raw)
        self.assertEqual(set(meta), {"mail_from", "rcpt_tos", "received", "auth_login"})
        self.assertEqual((meta["mail_from"], meta["rcpt_tos"], meta["auth_login"]),
                         ("noreply@acme.example", ["thabo@mail.example", "maria@mail.example"],
                          None))
        self.assertRegex(meta["received"], TIME_RE)
        self.assertFalse([n for n in os.listdir(self.maildir) if n.startswith(".")])
        self.assertEqual(sink.stop(), 0)
        log = [json.loads(x) for x in sink.lines]
        self.assertEqual([x["msg"] for x in log], ["listening", "message", "message", "stopped"])
        self.assertNotIn("Line one", "".join(sink.lines))

    def test_sequence_continues_after_restart(self):
        sink = self.start()
        self.smtp().sendmail("a@x.example", ["b@y.example"], raw_message())
        self.assertEqual(sink.stop(), 0)
        sink = Child(SMTP_SINK, "--listen", "127.0.0.1:0", "--maildir", self.maildir)
        self.addCleanup(sink.stop)
        self.port = int(sink.address.rsplit(":", 1)[1])
        self.smtp().sendmail("a@x.example", ["b@y.example"], raw_message())
        self.assertEqual([n[:6] for n, _, _ in self.stored()], ["000001", "000002"])

    def test_recipient_faults(self):
        self.start()
        client = self.smtp()
        refused = client.sendmail("a@x.example", ["ok@y.example", "reject-me@y.example",
                                                  "busy.box@y.example"], raw_message())
        self.assertEqual(refused["reject-me@y.example"][0], 550)
        self.assertIn(b"5.1.1", refused["reject-me@y.example"][1])
        self.assertEqual(refused["busy.box@y.example"][0], 451)
        self.assertIn(b"4.3.0", refused["busy.box@y.example"][1])
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as caught:
            client.sendmail("a@x.example", ["Reject@y.example"], raw_message())
        self.assertEqual(caught.exception.recipients["Reject@y.example"][0], 550)
        stored = self.stored()
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0][2]["rcpt_tos"], ["ok@y.example"])

    def test_auth(self):
        sink = self.start("--auth", "mailer:s3cret-pass", "--verbose")
        client = self.smtp()
        client.ehlo()
        self.assertIn("PLAIN", client.esmtp_features["auth"])
        self.assertIn("LOGIN", client.esmtp_features["auth"])
        with self.assertRaises(smtplib.SMTPSenderRefused) as caught:
            client.sendmail("a@x.example", ["b@y.example"], raw_message())
        self.assertEqual(caught.exception.smtp_code, 530)
        with self.assertRaises(smtplib.SMTPAuthenticationError) as caught:
            client.login("mailer", "wrong")
        self.assertEqual(caught.exception.smtp_code, 535)
        for mechanism in ("PLAIN", "LOGIN"):
            client = self.smtp()
            client.ehlo()
            client.user, client.password = "mailer", "s3cret-pass"
            code, _ = client.auth(mechanism, getattr(client, "auth_" + mechanism.lower()),
                                  initial_response_ok=mechanism == "PLAIN")
            self.assertEqual(code, 235)
            client.sendmail("a@x.example", ["b@y.example"], raw_message(mechanism))
        self.assertEqual([m["auth_login"] for _, _, m in self.stored()], ["mailer", "mailer"])
        self.assertEqual(sink.stop(), 0)
        self.assertNotIn("s3cret-pass", "".join(sink.lines))

    def test_any_credentials_without_auth_flag(self):
        self.start()
        client = self.smtp()
        client.login("whoever", "whatever")
        client.sendmail("a@x.example", ["b@y.example"], raw_message())
        self.assertEqual(self.stored()[0][2]["auth_login"], "whoever")

    def test_print(self):
        self.start()
        client = self.smtp()
        client.sendmail("a@x.example", ["b@y.example"], raw_message("First"))
        client.sendmail("noreply@acme.example", ["thabo@mail.example"],
                        raw_message("R\u00e9sum\u00e9 \u2615 ready", to="Thabo <thabo@mail.example>",
                                    text="Caf\u00e9 is open \u2615\nSecond line\n"))
        r = subprocess.run([SMTP_SINK, "--print", self.maildir], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("From:     Acme <noreply@acme.example>", r.stdout)
        self.assertIn("To:       Thabo <thabo@mail.example>", r.stdout)
        self.assertIn("Subject:  R\u00e9sum\u00e9 \u2615 ready", r.stdout)
        self.assertIn("Caf\u00e9 is open \u2615\nSecond line", r.stdout)
        self.assertIn("000002-", r.stdout)
        self.assertNotIn("<p>", r.stdout)
        self.assertNotIn("First", r.stdout)

    def test_print_empty_and_bad_command_lines(self):
        with tempfile.TemporaryDirectory() as empty:
            r = subprocess.run([SMTP_SINK, "--print", empty], capture_output=True, text=True,
                               timeout=20)
            self.assertEqual(r.returncode, 1)
            self.assertIn("no message", r.stderr)
            for args in ([], ["--listen", "nope", "--maildir", empty],
                         ["--maildir", empty, "--auth", "nocolon"], ["--bogus"],
                         ["--maildir", "/proc/nope/x"]):
                r = subprocess.run([SMTP_SINK, *args], capture_output=True, text=True,
                                   timeout=20)
                self.assertEqual(r.returncode, 2, args)
            r = subprocess.run([SMTP_SINK, "--help"], capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0)
            self.assertIn("--maildir", r.stdout)

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            sink = self.start()
            self.smtp().noop()
            self.assertEqual(sink.stop(sig), 0)
            self.assertEqual(json.loads(sink.lines[-1])["msg"], "stopped")


if __name__ == "__main__":
    sys.exit(sim_runner.run(__name__))
