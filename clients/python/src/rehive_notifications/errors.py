"""The error every client raises: NotificationsError, built from a gRPC status and its details."""
import grpc
from google.protobuf import descriptor_pool, message_factory

_DETAILS_KEY = "grpc-status-details-bin"


class NotificationsError(Exception):
    """A call failed. Attributes:

    code        the grpc.StatusCode, such as grpc.StatusCode.NOT_FOUND
    message     the server's message for developers
    reason      the ErrorInfo reason, such as "NOTIFICATION_NOT_FOUND"; "" when the server sent none
                (as for errors made on the client's side: DEADLINE_EXCEEDED, an unreachable server)
    domain      the ErrorInfo domain, "notifications.v1" for the server's reasons; "" when none
    field       the request field at fault (ErrorInfo metadata "field"), or ""
    metadata    every ErrorInfo metadata entry, as a dict
    retry_after seconds to wait before retrying (from a RetryInfo), or None
    """

    def __init__(self, code, message, *, reason="", domain="", metadata=None, retry_after=None):
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = dict(metadata or {})
        self.field = self.metadata.get("field", "")
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self):
        text = f"{self.code.name}: {self.message}"
        if self.reason:
            text += f" ({self.reason})"
        return text

    def __repr__(self):
        return (f"NotificationsError(code={self.code}, message={self.message!r}, "
                f"reason={self.reason!r}, field={self.field!r}, retry_after={self.retry_after!r})")

    def __reduce__(self):
        return (_rebuild, (self.code, self.message, self.reason, self.domain, self.metadata,
                           self.retry_after))

    @classmethod
    def from_rpc_error(cls, error):
        """Builds the error from a grpc.RpcError raised by a call (a grpc.Call)."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = (error.details() if hasattr(error, "details") else "") or ""
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        details = None
        for key, value in trailers or ():
            if key == _DETAILS_KEY:
                details = value
                break
        return cls.from_status_details(code, message, details)

    @classmethod
    def from_status_details(cls, code, message, details):
        """Builds the error from a status code, its message and the serialized google.rpc.Status of
        the grpc-status-details-bin trailer (bytes, or None when there was none)."""
        reason, domain, metadata, retry_after = "", "", {}, None
        if details:
            status_class, error_info_class, retry_info_class = _rpc_classes()
            status = status_class()
            try:
                status.ParseFromString(details)
            except Exception:  # A malformed trailer: keep what the status line said.
                status = None
            if status is not None:
                if status.message:
                    message = status.message
                for detail in status.details:
                    if detail.Is(error_info_class.DESCRIPTOR) and not reason:
                        info = error_info_class()
                        detail.Unpack(info)
                        reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
                    elif detail.Is(retry_info_class.DESCRIPTOR) and retry_after is None:
                        retry = retry_info_class()
                        detail.Unpack(retry)
                        delay = retry.retry_delay
                        retry_after = delay.seconds + delay.nanos / 1e9
        return cls(code, message, reason=reason, domain=domain, metadata=metadata,
                   retry_after=retry_after)


def _rebuild(code, message, reason, domain, metadata, retry_after):
    return NotificationsError(code, message, reason=reason, domain=domain, metadata=metadata,
                              retry_after=retry_after)


_classes = None


def _rpc_classes():
    """Returns the Status, ErrorInfo and RetryInfo message classes.

    When another package (googleapis-common-protos, with grpcio-status) already put google.rpc's
    messages in protobuf's default pool, theirs are used: the messages are wire-compatible, and
    loading ours beside them would fail as a conflicting definition. Otherwise ours are loaded."""
    global _classes
    if _classes is None:
        status = _registered("google.rpc.Status")
        if status is None:
            from ._pb.google.rpc import status_pb2
            status = status_pb2.Status
        error_info = _registered("google.rpc.ErrorInfo")
        retry_info = _registered("google.rpc.RetryInfo")
        if error_info is None or retry_info is None:
            from ._pb.google.rpc import error_details_pb2
            error_info, retry_info = error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo
        _classes = (status, error_info, retry_info)
    return _classes


def _registered(full_name):
    """The class of the message `full_name` if protobuf's default pool already has it, else None."""
    pool = descriptor_pool.Default()
    try:
        message_descriptor = pool.FindMessageTypeByName(full_name)
    except KeyError:
        return None
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is None:  # protobuf before 4.22
        get_class = message_factory.MessageFactory(pool).GetPrototype
    return get_class(message_descriptor)
