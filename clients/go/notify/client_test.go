package notify

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/durationpb"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

// fakeWebhook is an in-process WebhookService that records what each call carried.
type fakeWebhook struct {
	notificationsv1.UnimplementedWebhookServiceServer

	mu            sync.Mutex
	authorization []string
	deadline      time.Duration // the time left when the call arrived; 0 for no deadline
	payload       []byte
}

func (f *fakeWebhook) ReceiveEvent(ctx context.Context,
	req *notificationsv1.ReceiveEventRequest) (*notificationsv1.ReceiveEventResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	md, _ := metadata.FromIncomingContext(ctx)
	f.authorization = md.Get("authorization")
	f.deadline = 0
	if d, ok := ctx.Deadline(); ok {
		f.deadline = time.Until(d)
	}
	f.payload = append([]byte(nil), req.GetPayload()...)
	if string(req.GetPayload()) == "limit" {
		st, _ := status.New(codes.ResourceExhausted, "slow down").WithDetails(
			&errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: Domain},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)})
		return nil, st.Err()
	}
	return &notificationsv1.ReceiveEventResponse{Id: "event-1"}, nil
}

// startFake serves fakeWebhook over an in-memory listener and gives the option that dials it.
func startFake(t *testing.T) (*fakeWebhook, Option) {
	t.Helper()
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	fake := &fakeWebhook{}
	notificationsv1.RegisterWebhookServiceServer(server, fake)
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	return fake, WithDialOptions(grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) {
		return listener.Dial()
	}))
}

func TestClientSendsCredentialAndDefaultDeadline(t *testing.T) {
	fake, dialer := startFake(t)
	ctx := context.Background()
	w, err := NewWebhookClient(ctx, "bufconn", " s3cret ", dialer, WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	res, err := w.SendEvent(ctx, WebhookEvent{ID: "1", Event: "user.create", Company: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetId() != "event-1" {
		t.Errorf("id = %q", res.GetId())
	}
	if len(fake.authorization) != 1 || fake.authorization[0] != "Secret s3cret" {
		t.Errorf("authorization metadata = %q, want [\"Secret s3cret\"]", fake.authorization)
	}
	if want := `{"id":"1","event":"user.create","company":"acme","data":{}}`; string(fake.payload) != want {
		t.Errorf("payload = %s, want %s", fake.payload, want)
	}
	if fake.deadline <= 0 || fake.deadline > 5*time.Second {
		t.Errorf("the call's deadline was %v away, want at most the 5s timeout", fake.deadline)
	}

	// A context with its own deadline keeps it, even when it is longer than the timeout.
	long, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := w.ReceiveEvent(long, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fake.deadline <= 5*time.Second {
		t.Errorf("the call's deadline was %v away, want the context's minute", fake.deadline)
	}

	// The generated stub gets the credential too.
	if _, err := w.Raw().ReceiveEvent(ctx, &notificationsv1.ReceiveEventRequest{Payload: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if len(fake.authorization) != 1 || fake.authorization[0] != "Secret s3cret" {
		t.Errorf("Raw: authorization metadata = %q", fake.authorization)
	}
}

func TestClientWithoutTimeoutSetsNoDeadline(t *testing.T) {
	fake, dialer := startFake(t)
	u, err := NewWebhookClient(context.Background(), "bufconn", "s", dialer, WithTimeout(0))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if _, err := u.ReceiveEvent(context.Background(), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fake.deadline != 0 {
		t.Errorf("the call had a deadline %v away, want none", fake.deadline)
	}
}

func TestClientErrorsAreTyped(t *testing.T) {
	_, dialer := startFake(t)
	w, err := NewWebhookClient(context.Background(), "bufconn", "s", dialer)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.ReceiveEvent(context.Background(), []byte("limit"))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Code != codes.ResourceExhausted || e.Reason != "RATE_LIMITED" || e.RetryAfter != 2*time.Second {
		t.Errorf("got %+v", e)
	}
}

func TestConstructorsCheckArguments(t *testing.T) {
	ctx := context.Background()
	if _, err := NewAdminClient(ctx, "127.0.0.1:1", ""); err == nil {
		t.Error("NewAdminClient took an empty token")
	}
	if _, err := NewUserClient(ctx, "127.0.0.1:1", "two words"); err == nil {
		t.Error("NewUserClient took a token with a space")
	}
	if _, err := NewWebhookClient(ctx, "", "secret"); err == nil {
		t.Error("NewWebhookClient took an empty target")
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	// Nothing listens on a port of a listener that was just closed.
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := listener.Addr().String()
	listener.Close()

	a, err := NewAdminClient(context.Background(), target, "token", WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.GetCompany(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.Unavailable {
		t.Errorf("GetCompany on a closed port: %v, want UNAVAILABLE", err)
	}

	// With WithBlock the constructor waits for the connection, within its context.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := NewAdminClient(ctx, target, "token", WithBlock()); !errors.As(err, &e) ||
		e.Code != codes.DeadlineExceeded {
		t.Errorf("NewAdminClient with WithBlock: %v, want DEADLINE_EXCEEDED", err)
	}
}
