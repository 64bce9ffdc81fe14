"""Tests of the Python client: offline ones of its own logic, and ones against a running server.

The server's tests need NOTIFY_TARGET (host:port), NOTIFY_ADMIN_TOKEN (an admin of the company),
NOTIFY_USER_TOKEN (a plain user of it) and NOTIFY_WEBHOOK_SECRET (its webhook secret); the company
is NOTIFY_COMPANY (default "acme"). Run them with clients/python/test.
"""
import datetime
import os
import subprocess
import sys
import unittest
import uuid

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))

from google.protobuf import any_pb2, duration_pb2  # noqa: E402

from rehive_notifications import (AdminClient, Notification, NotificationsError,  # noqa: E402
                                  UserClient, WebhookClient)
from rehive_notifications import _messages, messages  # noqa: E402
from rehive_notifications._pb.google.rpc import error_details_pb2, status_pb2  # noqa: E402

TARGET = os.environ.get("NOTIFY_TARGET", "")
ADMIN_TOKEN = os.environ.get("NOTIFY_ADMIN_TOKEN", "")
USER_TOKEN = os.environ.get("NOTIFY_USER_TOKEN", "")
WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
COMPANY = os.environ.get("NOTIFY_COMPANY", "acme")

# Every notification a run creates is named with this prefix, so runs never see each other's.
PREFIX = f"py-client-test-{uuid.uuid4().hex[:12]}-"

needs_server = unittest.skipUnless(
    TARGET and ADMIN_TOKEN and USER_TOKEN and WEBHOOK_SECRET,
    "set NOTIFY_TARGET, NOTIFY_ADMIN_TOKEN, NOTIFY_USER_TOKEN and NOTIFY_WEBHOOK_SECRET")


def status_details(code, message, *details):
    """A serialized google.rpc.Status, as the server sends in grpc-status-details-bin."""
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status.SerializeToString()


class FakeRpcError(grpc.RpcError, grpc.Call):
    """What a failed call raises, without a server."""

    def __init__(self, code, details, trailers=()):
        self._code, self._details, self._trailers = code, details, tuple(trailers)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


class FakeStub:
    """Records each call's request, timeout and metadata; answers with `answers[method]`."""

    def __init__(self, answers=None):
        self.calls = []
        self.answers = answers or {}

    def __getattr__(self, method):
        def call(request, timeout=None, metadata=None):
            self.calls.append((method, request, timeout, metadata))
            answer = self.answers.get(method)
            if isinstance(answer, Exception):
                raise answer
            if callable(answer):
                return answer(request)
            return answer
        return call


class ErrorTest(unittest.TestCase):
    """NotificationsError, built from a status and its details."""

    def test_error_info_and_retry_info(self):
        info = error_details_pb2.ErrorInfo(reason="INVALID_FIELD", domain="notifications.v1",
                                           metadata={"field": "event"})
        retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=2,
                                                                              nanos=500_000_000))
        raw = status_details(grpc.StatusCode.INVALID_ARGUMENT, "event: required", info, retry)
        error = NotificationsError.from_rpc_error(FakeRpcError(
            grpc.StatusCode.INVALID_ARGUMENT, "event: required",
            [("content-type", "x"), ("grpc-status-details-bin", raw)]))
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.message, "event: required")
        self.assertEqual(error.reason, "INVALID_FIELD")
        self.assertEqual(error.domain, "notifications.v1")
        self.assertEqual(error.field, "event")
        self.assertEqual(error.metadata, {"field": "event"})
        self.assertEqual(error.retry_after, 2.5)
        self.assertEqual(str(error), "INVALID_ARGUMENT: event: required (INVALID_FIELD)")

    def test_without_details(self):
        error = NotificationsError.from_rpc_error(
            FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"))
        self.assertEqual((error.code, error.message, error.reason, error.field, error.retry_after),
                         (grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded", "", "", None))
        self.assertEqual(str(error), "DEADLINE_EXCEEDED: Deadline Exceeded")

    def test_malformed_details_keep_the_status_line(self):
        error = NotificationsError.from_rpc_error(FakeRpcError(
            grpc.StatusCode.INTERNAL, "boom", [("grpc-status-details-bin", b"\xff\xff\xff")]))
        self.assertEqual((error.code, error.message, error.reason),
                         (grpc.StatusCode.INTERNAL, "boom", ""))

    def test_calls_raise_it(self):
        raw = status_details(grpc.StatusCode.NOT_FOUND, "No such notification.",
                             error_details_pb2.ErrorInfo(reason="NOTIFICATION_NOT_FOUND"))
        client = AdminClient("127.0.0.1:1", "t")
        client._stub = FakeStub({"GetNotification": FakeRpcError(
            grpc.StatusCode.NOT_FOUND, "No such notification.",
            [("grpc-status-details-bin", raw)])})
        with client, self.assertRaises(NotificationsError) as caught:
            client.get_notification("x")
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertEqual(caught.exception.reason, "NOTIFICATION_NOT_FOUND")
        self.assertIsInstance(caught.exception.__cause__, grpc.RpcError)


class OfflineClientTest(unittest.TestCase):
    """What the wrapper sends, checked against a fake stub."""

    def client(self, cls=AdminClient, credential="tok", answers=None, **kwargs):
        client = cls("127.0.0.1:1", credential, **kwargs)
        self.addCleanup(client.close)
        client._stub = FakeStub(answers)
        return client

    def test_deadline_and_metadata(self):
        answer = messages.GetNotificationResponse(notification=Notification(id="n1", name="a"))
        admin = self.client(answers={"GetNotification": answer}, timeout=3.0)
        self.assertEqual(admin.get_notification("n1").name, "a")
        admin.get_notification("n1", timeout=0.5)
        admin.get_notification("n1", timeout=None)
        calls = admin._stub.calls
        self.assertEqual([c[2] for c in calls], [3.0, 0.5, None])
        self.assertEqual(calls[0][3], (("authorization", "Token tok"),))
        self.assertEqual(calls[0][1], messages.GetNotificationRequest(id="n1"))

    def test_lifecycle_calls_send_no_metadata(self):
        admin = self.client(answers={"Rotate": messages.RotateResponse()})
        admin.rotate("new-token")
        self.assertEqual(admin._stub.calls[0][3], ())
        self.assertEqual(admin._stub.calls[0][1].token, "new-token")

    def test_update_mask_from_keywords(self):
        admin = self.client(answers={"UpdateNotification": messages.UpdateNotificationResponse()})
        admin.update_notification(id="n1", enabled=False, name="b")
        admin.update_notification(Notification(id="n1", name="c", subject="s"),
                                  update_mask=["name"])
        admin.update_notification({"id": "n1", "name": "d"}, update_mask="name,subject")
        requests = [c[1] for c in admin._stub.calls]
        self.assertEqual(list(requests[0].update_mask.paths), ["enabled", "name"])
        self.assertFalse(requests[0].notification.enabled)
        self.assertEqual(list(requests[1].update_mask.paths), ["name"])
        self.assertEqual(requests[1].notification.subject, "s")
        self.assertEqual(list(requests[2].update_mask.paths), ["name", "subject"])

    def test_iteration_follows_page_tokens(self):
        pages = {
            "": messages.ListNotificationsResponse(
                notifications=[Notification(id="1"), Notification(id="2")], next_page_token="p2"),
            "p2": messages.ListNotificationsResponse(notifications=[Notification(id="3")]),
        }
        admin = self.client(answers={"ListNotifications": lambda r: pages[r.page_token]})
        ids = [n.id for n in admin.iter_notifications(page_size=2, event="user.create")]
        self.assertEqual(ids, ["1", "2", "3"])
        sent = [c[1] for c in admin._stub.calls]
        self.assertEqual([(r.page_size, r.page_token, r.event) for r in sent],
                         [(2, "", "user.create"), (2, "p2", "user.create")])

    def test_a_repeated_page_token_stops_iteration(self):
        page = messages.ListLayoutsResponse(layouts=[messages.Layout(id="1")], next_page_token="x")
        admin = self.client(answers={"ListLayouts": page})
        with self.assertRaises(RuntimeError):
            list(admin.iter_layouts())

    def test_unknown_filter_raises_at_once(self):
        admin = self.client()
        with self.assertRaises(TypeError):
            admin.iter_notifications(colour="red")

    def test_values_are_converted(self):
        request = _messages.build(messages.ListLogsRequest, None, {
            "type": "sms", "status": "LOG_STATUS_SENT",
            "start_time": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        })
        self.assertEqual(request.type, messages.NotificationType.Value("NOTIFICATION_TYPE_SMS"))
        self.assertEqual(request.status, messages.LogStatus.Value("LOG_STATUS_SENT"))
        self.assertEqual(request.start_time.seconds, 1735787045)
        credential = _messages.build(messages.Credential, {"name": "mail", "sendgrid": {}})
        self.assertEqual(credential.WhichOneof("settings"), "sendgrid")
        with self.assertRaises(ValueError):
            _messages.build(Notification, None, {"type": "FAX"})

    def test_receive_event_sends_json(self):
        webhook = self.client(WebhookClient, "s3cret",
                              answers={"ReceiveEvent": messages.ReceiveEventResponse(id="e")})
        webhook.receive_event({"id": "1", "event": "user.create", "company": "acme", "data": {}})
        webhook.receive_event(b'{"id":"2"}')
        (_, first, _, metadata), (_, second, _, _) = webhook._stub.calls
        self.assertEqual(first.payload,
                         b'{"id":"1","event":"user.create","company":"acme","data":{}}')
        self.assertEqual(second.payload, b'{"id":"2"}')
        self.assertEqual(metadata, (("authorization", "Secret s3cret"),))

    def test_repr_hides_the_credential(self):
        self.assertNotIn("tok", repr(self.client(credential="tok")))


@needs_server
class ServerTest(unittest.TestCase):
    """Against the running server."""

    def setUp(self):
        self.admin = AdminClient(TARGET, ADMIN_TOKEN)
        self.addCleanup(self.admin.close)

    def create(self, suffix, **fields):
        """Creates a notification named PREFIX + suffix, deleted when the test ends."""
        values = dict(type="EMAIL", event="user.create", subject="Hello {{ user.first_name }}",
                      text_message="Welcome.", enabled=True)
        values.update(fields)
        notification = self.admin.create_notification(name=PREFIX + suffix, **values)
        self.addCleanup(self.delete_quietly, notification.id)
        return notification

    def delete_quietly(self, id):
        try:
            self.admin.delete_notification(id)
        except NotificationsError as error:
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise

    def assertRaisesStatus(self, code, reason, call, *args, **kwargs):
        with self.assertRaises(NotificationsError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.code, code, caught.exception)
        if reason is not None:
            self.assertEqual(caught.exception.reason, reason, caught.exception)
        return caught.exception

    def test_company(self):
        self.assertEqual(self.admin.get_company().id, COMPANY)

    def test_notification_lifecycle(self):
        created = self.admin.create_notification(
            Notification(type=messages.NOTIFICATION_TYPE_EMAIL, name=PREFIX + "lifecycle",
                         event="user.create", subject="Hi", text_message="Hello.",
                         description="before"))
        self.addCleanup(self.delete_quietly, created.id)
        self.assertTrue(created.id)
        self.assertEqual(created.name, PREFIX + "lifecycle")
        self.assertTrue(created.HasField("created"))

        fetched = self.admin.get_notification(created.id)
        self.assertEqual(fetched, created)

        # Only the fields in the mask change, whatever else the message holds.
        change = Notification(id=created.id, name=PREFIX + "renamed", description="ignored")
        updated = self.admin.update_notification(change, update_mask=["name"])
        self.assertEqual(updated.name, PREFIX + "renamed")
        self.assertEqual(updated.description, "before")
        self.assertEqual(self.admin.get_notification(created.id).name, PREFIX + "renamed")

        # Keyword fields are their own mask, so a field can go back to its default (false).
        self.admin.update_notification(id=created.id, enabled=True)
        self.assertFalse(self.admin.update_notification(id=created.id, enabled=False).enabled)

        self.admin.delete_notification(created.id)
        error = self.assertRaisesStatus(grpc.StatusCode.NOT_FOUND, "NOTIFICATION_NOT_FOUND",
                                        self.admin.get_notification, created.id)
        self.assertEqual(error.domain, "notifications.v1")
        self.assertRaisesStatus(grpc.StatusCode.NOT_FOUND, "NOTIFICATION_NOT_FOUND",
                                self.admin.delete_notification, created.id)

    def test_iteration_across_pages(self):
        created = {self.create(f"page-{i}").id for i in range(7)}

        # Filtered to this run's notifications: 7 over pages of 2.
        first = self.admin.list_notifications(page_size=2, name=PREFIX + "page-")
        self.assertEqual(len(first.notifications), 2)
        self.assertTrue(first.next_page_token)
        self.assertEqual(first.total_size, 7)
        seen = [n.id for n in self.admin.iter_notifications(page_size=2, name=PREFIX + "page-")]
        self.assertEqual(len(seen), 7)
        self.assertEqual(set(seen), created)

        # Unfiltered: ours are among the company's, each exactly once.
        everything = [n.id for n in self.admin.iter_notifications(page_size=2)]
        self.assertEqual(len(everything), len(set(everything)))
        self.assertTrue(created <= set(everything))

    def test_filters(self):
        sms = self.create("filter-sms", type="SMS", sms_message="Hi", subject="", text_message="")
        self.create("filter-email")
        found = [n.id for n in self.admin.iter_notifications(name=PREFIX + "filter-", type="SMS")]
        self.assertEqual(found, [sms.id])

    def test_invalid_notification(self):
        error = self.assertRaisesStatus(
            grpc.StatusCode.INVALID_ARGUMENT, None, self.admin.create_notification,
            name=PREFIX + "invalid", event="user.create")  # No type.
        self.assertEqual(error.field, "type")
        self.assertTrue(error.reason)
        error = self.assertRaisesStatus(
            grpc.StatusCode.INVALID_ARGUMENT, None, self.admin.create_notification,
            type="EMAIL", name=PREFIX + "invalid", event="")  # No event.
        self.assertEqual(error.field, "event")

    def test_negative_page_size(self):
        self.assertRaisesStatus(grpc.StatusCode.INVALID_ARGUMENT, None,
                                self.admin.list_notifications, page_size=-1)

    def test_bad_token(self):
        with AdminClient(TARGET, "not-a-token-" + uuid.uuid4().hex) as admin:
            self.assertRaisesStatus(grpc.StatusCode.UNAUTHENTICATED, None, admin.get_company)
            self.assertRaisesStatus(grpc.StatusCode.UNAUTHENTICATED, None,
                                    lambda: list(admin.iter_notifications()))

    def test_user_is_not_an_admin(self):
        with AdminClient(TARGET, USER_TOKEN) as admin:
            self.assertRaisesStatus(grpc.StatusCode.PERMISSION_DENIED, "ADMIN_REQUIRED",
                                    admin.get_company)

    def test_templates(self):
        templates = list(self.admin.iter_templates())
        self.assertTrue(templates)
        self.assertEqual(self.admin.get_template(templates[0].id).id, templates[0].id)
        self.assertRaisesStatus(grpc.StatusCode.NOT_FOUND, "TEMPLATE_NOT_FOUND",
                                self.admin.get_template, "no-such-template")

    def test_preview_and_replay(self):
        mine = self.create("preview", type="SMS", sms_message="Hi {{ user.first_name }}!")
        preview = self.admin.preview_notification(id=mine.id,
                                                  data={"user": {"first_name": "Ann"}})
        self.assertEqual(preview.sms_message, "Hi Ann!")
        self.assertTrue(preview.fires)
        self.assertRaisesStatus(grpc.StatusCode.NOT_FOUND, "EVENT_NOT_FOUND",
                                self.admin.replay_event, str(uuid.uuid4()))

    def test_user_lists_notifications(self):
        mine = self.create("user-visible", type="SYSTEM", subject="Hi", text_message="Hello.")
        with UserClient(TARGET, USER_TOKEN) as user:
            page = user.list_notifications(page_size=1)
            self.assertEqual(len(page.notifications), 1)
            self.assertGreaterEqual(page.total_size, 1)
            self.assertEqual(page.next_page_token == "", page.total_size == 1)
            listed = {n.id: n for n in user.iter_notifications(page_size=2)}
            self.assertIn(mine.id, listed)
            self.assertEqual(listed[mine.id].name, mine.name)
            self.assertEqual(user.get_notification(mine.id).id, mine.id)
            self.assertRaisesStatus(grpc.StatusCode.NOT_FOUND, "NOTIFICATION_NOT_FOUND",
                                    user.get_notification, str(uuid.uuid4()))

    def test_webhook_duplicate(self):
        event = {"id": "py-client-test-" + uuid.uuid4().hex, "event": "user.create",
                 "company": COMPANY, "data": {"id": str(uuid.uuid4())}}
        with WebhookClient(TARGET, WEBHOOK_SECRET) as webhook:
            first = webhook.receive_event(event)
            self.assertTrue(first.id)
            self.assertFalse(first.duplicate)
            again = webhook.receive_event(event)
            self.assertTrue(again.duplicate)
            self.assertEqual(again.id, first.id)
        self.assertEqual(self.admin.get_event(first.id).event_id, event["id"])

    def test_webhook_errors(self):
        with WebhookClient(TARGET, "wrong-" + uuid.uuid4().hex) as webhook:
            self.assertRaisesStatus(grpc.StatusCode.UNAUTHENTICATED, "WEBHOOK_SECRET_INVALID",
                                    webhook.receive_event, {"id": "x", "event": "user.create",
                                                            "company": COMPANY, "data": {}})
        with WebhookClient(TARGET, WEBHOOK_SECRET) as webhook:
            self.assertRaisesStatus(grpc.StatusCode.INVALID_ARGUMENT, "WEBHOOK_PAYLOAD_INVALID",
                                    webhook.receive_event, b"not json")

    def test_example(self):
        mine = self.create("example")
        result = subprocess.run(
            [os.path.join(ROOT, "example"), "--target", TARGET, "--token", ADMIN_TOKEN],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(mine.name, result.stdout.splitlines())

    def test_example_with_a_bad_token(self):
        bad_token = "bad-" + uuid.uuid4().hex
        result = subprocess.run(
            [os.path.join(ROOT, "example"), "--target", TARGET, "--token", bad_token],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertRegex(result.stderr, r"^error: UNAUTHENTICATED: .+ \([A-Z_]+\)\n$")


if __name__ == "__main__":
    unittest.main()
