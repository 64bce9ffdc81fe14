package notify

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

// AdminClient makes AdminService calls as one of a company's admins (a platform user in the admin
// or service group). Every call is scoped to the token's company. It is safe for concurrent use.
type AdminClient struct {
	conn *conn
	rpc  notificationsv1.AdminServiceClient
}

// NewAdminClient connects to the server at target (host:port) with an admin's platform token,
// sent as `authorization: Token <token>`. Unless WithBlock is given it does not wait for the
// connection: an unreachable server is reported by the first call, as codes.Unavailable.
func NewAdminClient(ctx context.Context, target, token string, opts ...Option) (*AdminClient, error) {
	authorization, err := credential("Token", token)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, target, authorization, opts)
	if err != nil {
		return nil, err
	}
	return &AdminClient{conn: c, rpc: notificationsv1.NewAdminServiceClient(c.cc)}, nil
}

// Close closes the connection; calls after it fail.
func (a *AdminClient) Close() error { return a.conn.close() }

// Raw is the generated stub on the client's connection, for anything the methods below do not
// cover; its calls carry the token and the timeout too, but return plain gRPC status errors.
func (a *AdminClient) Raw() notificationsv1.AdminServiceClient { return a.rpc }

// Activate activates the extension for the given token's company, as the platform does when an admin
// adds the extension. The token travels in the request, not in the client's metadata. Idempotent.
func (a *AdminClient) Activate(ctx context.Context, token string) (*notificationsv1.Company, error) {
	res, err := a.rpc.Activate(ctx, &notificationsv1.ActivateRequest{Token: token})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCompany(), nil
}

// Deactivate deactivates the extension for the given token's company, as the platform does when an
// admin removes it; purge deletes every row of the company.
func (a *AdminClient) Deactivate(ctx context.Context, token string, purge bool) error {
	_, err := a.rpc.Deactivate(ctx, &notificationsv1.DeactivateRequest{Token: token, Purge: purge})
	return convertError(err)
}

// Rotate replaces the stored platform token of the given token's company with that token.
func (a *AdminClient) Rotate(ctx context.Context, token string) error {
	_, err := a.rpc.Rotate(ctx, &notificationsv1.RotateRequest{Token: token})
	return convertError(err)
}

// GetCompany returns the caller's company settings.
func (a *AdminClient) GetCompany(ctx context.Context) (*notificationsv1.Company, error) {
	res, err := a.rpc.GetCompany(ctx, &notificationsv1.GetCompanyRequest{})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCompany(), nil
}

// UpdateCompany changes the company settings named in paths (such as "support_email") to their
// values in c; no paths means every field of c set to a non-default value.
func (a *AdminClient) UpdateCompany(ctx context.Context, c *notificationsv1.Company,
	paths ...string) (*notificationsv1.Company, error) {
	res, err := a.rpc.UpdateCompany(ctx, &notificationsv1.UpdateCompanyRequest{
		Company: c, UpdateMask: mask(paths)})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCompany(), nil
}

// CreateNotification creates a notification; its id and times are ignored.
func (a *AdminClient) CreateNotification(ctx context.Context,
	n *notificationsv1.Notification) (*notificationsv1.Notification, error) {
	return a.CreateNotificationWithRequestID(ctx, n, "")
}

// CreateNotificationWithRequestID creates a notification idempotently: a retry with the same
// requestID returns the notification the first call created.
func (a *AdminClient) CreateNotificationWithRequestID(ctx context.Context,
	n *notificationsv1.Notification, requestID string) (*notificationsv1.Notification, error) {
	res, err := a.rpc.CreateNotification(ctx, &notificationsv1.CreateNotificationRequest{
		Notification: n, RequestId: requestID})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetNotification(), nil
}

// GetNotification returns one notification; codes.NotFound (NOTIFICATION_NOT_FOUND) if there is none.
func (a *AdminClient) GetNotification(ctx context.Context, id string) (*notificationsv1.Notification, error) {
	res, err := a.rpc.GetNotification(ctx, &notificationsv1.GetNotificationRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetNotification(), nil
}

// ListNotifications returns one page of notifications; req may be nil (the first page of all).
func (a *AdminClient) ListNotifications(ctx context.Context,
	req *notificationsv1.ListNotificationsRequest) (*notificationsv1.ListNotificationsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListNotificationsRequest{}
	}
	res, err := a.rpc.ListNotifications(ctx, req)
	return res, convertError(err)
}

// Notifications iterates over every notification that matches filter (nil for all), fetching pages
// of filter's page_size as needed, from filter's page_token (empty for the first page).
func (a *AdminClient) Notifications(ctx context.Context,
	filter *notificationsv1.ListNotificationsRequest) *NotificationIterator {
	req := &notificationsv1.ListNotificationsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListNotificationsRequest)
	}
	return &NotificationIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Notification, string, error) {
			req.PageToken = token
			res, err := a.ListNotifications(ctx, req)
			return res.GetNotifications(), res.GetNextPageToken(), err
		})}
}

// UpdateNotification changes the fields named in paths (such as "subject", "enabled") of the
// notification whose id is n's to their values in n; no paths means every field of n set to a
// non-default value.
func (a *AdminClient) UpdateNotification(ctx context.Context, n *notificationsv1.Notification,
	paths ...string) (*notificationsv1.Notification, error) {
	res, err := a.rpc.UpdateNotification(ctx, &notificationsv1.UpdateNotificationRequest{
		Notification: n, UpdateMask: mask(paths)})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetNotification(), nil
}

// DeleteNotification deletes a notification; its logs stay.
func (a *AdminClient) DeleteNotification(ctx context.Context, id string) error {
	_, err := a.rpc.DeleteNotification(ctx, &notificationsv1.DeleteNotificationRequest{Id: id})
	return convertError(err)
}

// PreviewNotification renders the saved notification id against data, sending nothing.
func (a *AdminClient) PreviewNotification(ctx context.Context, id string,
	data *structpb.Struct) (*notificationsv1.PreviewNotificationResponse, error) {
	res, err := a.rpc.PreviewNotification(ctx, &notificationsv1.PreviewNotificationRequest{
		Source: &notificationsv1.PreviewNotificationRequest_Id{Id: id}, Data: data})
	return res, convertError(err)
}

// PreviewUnsavedNotification renders a notification that is not saved against data.
func (a *AdminClient) PreviewUnsavedNotification(ctx context.Context, n *notificationsv1.Notification,
	data *structpb.Struct) (*notificationsv1.PreviewNotificationResponse, error) {
	res, err := a.rpc.PreviewNotification(ctx, &notificationsv1.PreviewNotificationRequest{
		Source: &notificationsv1.PreviewNotificationRequest_Notification{Notification: n}, Data: data})
	return res, convertError(err)
}

// TriggerNotification sends the saved notification id now to the given users and the users of the
// given groups, rendered with data.
func (a *AdminClient) TriggerNotification(ctx context.Context, id string, userIDs, groups []string,
	data *structpb.Struct) (*notificationsv1.TriggerNotificationResponse, error) {
	res, err := a.rpc.TriggerNotification(ctx, &notificationsv1.TriggerNotificationRequest{
		Id: id, UserIds: userIDs, Groups: groups, Data: data})
	return res, convertError(err)
}

// ListTemplates returns the ready-made templates that match filter (nil for all).
func (a *AdminClient) ListTemplates(ctx context.Context,
	filter *notificationsv1.ListTemplatesRequest) ([]*notificationsv1.Template, error) {
	if filter == nil {
		filter = &notificationsv1.ListTemplatesRequest{}
	}
	res, err := a.rpc.ListTemplates(ctx, filter)
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetTemplates(), nil
}

// GetTemplate returns one ready-made template.
func (a *AdminClient) GetTemplate(ctx context.Context, id string) (*notificationsv1.Template, error) {
	res, err := a.rpc.GetTemplate(ctx, &notificationsv1.GetTemplateRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetTemplate(), nil
}

// CreateLayout creates a layout; its id and times are ignored.
func (a *AdminClient) CreateLayout(ctx context.Context, l *notificationsv1.Layout) (*notificationsv1.Layout, error) {
	res, err := a.rpc.CreateLayout(ctx, &notificationsv1.CreateLayoutRequest{Layout: l})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLayout(), nil
}

// GetLayout returns one layout.
func (a *AdminClient) GetLayout(ctx context.Context, id string) (*notificationsv1.Layout, error) {
	res, err := a.rpc.GetLayout(ctx, &notificationsv1.GetLayoutRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLayout(), nil
}

// ListLayouts returns one page of layouts; req may be nil.
func (a *AdminClient) ListLayouts(ctx context.Context,
	req *notificationsv1.ListLayoutsRequest) (*notificationsv1.ListLayoutsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListLayoutsRequest{}
	}
	res, err := a.rpc.ListLayouts(ctx, req)
	return res, convertError(err)
}

// Layouts iterates over every layout that matches filter (nil for all).
func (a *AdminClient) Layouts(ctx context.Context, filter *notificationsv1.ListLayoutsRequest) *LayoutIterator {
	req := &notificationsv1.ListLayoutsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListLayoutsRequest)
	}
	return &LayoutIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Layout, string, error) {
			req.PageToken = token
			res, err := a.ListLayouts(ctx, req)
			return res.GetLayouts(), res.GetNextPageToken(), err
		})}
}

// UpdateLayout changes the fields named in paths of the layout whose id is l's; no paths means every
// field of l set to a non-default value.
func (a *AdminClient) UpdateLayout(ctx context.Context, l *notificationsv1.Layout,
	paths ...string) (*notificationsv1.Layout, error) {
	res, err := a.rpc.UpdateLayout(ctx, &notificationsv1.UpdateLayoutRequest{Layout: l, UpdateMask: mask(paths)})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLayout(), nil
}

// DeleteLayout deletes a layout; notifications that used it are left without one.
func (a *AdminClient) DeleteLayout(ctx context.Context, id string) error {
	_, err := a.rpc.DeleteLayout(ctx, &notificationsv1.DeleteLayoutRequest{Id: id})
	return convertError(err)
}

// CreateCredential creates a provider credential (one of its settings set); codes.AlreadyExists if
// one of that type exists.
func (a *AdminClient) CreateCredential(ctx context.Context,
	c *notificationsv1.Credential) (*notificationsv1.Credential, error) {
	res, err := a.rpc.CreateCredential(ctx, &notificationsv1.CreateCredentialRequest{Credential: c})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCredential(), nil
}

// GetCredential returns one credential, secrets masked.
func (a *AdminClient) GetCredential(ctx context.Context, id string) (*notificationsv1.Credential, error) {
	res, err := a.rpc.GetCredential(ctx, &notificationsv1.GetCredentialRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCredential(), nil
}

// ListCredentials returns one page of credentials; req may be nil.
func (a *AdminClient) ListCredentials(ctx context.Context,
	req *notificationsv1.ListCredentialsRequest) (*notificationsv1.ListCredentialsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListCredentialsRequest{}
	}
	res, err := a.rpc.ListCredentials(ctx, req)
	return res, convertError(err)
}

// Credentials iterates over every credential that matches filter (nil for all).
func (a *AdminClient) Credentials(ctx context.Context,
	filter *notificationsv1.ListCredentialsRequest) *CredentialIterator {
	req := &notificationsv1.ListCredentialsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListCredentialsRequest)
	}
	return &CredentialIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Credential, string, error) {
			req.PageToken = token
			res, err := a.ListCredentials(ctx, req)
			return res.GetCredentials(), res.GetNextPageToken(), err
		})}
}

// UpdateCredential changes the fields named in paths (such as "enabled" or "twilio.auth_token") of
// the credential whose id is c's; no paths means every field of c set to a non-default value.
func (a *AdminClient) UpdateCredential(ctx context.Context, c *notificationsv1.Credential,
	paths ...string) (*notificationsv1.Credential, error) {
	res, err := a.rpc.UpdateCredential(ctx, &notificationsv1.UpdateCredentialRequest{
		Credential: c, UpdateMask: mask(paths)})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetCredential(), nil
}

// DeleteCredential deletes a credential; its type falls back to the server's defaults.
func (a *AdminClient) DeleteCredential(ctx context.Context, id string) error {
	_, err := a.rpc.DeleteCredential(ctx, &notificationsv1.DeleteCredentialRequest{Id: id})
	return convertError(err)
}

// ListLogs returns one page of the company's messages, newest first; req may be nil.
func (a *AdminClient) ListLogs(ctx context.Context,
	req *notificationsv1.ListLogsRequest) (*notificationsv1.ListLogsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListLogsRequest{}
	}
	res, err := a.rpc.ListLogs(ctx, req)
	return res, convertError(err)
}

// Logs iterates over every message of the company that matches filter (nil for all), newest first.
func (a *AdminClient) Logs(ctx context.Context, filter *notificationsv1.ListLogsRequest) *LogIterator {
	req := &notificationsv1.ListLogsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListLogsRequest)
	}
	return &LogIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Log, string, error) {
			req.PageToken = token
			res, err := a.ListLogs(ctx, req)
			return res.GetLogs(), res.GetNextPageToken(), err
		})}
}

// GetLog returns one message with its attempts.
func (a *AdminClient) GetLog(ctx context.Context, id string) (*notificationsv1.Log, error) {
	res, err := a.rpc.GetLog(ctx, &notificationsv1.GetLogRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLog(), nil
}

// ResendLog sends a message again as a new log, to recipient or (when empty) the original one.
func (a *AdminClient) ResendLog(ctx context.Context, id, recipient string) (*notificationsv1.Log, error) {
	res, err := a.rpc.ResendLog(ctx, &notificationsv1.ResendLogRequest{Id: id, Recipient: recipient})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLog(), nil
}

// ListEvents returns one page of the events received, newest first; req may be nil.
func (a *AdminClient) ListEvents(ctx context.Context,
	req *notificationsv1.ListEventsRequest) (*notificationsv1.ListEventsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListEventsRequest{}
	}
	res, err := a.rpc.ListEvents(ctx, req)
	return res, convertError(err)
}

// Events iterates over every event received that matches filter (nil for all), newest first.
func (a *AdminClient) Events(ctx context.Context, filter *notificationsv1.ListEventsRequest) *EventIterator {
	req := &notificationsv1.ListEventsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListEventsRequest)
	}
	return &EventIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Event, string, error) {
			req.PageToken = token
			res, err := a.ListEvents(ctx, req)
			return res.GetEvents(), res.GetNextPageToken(), err
		})}
}

// GetEvent returns one event by the server's id (ReceiveEventResponse.id, Event.id).
func (a *AdminClient) GetEvent(ctx context.Context, id string) (*notificationsv1.Event, error) {
	res, err := a.rpc.GetEvent(ctx, &notificationsv1.GetEventRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetEvent(), nil
}

// ReplayEvent processes a stored event again; deliveries it already produced are not repeated.
func (a *AdminClient) ReplayEvent(ctx context.Context, id string) (*notificationsv1.Event, error) {
	res, err := a.rpc.ReplayEvent(ctx, &notificationsv1.ReplayEventRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetEvent(), nil
}
