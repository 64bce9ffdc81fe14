"""UserClient: UserService, a platform user's own notifications, inbox and devices."""
from . import _messages
from ._base import DEFAULT, BaseClient, update_request
from ._pb.notifications.v1 import resources_pb2 as resources
from ._pb.notifications.v1 import user_service_pb2 as pb
from ._pb.notifications.v1 import user_service_pb2_grpc as pb_grpc


class UserClient(BaseClient):
    """UserService with any platform user's token (sent as `authorization: Token <token>`). A user
    only ever sees and changes their own data.

        with UserClient("127.0.0.1:50051", token) as user:
            for notification in user.iter_notifications():
                print(notification.name, notification.enabled)

    Conventions are AdminClient's: one resource is returned as its message, `iter_*` yields every
    page's items, `list_*` returns one page, `timeout=` overrides the client's timeout, and a
    failed call raises NotificationsError.
    """

    _stub_class = pb_grpc.UserServiceStub
    _scheme = "Token"

    def __init__(self, target, token, *, timeout=10.0, tls=False, root_certificates=None,
                 options=None):
        super().__init__(target, token, timeout=timeout, tls=tls,
                         root_certificates=root_certificates, options=options)

    # Notifications and preferences.

    def list_notifications(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListUserNotificationsResponse). Filters: type."""
        return self._request("ListNotifications", pb.ListUserNotificationsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_notifications(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every UserNotification the user can receive, with their preference."""
        return self._pages("ListNotifications", pb.ListUserNotificationsRequest, "notifications",
                           page_size, timeout, filters)

    def get_notification(self, id, *, timeout=DEFAULT):
        """Returns the UserNotification with this id."""
        request = pb.GetUserNotificationRequest(id=id)
        return self.call("GetNotification", request, timeout=timeout).notification

    def update_notification_preference(self, id, enabled, *, timeout=DEFAULT):
        """Sets whether the user receives a notification; returns the UserNotification."""
        request = pb.UpdateNotificationPreferenceRequest(id=id, enabled=enabled)
        return self.call("UpdateNotificationPreference", request, timeout=timeout).notification

    # The inbox: the user's own messages.

    def list_logs(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListUserLogsResponse), newest first. Filters: type, received."""
        return self._request("ListLogs", pb.ListUserLogsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_logs(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Log of the user that matches the filters (type, received), newest first."""
        return self._pages("ListLogs", pb.ListUserLogsRequest, "logs", page_size, timeout, filters)

    def get_log(self, id, *, timeout=DEFAULT):
        """Returns the user's Log with this id."""
        return self.call("GetLog", pb.GetUserLogRequest(id=id), timeout=timeout).log

    def update_log(self, log=None, update_mask=None, *, timeout=DEFAULT, **fields):
        """Changes one of the user's messages (only `received`, the read flag, is writable), as in
        `update_log(id=i, received=True)`; returns the Log."""
        request = update_request(pb.UpdateUserLogRequest, "log", resources.Log, log, update_mask,
                                 fields)
        return self.call("UpdateLog", request, timeout=timeout).log

    # Push devices.

    def register_device(self, device=None, *, timeout=DEFAULT, **fields):
        """Registers a device for push (platform and token required), as in
        `register_device(platform="ANDROID", token=fcm_token, name="phone")`; returns the Device."""
        request = pb.RegisterDeviceRequest(device=_messages.build(resources.Device, device, fields))
        return self.call("RegisterDevice", request, timeout=timeout).device

    def list_devices(self, *, page_size=0, page_token="", timeout=DEFAULT):
        """Returns one page (a ListDevicesResponse), newest first."""
        request = pb.ListDevicesRequest(page_size=page_size, page_token=page_token)
        return self.call("ListDevices", request, timeout=timeout)

    def iter_devices(self, *, page_size=50, timeout=DEFAULT):
        """Yields every Device of the user, newest first."""
        return self._pages("ListDevices", pb.ListDevicesRequest, "devices", page_size, timeout, {})

    def delete_device(self, id, *, timeout=DEFAULT):
        """Removes the user's device with this id."""
        self.call("DeleteDevice", pb.DeleteDeviceRequest(id=id), timeout=timeout)
