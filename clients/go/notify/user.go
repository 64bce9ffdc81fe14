package notify

import (
	"context"

	"google.golang.org/protobuf/proto"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

// UserClient makes UserService calls as one platform user of an activated company: their
// notifications and preferences, their inbox (logs) and their push devices. It is safe for
// concurrent use.
type UserClient struct {
	conn *conn
	rpc  notificationsv1.UserServiceClient
}

// NewUserClient connects to the server at target (host:port) with a user's platform token, sent as
// `authorization: Token <token>`.
func NewUserClient(ctx context.Context, target, token string, opts ...Option) (*UserClient, error) {
	authorization, err := credential("Token", token)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, target, authorization, opts)
	if err != nil {
		return nil, err
	}
	return &UserClient{conn: c, rpc: notificationsv1.NewUserServiceClient(c.cc)}, nil
}

// Close closes the connection; calls after it fail.
func (u *UserClient) Close() error { return u.conn.close() }

// Raw is the generated stub on the client's connection; its calls carry the token and the timeout
// too, but return plain gRPC status errors.
func (u *UserClient) Raw() notificationsv1.UserServiceClient { return u.rpc }

// ListNotifications returns one page of the notifications the user can receive, each with their
// preference; req may be nil.
func (u *UserClient) ListNotifications(ctx context.Context,
	req *notificationsv1.ListUserNotificationsRequest) (*notificationsv1.ListUserNotificationsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListUserNotificationsRequest{}
	}
	res, err := u.rpc.ListNotifications(ctx, req)
	return res, convertError(err)
}

// Notifications iterates over every notification the user can receive that matches filter (nil for
// all).
func (u *UserClient) Notifications(ctx context.Context,
	filter *notificationsv1.ListUserNotificationsRequest) *UserNotificationIterator {
	req := &notificationsv1.ListUserNotificationsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListUserNotificationsRequest)
	}
	return &UserNotificationIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.UserNotification, string, error) {
			req.PageToken = token
			res, err := u.ListNotifications(ctx, req)
			return res.GetNotifications(), res.GetNextPageToken(), err
		})}
}

// GetNotification returns one notification with the user's preference.
func (u *UserClient) GetNotification(ctx context.Context, id string) (*notificationsv1.UserNotification, error) {
	res, err := u.rpc.GetNotification(ctx, &notificationsv1.GetUserNotificationRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetNotification(), nil
}

// UpdateNotificationPreference sets whether the user receives a notification; codes.FailedPrecondition
// (PREFERENCE_NOT_ALLOWED) if the admin did not let users change it.
func (u *UserClient) UpdateNotificationPreference(ctx context.Context, id string,
	enabled bool) (*notificationsv1.UserNotification, error) {
	res, err := u.rpc.UpdateNotificationPreference(ctx, &notificationsv1.UpdateNotificationPreferenceRequest{
		Id: id, Enabled: enabled})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetNotification(), nil
}

// ListLogs returns one page of the user's own messages, newest first; req may be nil.
func (u *UserClient) ListLogs(ctx context.Context,
	req *notificationsv1.ListUserLogsRequest) (*notificationsv1.ListUserLogsResponse, error) {
	if req == nil {
		req = &notificationsv1.ListUserLogsRequest{}
	}
	res, err := u.rpc.ListLogs(ctx, req)
	return res, convertError(err)
}

// Logs iterates over every message of the user that matches filter (nil for all), newest first.
func (u *UserClient) Logs(ctx context.Context, filter *notificationsv1.ListUserLogsRequest) *LogIterator {
	req := &notificationsv1.ListUserLogsRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListUserLogsRequest)
	}
	return &LogIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Log, string, error) {
			req.PageToken = token
			res, err := u.ListLogs(ctx, req)
			return res.GetLogs(), res.GetNextPageToken(), err
		})}
}

// GetLog returns one of the user's own messages.
func (u *UserClient) GetLog(ctx context.Context, id string) (*notificationsv1.Log, error) {
	res, err := u.rpc.GetLog(ctx, &notificationsv1.GetUserLogRequest{Id: id})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLog(), nil
}

// UpdateLog changes one of the user's own messages; only "received" (the read flag) is writable, and
// no paths means "received".
func (u *UserClient) UpdateLog(ctx context.Context, l *notificationsv1.Log, paths ...string) (*notificationsv1.Log, error) {
	res, err := u.rpc.UpdateLog(ctx, &notificationsv1.UpdateUserLogRequest{Log: l, UpdateMask: mask(paths)})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetLog(), nil
}

// MarkLogReceived sets the read flag of one of the user's own messages.
func (u *UserClient) MarkLogReceived(ctx context.Context, id string, received bool) (*notificationsv1.Log, error) {
	return u.UpdateLog(ctx, &notificationsv1.Log{Id: id, Received: received}, "received")
}

// RegisterDevice registers a device for push messages (platform and token required), or refreshes it
// if its token is known.
func (u *UserClient) RegisterDevice(ctx context.Context, d *notificationsv1.Device) (*notificationsv1.Device, error) {
	res, err := u.rpc.RegisterDevice(ctx, &notificationsv1.RegisterDeviceRequest{Device: d})
	if err != nil {
		return nil, convertError(err)
	}
	return res.GetDevice(), nil
}

// ListDevices returns one page of the user's devices, newest first; req may be nil.
func (u *UserClient) ListDevices(ctx context.Context,
	req *notificationsv1.ListDevicesRequest) (*notificationsv1.ListDevicesResponse, error) {
	if req == nil {
		req = &notificationsv1.ListDevicesRequest{}
	}
	res, err := u.rpc.ListDevices(ctx, req)
	return res, convertError(err)
}

// Devices iterates over every device of the user, newest first; filter (nil for defaults) gives
// the page size.
func (u *UserClient) Devices(ctx context.Context, filter *notificationsv1.ListDevicesRequest) *DeviceIterator {
	req := &notificationsv1.ListDevicesRequest{}
	if filter != nil {
		req = proto.Clone(filter).(*notificationsv1.ListDevicesRequest)
	}
	return &DeviceIterator{p: newPager(ctx, req.GetPageToken(),
		func(ctx context.Context, token string) ([]*notificationsv1.Device, string, error) {
			req.PageToken = token
			res, err := u.ListDevices(ctx, req)
			return res.GetDevices(), res.GetNextPageToken(), err
		})}
}

// DeleteDevice removes one of the user's devices.
func (u *UserClient) DeleteDevice(ctx context.Context, id string) error {
	_, err := u.rpc.DeleteDevice(ctx, &notificationsv1.DeleteDeviceRequest{Id: id})
	return convertError(err)
}
