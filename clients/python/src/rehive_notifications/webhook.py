"""WebhookClient: WebhookService, the platform's events."""
import json
from collections.abc import Mapping

from ._base import DEFAULT, BaseClient
from ._pb.notifications.v1 import webhook_service_pb2 as pb
from ._pb.notifications.v1 import webhook_service_pb2_grpc as pb_grpc


class WebhookClient(BaseClient):
    """WebhookService with a company's webhook secret (sent as `authorization: Secret <secret>`).

        with WebhookClient("127.0.0.1:50051", secret) as webhook:
            answer = webhook.receive_event({"id": "evt-1", "event": "user.create",
                                            "company": "acme", "data": {"id": "..."}})
            print(answer.id, answer.duplicate)
    """

    _stub_class = pb_grpc.WebhookServiceStub
    _scheme = "Secret"

    def __init__(self, target, secret, *, timeout=10.0, tls=False, root_certificates=None,
                 options=None):
        super().__init__(target, secret, timeout=timeout, tls=tls,
                         root_certificates=root_certificates, options=options)

    def receive_event(self, event, *, timeout=DEFAULT):
        """Hands the server one platform event: a mapping {"id", "event", "company", "data"}
        (sent as JSON) or the raw JSON itself as bytes or str (sent unchanged, so that numbers and
        key order survive exactly). Returns the ReceiveEventResponse: the stored event's `id`,
        `duplicate` (the server already had this company's event id) and `ignored`."""
        if isinstance(event, Mapping):
            payload = json.dumps(event, ensure_ascii=False, allow_nan=False,
                                 separators=(",", ":")).encode("utf-8")
        elif isinstance(event, str):
            payload = event.encode("utf-8")
        elif isinstance(event, (bytes, bytearray, memoryview)):
            payload = bytes(event)
        else:
            raise TypeError(f"expected a mapping, bytes or str, not {type(event).__name__}")
        return self.call("ReceiveEvent", pb.ReceiveEventRequest(payload=payload), timeout=timeout)
