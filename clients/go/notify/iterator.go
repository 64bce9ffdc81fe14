package notify

import (
	"context"

	"google.golang.org/grpc/codes"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

// pager walks every page of a list call: it asks for a page with the previous page's
// next_page_token until that token is empty, and hands out the items one at a time.
type pager[T any] struct {
	ctx   context.Context
	fetch func(ctx context.Context, pageToken string) (items []T, nextPageToken string, err error)

	items   []T
	current T
	token   string
	started bool
	stuck   bool
	err     error
	pages   int
}

func newPager[T any](ctx context.Context, startToken string,
	fetch func(ctx context.Context, pageToken string) ([]T, string, error)) pager[T] {
	return pager[T]{ctx: ctx, fetch: fetch, token: startToken}
}

// next advances to the next item, fetching pages as needed; false at the end or on an error.
func (p *pager[T]) next() bool {
	var zero T
	p.current = zero
	for len(p.items) == 0 {
		switch {
		case p.err != nil:
			return false
		case p.stuck:
			// A server that answers a page token with the same token would be asked forever.
			p.err = &Error{Code: codes.Internal,
				Message: "notify: the server answered page token " + p.token + " with the same token"}
			return false
		case p.started && p.token == "":
			return false
		}
		if err := p.ctx.Err(); err != nil {
			p.err = convertError(err)
			return false
		}
		items, next, err := p.fetch(p.ctx, p.token)
		if err != nil {
			p.err = convertError(err)
			return false
		}
		p.started = true
		p.pages++
		p.stuck = next != "" && next == p.token
		p.token = next
		p.items = items
	}
	p.current = p.items[0]
	p.items = p.items[1:]
	return true
}

// NotificationIterator walks every page of AdminClient.Notifications.
type NotificationIterator struct {
	p pager[*notificationsv1.Notification]
}

// Next advances to the next notification; false when there are no more or a call failed (see Err).
func (it *NotificationIterator) Next() bool { return it.p.next() }

// Notification is the current notification, after Next returned true.
func (it *NotificationIterator) Notification() *notificationsv1.Notification { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *NotificationIterator) Err() error { return it.p.err }

// Pages is how many pages were fetched so far.
func (it *NotificationIterator) Pages() int { return it.p.pages }

// LayoutIterator walks every page of AdminClient.Layouts.
type LayoutIterator struct {
	p pager[*notificationsv1.Layout]
}

// Next advances to the next layout; false when there are no more or a call failed (see Err).
func (it *LayoutIterator) Next() bool { return it.p.next() }

// Layout is the current layout, after Next returned true.
func (it *LayoutIterator) Layout() *notificationsv1.Layout { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *LayoutIterator) Err() error { return it.p.err }

// CredentialIterator walks every page of AdminClient.Credentials.
type CredentialIterator struct {
	p pager[*notificationsv1.Credential]
}

// Next advances to the next credential; false when there are no more or a call failed (see Err).
func (it *CredentialIterator) Next() bool { return it.p.next() }

// Credential is the current credential (secrets masked), after Next returned true.
func (it *CredentialIterator) Credential() *notificationsv1.Credential { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *CredentialIterator) Err() error { return it.p.err }

// LogIterator walks every page of AdminClient.Logs or UserClient.Logs.
type LogIterator struct{ p pager[*notificationsv1.Log] }

// Next advances to the next log; false when there are no more or a call failed (see Err).
func (it *LogIterator) Next() bool { return it.p.next() }

// Log is the current log, after Next returned true.
func (it *LogIterator) Log() *notificationsv1.Log { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *LogIterator) Err() error { return it.p.err }

// EventIterator walks every page of AdminClient.Events.
type EventIterator struct{ p pager[*notificationsv1.Event] }

// Next advances to the next event; false when there are no more or a call failed (see Err).
func (it *EventIterator) Next() bool { return it.p.next() }

// Event is the current event, after Next returned true.
func (it *EventIterator) Event() *notificationsv1.Event { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *EventIterator) Err() error { return it.p.err }

// UserNotificationIterator walks every page of UserClient.Notifications.
type UserNotificationIterator struct {
	p pager[*notificationsv1.UserNotification]
}

// Next advances to the next notification; false when there are no more or a call failed (see Err).
func (it *UserNotificationIterator) Next() bool { return it.p.next() }

// Notification is the current notification with the user's preference, after Next returned true.
func (it *UserNotificationIterator) Notification() *notificationsv1.UserNotification {
	return it.p.current
}

// Err is the error that ended the iteration (an *Error), or nil.
func (it *UserNotificationIterator) Err() error { return it.p.err }

// DeviceIterator walks every page of UserClient.Devices.
type DeviceIterator struct {
	p pager[*notificationsv1.Device]
}

// Next advances to the next device; false when there are no more or a call failed (see Err).
func (it *DeviceIterator) Next() bool { return it.p.next() }

// Device is the current device, after Next returned true.
func (it *DeviceIterator) Device() *notificationsv1.Device { return it.p.current }

// Err is the error that ended the iteration (an *Error), or nil.
func (it *DeviceIterator) Err() error { return it.p.err }
