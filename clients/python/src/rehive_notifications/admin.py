"""AdminClient: AdminService, the calls of a company's admins."""
from . import _messages
from ._base import DEFAULT, BaseClient, update_request
from ._pb.notifications.v1 import admin_service_pb2 as pb
from ._pb.notifications.v1 import admin_service_pb2_grpc as pb_grpc
from ._pb.notifications.v1 import resources_pb2 as resources


class AdminClient(BaseClient):
    """AdminService with a company admin's platform token (sent as `authorization: Token <token>`).
    Every call is scoped to the token's company.

        with AdminClient("127.0.0.1:50051", token) as admin:
            for notification in admin.iter_notifications(event="user.create"):
                print(notification.name)

    Methods taking a resource accept a message, a mapping, or keyword fields (enum values by name,
    such as type="EMAIL"). Methods returning one resource return the resource message itself.
    `iter_*` methods yield the items of every page; `list_*` methods return one page's response.
    Every method takes `timeout=` (seconds, or None) to override the client's timeout, and raises
    NotificationsError when the call fails.
    """

    _stub_class = pb_grpc.AdminServiceStub
    _scheme = "Token"

    def __init__(self, target, token, *, timeout=10.0, tls=False, root_certificates=None,
                 options=None):
        super().__init__(target, token, timeout=timeout, tls=tls,
                         root_certificates=root_certificates, options=options)

    # The extension's lifecycle, as the platform drives it: the token goes in the request.

    def activate(self, token, *, timeout=DEFAULT):
        """Activates the extension for the token's company; returns the Company."""
        request = pb.ActivateRequest(token=token)
        return self.call("Activate", request, timeout=timeout, authenticate=False).company

    def deactivate(self, token, *, purge=False, timeout=DEFAULT):
        """Deactivates the extension for the token's company; with purge, deletes all its data."""
        request = pb.DeactivateRequest(token=token, purge=purge)
        self.call("Deactivate", request, timeout=timeout, authenticate=False)

    def rotate(self, token, *, timeout=DEFAULT):
        """Replaces the stored platform token of the token's company with `token`."""
        self.call("Rotate", pb.RotateRequest(token=token), timeout=timeout, authenticate=False)

    # The company.

    def get_company(self, *, timeout=DEFAULT):
        """Returns the caller's Company."""
        return self.call("GetCompany", pb.GetCompanyRequest(), timeout=timeout).company

    def update_company(self, company=None, update_mask=None, *, timeout=DEFAULT, **fields):
        """Changes the company's settings; returns the Company. See `update_notification` for
        how `update_mask` and keyword fields combine."""
        request = update_request(pb.UpdateCompanyRequest, "company", resources.Company, company,
                                 update_mask, fields)
        return self.call("UpdateCompany", request, timeout=timeout).company

    # Notifications.

    def create_notification(self, notification=None, *, request_id="", timeout=DEFAULT, **fields):
        """Creates a notification from a Notification, a mapping or keyword fields; returns it.
        `request_id` makes retries safe: a retry with the same key returns the first result."""
        request = pb.CreateNotificationRequest(
            notification=_messages.build(resources.Notification, notification, fields),
            request_id=request_id)
        return self.call("CreateNotification", request, timeout=timeout).notification

    def get_notification(self, id, *, timeout=DEFAULT):
        """Returns the Notification with this id."""
        request = pb.GetNotificationRequest(id=id)
        return self.call("GetNotification", request, timeout=timeout).notification

    def list_notifications(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListNotificationsResponse). Filters: event, type, name, enabled."""
        return self._request("ListNotifications", pb.ListNotificationsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_notifications(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Notification that matches the filters (event, type, name, enabled)."""
        return self._pages("ListNotifications", pb.ListNotificationsRequest, "notifications",
                           page_size, timeout, filters)

    def update_notification(self, notification=None, update_mask=None, *, timeout=DEFAULT,
                            **fields):
        """Changes a notification; returns it. `notification` (message or mapping) names it by id.

        update_mask: the fields to change, as a list of names, a comma-separated string or a
        FieldMask. Without one, keyword fields are the mask (`update_notification(id=i,
        enabled=False)`), and with none of those the server changes every field set to a
        non-default value."""
        request = update_request(pb.UpdateNotificationRequest, "notification",
                                 resources.Notification, notification, update_mask, fields)
        return self.call("UpdateNotification", request, timeout=timeout).notification

    def delete_notification(self, id, *, timeout=DEFAULT):
        """Deletes the notification with this id; its logs stay."""
        self.call("DeleteNotification", pb.DeleteNotificationRequest(id=id), timeout=timeout)

    def preview_notification(self, notification=None, *, id=None, data=None, timeout=DEFAULT):
        """Renders an unsaved notification (message or mapping), or the saved one with this id,
        against `data` (a dict); returns the PreviewNotificationResponse."""
        if (notification is None) == (id is None):
            raise TypeError("give either a notification or the id of a saved one")
        fields = {"id": id, "data": data}
        if notification is not None:
            fields["notification"] = _messages.build(resources.Notification, notification)
        return self._request("PreviewNotification", pb.PreviewNotificationRequest, fields, timeout)

    def trigger_notification(self, id, *, user_ids=(), groups=(), data=None, timeout=DEFAULT):
        """Sends a saved notification now to users and/or groups, rendered with `data` (a dict);
        returns the TriggerNotificationResponse (the event's id and the queued logs)."""
        return self._request("TriggerNotification", pb.TriggerNotificationRequest, {
            "id": id, "user_ids": list(user_ids), "groups": list(groups), "data": data,
        }, timeout)

    # Templates.

    def list_templates(self, *, timeout=DEFAULT, **filters):
        """Returns the ListTemplatesResponse (every template). Filters: event, type."""
        return self._request("ListTemplates", pb.ListTemplatesRequest, filters, timeout)

    def iter_templates(self, *, timeout=DEFAULT, **filters):
        """Yields every Template that matches the filters (event, type)."""
        yield from self.list_templates(timeout=timeout, **filters).templates

    def get_template(self, id, *, timeout=DEFAULT):
        """Returns the Template with this id (a slug such as "password_reset_email")."""
        return self.call("GetTemplate", pb.GetTemplateRequest(id=id), timeout=timeout).template

    # Layouts.

    def create_layout(self, layout=None, *, timeout=DEFAULT, **fields):
        """Creates a layout from a Layout, a mapping or keyword fields; returns it."""
        request = pb.CreateLayoutRequest(layout=_messages.build(resources.Layout, layout, fields))
        return self.call("CreateLayout", request, timeout=timeout).layout

    def get_layout(self, id, *, timeout=DEFAULT):
        """Returns the Layout with this id."""
        return self.call("GetLayout", pb.GetLayoutRequest(id=id), timeout=timeout).layout

    def list_layouts(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListLayoutsResponse). Filters: name."""
        return self._request("ListLayouts", pb.ListLayoutsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_layouts(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Layout that matches the filters (name)."""
        return self._pages("ListLayouts", pb.ListLayoutsRequest, "layouts", page_size, timeout,
                           filters)

    def update_layout(self, layout=None, update_mask=None, *, timeout=DEFAULT, **fields):
        """Changes a layout; returns it. See `update_notification` for the mask."""
        request = update_request(pb.UpdateLayoutRequest, "layout", resources.Layout, layout,
                                 update_mask, fields)
        return self.call("UpdateLayout", request, timeout=timeout).layout

    def delete_layout(self, id, *, timeout=DEFAULT):
        """Deletes the layout with this id; notifications that used it are left without one."""
        self.call("DeleteLayout", pb.DeleteLayoutRequest(id=id), timeout=timeout)

    # Credentials.

    def create_credential(self, credential=None, *, timeout=DEFAULT, **fields):
        """Creates a provider credential, such as `create_credential(name="mail", enabled=True,
        sendgrid={"api_key": key})`; returns it with its secrets masked."""
        request = pb.CreateCredentialRequest(
            credential=_messages.build(resources.Credential, credential, fields))
        return self.call("CreateCredential", request, timeout=timeout).credential

    def get_credential(self, id, *, timeout=DEFAULT):
        """Returns the Credential with this id, secrets masked."""
        request = pb.GetCredentialRequest(id=id)
        return self.call("GetCredential", request, timeout=timeout).credential

    def list_credentials(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListCredentialsResponse). Filters: type."""
        return self._request("ListCredentials", pb.ListCredentialsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_credentials(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Credential that matches the filters (type), secrets masked."""
        return self._pages("ListCredentials", pb.ListCredentialsRequest, "credentials", page_size,
                           timeout, filters)

    def update_credential(self, credential=None, update_mask=None, *, timeout=DEFAULT, **fields):
        """Changes a credential; returns it, secrets masked. Mask paths reach into the settings,
        such as ["twilio.auth_token"]; see `update_notification` for the rest."""
        request = update_request(pb.UpdateCredentialRequest, "credential", resources.Credential,
                                 credential, update_mask, fields)
        return self.call("UpdateCredential", request, timeout=timeout).credential

    def delete_credential(self, id, *, timeout=DEFAULT):
        """Deletes the credential with this id; its type falls back to the server's defaults."""
        self.call("DeleteCredential", pb.DeleteCredentialRequest(id=id), timeout=timeout)

    # Logs: the messages the extension produced.

    def list_logs(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListLogsResponse), newest first. Filters: start_time, end_time
        (datetimes or Timestamps), notification_id, recipient, type, status, user_id."""
        return self._request("ListLogs", pb.ListLogsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_logs(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Log that matches the filters (see `list_logs`), newest first."""
        return self._pages("ListLogs", pb.ListLogsRequest, "logs", page_size, timeout, filters)

    def get_log(self, id, *, timeout=DEFAULT):
        """Returns the Log with this id, with its attempts."""
        return self.call("GetLog", pb.GetLogRequest(id=id), timeout=timeout).log

    def resend_log(self, id, *, recipient="", timeout=DEFAULT):
        """Sends a message again, to its recipient or another one; returns the new Log."""
        request = pb.ResendLogRequest(id=id, recipient=recipient)
        return self.call("ResendLog", request, timeout=timeout).log

    # Events: what the platform sent.

    def list_events(self, *, page_size=0, page_token="", timeout=DEFAULT, **filters):
        """Returns one page (a ListEventsResponse), newest first. Filters: event, status,
        start_time, end_time."""
        return self._request("ListEvents", pb.ListEventsRequest,
                             dict(filters, page_size=page_size, page_token=page_token), timeout)

    def iter_events(self, *, page_size=50, timeout=DEFAULT, **filters):
        """Yields every Event that matches the filters (see `list_events`), newest first."""
        return self._pages("ListEvents", pb.ListEventsRequest, "events", page_size, timeout,
                           filters)

    def get_event(self, id, *, timeout=DEFAULT):
        """Returns the Event with this (server-assigned) id."""
        return self.call("GetEvent", pb.GetEventRequest(id=id), timeout=timeout).event

    def replay_event(self, id, *, timeout=DEFAULT):
        """Processes a stored event again; returns the Event, pending again."""
        return self.call("ReplayEvent", pb.ReplayEventRequest(id=id), timeout=timeout).event
