// Package notify is a Go client of the Rehive notifications extension's gRPC API
// (notifications.v1): AdminClient for a company's admins, UserClient for any platform user and
// WebhookClient for the platform's webhook events.
//
// Each client owns one gRPC connection; Close it when done. Every call carries the client's
// credentials in the `authorization` metadata entry ("Token <token>" or "Secret <secret>") and, unless
// the caller's context already has a deadline, a deadline of the client's timeout (WithTimeout,
// 30 seconds by default). Errors from the server are returned as *Error:
//
//	n, err := admin.GetNotification(ctx, id)
//	var nerr *notify.Error
//	if errors.As(err, &nerr) && nerr.Reason == "NOTIFICATION_NOT_FOUND" { ... }
//
// List calls come in two forms: one page (ListNotifications, returning the response with its
// next_page_token) and an iterator over every page (Notifications):
//
//	it := admin.Notifications(ctx, nil)
//	for it.Next() {
//		fmt.Println(it.Notification().GetName())
//	}
//	if err := it.Err(); err != nil { ... }
//
// The messages are the generated ones of package notificationsv1
// (notifications.local/clients/go/notifications/v1).
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// DefaultTimeout is the deadline given to each call whose context has none, unless WithTimeout
// says otherwise.
const DefaultTimeout = 30 * time.Second

// Option configures a client made by NewAdminClient, NewUserClient or NewWebhookClient.
type Option func(*options)

type options struct {
	timeout     time.Duration
	tls         *tls.Config
	dialOptions []grpc.DialOption
	block       bool
}

// WithTimeout sets the deadline of each call whose context has none. Zero or less means no deadline
// beyond the context's own.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithTLS connects over TLS with the given configuration (nil means the system's roots and defaults).
// Without it the connection is plaintext, as for a server on the same host or behind a proxy.
func WithTLS(config *tls.Config) Option {
	return func(o *options) {
		if config == nil {
			config = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		o.tls = config
	}
}

// WithBlock makes the constructor wait, within its context, until the connection is up, so that an
// unreachable target is reported there rather than by the first call.
func WithBlock() Option {
	return func(o *options) { o.block = true }
}

// WithDialOptions passes extra options to grpc.DialContext, such as interceptors or a user agent.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// conn is what the three clients share: the connection, the authorization metadata value and the
// per-call timeout, applied by an interceptor so that the generated stubs (Raw) get them too.
type conn struct {
	cc            *grpc.ClientConn
	authorization string
	timeout       time.Duration
}

func dial(ctx context.Context, target, authorization string, opts []Option) (*conn, error) {
	if target == "" {
		return nil, errors.New("notify: empty target")
	}
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	c := &conn{authorization: authorization, timeout: o.timeout}
	dialOpts := []grpc.DialOption{grpc.WithChainUnaryInterceptor(c.intercept)}
	if o.tls != nil {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(o.tls)))
	} else {
		dialOpts = append(dialOpts, grpc.WithInsecure())
	}
	if o.block {
		dialOpts = append(dialOpts, grpc.WithBlock())
	}
	dialOpts = append(dialOpts, o.dialOptions...)
	cc, err := grpc.DialContext(ctx, target, dialOpts...)
	if err != nil {
		return nil, convertError(err)
	}
	c.cc = cc
	return c, nil
}

// intercept adds the authorization metadata and, when the context has no deadline, the timeout.
func (c *conn) intercept(ctx context.Context, method string, req, reply interface{},
	cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if _, ok := ctx.Deadline(); !ok && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	if c.authorization != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", c.authorization)
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (c *conn) close() error {
	if c == nil || c.cc == nil {
		return nil
	}
	return c.cc.Close()
}

// credential checks a token or secret and makes the authorization value "<scheme> <value>".
func credential(scheme, value string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", errors.New("notify: empty " + strings.ToLower(scheme))
	}
	if strings.ContainsAny(value, " \t\r\n") {
		return "", errors.New("notify: " + strings.ToLower(scheme) + " contains white space")
	}
	return scheme + " " + value, nil
}

// mask makes an update mask of the given paths, or nil (meaning every non-default field) for none.
func mask(paths []string) *fieldmaskpb.FieldMask {
	if len(paths) == 0 {
		return nil
	}
	return &fieldmaskpb.FieldMask{Paths: append([]string(nil), paths...)}
}
