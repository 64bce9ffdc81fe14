"""What the three clients share: the channel, the credential metadata, deadlines, errors, paging."""
import grpc

from . import _messages
from .errors import NotificationsError

# The `timeout=` default of every method: "the client's timeout". None means no deadline.
DEFAULT = object()


class BaseClient:
    """A channel to the server and the metadata that authenticates each call.

    target            "host:port" (or any gRPC target, such as "dns:///notify.example.com:443")
    timeout           seconds each call may take (its deadline), unless the call gives `timeout=`;
                      None means no deadline
    tls               use TLS, with the system's root certificates unless `root_certificates`
                      is given
    root_certificates PEM bytes of the certificates that may sign the server's; implies TLS
    options           extra gRPC channel arguments, as a sequence of (name, value) pairs
    """

    _stub_class = None  # Set by each client: the generated stub of its service.
    _scheme = ""  # The authorization metadata's scheme: "Token" or "Secret".

    def __init__(self, target, credential, *, timeout=10.0, tls=False, root_certificates=None,
                 options=None):
        if not target:
            raise ValueError("target is required, as host:port")
        if credential is None or not str(credential):
            raise ValueError(f"a {self._scheme.lower()} is required")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive seconds, or None for no deadline")
        self.target = target
        self.timeout = timeout
        self._metadata = (("authorization", f"{self._scheme} {credential}"),)
        options = list(options or ())
        if tls or root_certificates is not None:
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(target, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
        self._stub = self._stub_class(self._channel)

    def close(self):
        """Closes the channel; calls made afterwards raise ValueError. Closing twice is harmless."""
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        # Never the credential.
        return f"{type(self).__name__}({self.target!r}, timeout={self.timeout!r})"

    @property
    def stub(self):
        """The generated gRPC stub, for what the wrapper does not cover. Calls made through it
        need the metadata of `call()`, raise grpc.RpcError and have no default deadline."""
        return self._stub

    def call(self, method, request, *, timeout=DEFAULT, authenticate=True):
        """Calls the RPC named `method` (as in the proto, such as "GetNotification") with the
        request message, and returns its response message. Raises NotificationsError."""
        callable_ = getattr(self._stub, method)
        deadline = self.timeout if timeout is DEFAULT else timeout
        metadata = self._metadata if authenticate else ()
        try:
            return callable_(request, timeout=deadline, metadata=metadata)
        except grpc.RpcError as error:
            raise NotificationsError.from_rpc_error(error) from error

    # Helpers for the methods of each client.

    def _request(self, method, request_class, fields, timeout):
        return self.call(method, _messages.build(request_class, None, fields), timeout=timeout)

    def _pages(self, method, request_class, items, page_size, timeout, filters):
        """Returns an iterator over every item (the response's repeated field `items`) of every
        page, from `filters["page_token"]` if given. The request is built at once, so that a bad
        filter raises here rather than when iterating."""
        fields = dict(filters, page_size=page_size)
        request = _messages.build(request_class, None, fields)
        return self._iterate(method, request, items, timeout)

    def _iterate(self, method, request, items, timeout):
        seen_tokens = set()
        while True:
            response = self.call(method, request, timeout=timeout)
            yield from getattr(response, items)
            token = response.next_page_token
            if not token:
                return
            if token in seen_tokens:  # A server bug would otherwise loop forever.
                raise RuntimeError(f"{method}: the server repeated the page token {token!r}")
            seen_tokens.add(token)
            following = type(request)()
            following.CopyFrom(request)
            following.page_token = token
            request = following


def update_request(request_class, resource_field, resource_class, resource, update_mask, fields):
    """Builds an Update...Request from a resource (message or mapping) and/or keyword fields.

    With keyword fields and no update_mask, the mask names the keyword fields (except "id"), so
    that `update_notification(id=i, enabled=False)` changes `enabled` to false. With no keyword
    fields and no mask, the mask is empty: the server then changes every field set to a non-default
    value."""
    message = _messages.build(resource_class, resource, fields)
    if update_mask is None and fields:
        update_mask = [name for name, value in fields.items() if name != "id" and value is not None]
    return _messages.build(request_class, None, {
        resource_field: message,
        "update_mask": _messages.field_mask(update_mask),
    })
