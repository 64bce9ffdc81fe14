package notify

import (
	"context"
	"encoding/json"
	"errors"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

// WebhookClient delivers the platform's webhook events to WebhookService, with a company's webhook
// secret. It is safe for concurrent use.
type WebhookClient struct {
	conn *conn
	rpc  notificationsv1.WebhookServiceClient
}

// NewWebhookClient connects to the server at target (host:port) with a company's webhook secret,
// sent as `authorization: Secret <secret>`.
func NewWebhookClient(ctx context.Context, target, secret string, opts ...Option) (*WebhookClient, error) {
	authorization, err := credential("Secret", secret)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, target, authorization, opts)
	if err != nil {
		return nil, err
	}
	return &WebhookClient{conn: c, rpc: notificationsv1.NewWebhookServiceClient(c.cc)}, nil
}

// Close closes the connection; calls after it fail.
func (w *WebhookClient) Close() error { return w.conn.close() }

// Raw is the generated stub on the client's connection; its calls carry the secret and the timeout
// too, but return plain gRPC status errors.
func (w *WebhookClient) Raw() notificationsv1.WebhookServiceClient { return w.rpc }

// ReceiveEvent hands the server one event exactly as the platform posted it: the raw JSON object
// {"id": ..., "event": ..., "company": ..., "data": {...}}. A second copy of an event (same company
// and id) succeeds with Duplicate set and stores nothing. Errors: codes.Unauthenticated
// (WEBHOOK_SECRET_INVALID), codes.InvalidArgument (WEBHOOK_PAYLOAD_INVALID), codes.ResourceExhausted
// (RATE_LIMITED, with RetryAfter), codes.Unavailable.
func (w *WebhookClient) ReceiveEvent(ctx context.Context, payload []byte) (*notificationsv1.ReceiveEventResponse, error) {
	res, err := w.rpc.ReceiveEvent(ctx, &notificationsv1.ReceiveEventRequest{Payload: payload})
	if err != nil {
		return nil, convertError(err)
	}
	return res, nil
}

// WebhookEvent is the JSON object the platform posts for an event, for building payloads.
type WebhookEvent struct {
	// ID is the platform's id of the event, the same for every retry of it.
	ID string `json:"id"`
	// Event is the event's name, such as "user.create".
	Event string `json:"event"`
	// Company is the platform's id of the company, such as "acme".
	Company string `json:"company"`
	// Data is the event's data; anything encoding/json turns into an object (nil becomes {}).
	Data interface{} `json:"data"`
}

// SendEvent encodes event as JSON and hands it to ReceiveEvent.
func (w *WebhookClient) SendEvent(ctx context.Context, event WebhookEvent) (*notificationsv1.ReceiveEventResponse, error) {
	if event.Data == nil {
		event.Data = map[string]interface{}{}
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return nil, errors.New("notify: encoding the event: " + err.Error())
	}
	return w.ReceiveEvent(ctx, payload)
}
