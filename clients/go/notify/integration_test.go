package notify

// Tests against a running server of company acme, given by the environment:
//
//	NOTIFY_TARGET          the server's gRPC target, host:port
//	NOTIFY_ADMIN_TOKEN     a token of one of the company's admins
//	NOTIFY_USER_TOKEN      a token of a plain user of the company
//	NOTIFY_WEBHOOK_SECRET  the company's webhook secret
//
// Without them these tests are skipped (clients/go/test insists on them). Every notification,
// layout and device made here has a unique name and is deleted at the end.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"google.golang.org/protobuf/types/known/structpb"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notificationsv1 "notifications.local/clients/go/notifications/v1"
)

type liveEnv struct {
	target, adminToken, userToken, webhookSecret string
}

func live(t *testing.T) liveEnv {
	t.Helper()
	e := liveEnv{
		target:        os.Getenv("NOTIFY_TARGET"),
		adminToken:    os.Getenv("NOTIFY_ADMIN_TOKEN"),
		userToken:     os.Getenv("NOTIFY_USER_TOKEN"),
		webhookSecret: os.Getenv("NOTIFY_WEBHOOK_SECRET"),
	}
	if e.target == "" || e.adminToken == "" || e.userToken == "" || e.webhookSecret == "" {
		t.Skip("set NOTIFY_TARGET, NOTIFY_ADMIN_TOKEN, NOTIFY_USER_TOKEN and NOTIFY_WEBHOOK_SECRET " +
			"to test against a server")
	}
	return e
}

// unique gives a name no other run uses: prefix, the time and random bytes.
func unique(prefix string) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s-%d-%s", prefix, time.Now().UnixNano(), hex.EncodeToString(b))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func adminClient(t *testing.T, e liveEnv) *AdminClient {
	t.Helper()
	a, err := NewAdminClient(context.Background(), e.target, e.adminToken, WithTimeout(15*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// asError insists that err is an *Error of the given code and gives it.
func asError(t *testing.T, err error, code codes.Code) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *notify.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code %v, want %v: %v", CodeName(e.Code), CodeName(code), e)
	}
	return e
}

// notFound checks that err is NOT_FOUND for the reason named.
func notFound(t *testing.T, err error, reason string) {
	t.Helper()
	if nerr := asError(t, err, codes.NotFound); nerr.Reason != reason {
		t.Errorf("reason %q, want %q", nerr.Reason, reason)
	}
}

func smsNotification(name string) *notificationsv1.Notification {
	return &notificationsv1.Notification{
		Type:        notificationsv1.NotificationType_NOTIFICATION_TYPE_SMS,
		Name:        name,
		Description: "made by the Go client's tests",
		Event:       "user.create",
		SmsMessage:  "Welcome, {{ user.first_name }}!",
	}
}

// create makes a notification and deletes it when the test ends (a NOT_FOUND then is fine).
func create(t *testing.T, ctx context.Context, a *AdminClient, n *notificationsv1.Notification) *notificationsv1.Notification {
	t.Helper()
	created, err := a.CreateNotification(ctx, n)
	if err != nil {
		t.Fatalf("CreateNotification(%q): %v", n.GetName(), err)
	}
	t.Cleanup(func() {
		err := a.DeleteNotification(context.Background(), created.GetId())
		if err != nil && status.Code(err) != codes.NotFound {
			t.Errorf("cleaning up notification %s: %v", created.GetId(), err)
		}
	})
	return created
}

func TestLiveNotificationLifecycle(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	name := unique("go-lifecycle")
	created := create(t, ctx, a, smsNotification(name))
	if created.GetId() == "" || created.GetName() != name || created.GetEvent() != "user.create" ||
		created.GetType() != notificationsv1.NotificationType_NOTIFICATION_TYPE_SMS {
		t.Fatalf("created %v", created)
	}
	if created.GetCreated() == nil {
		t.Error("created has no creation time")
	}

	got, err := a.GetNotification(ctx, created.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if got.GetName() != name || got.GetSmsMessage() != created.GetSmsMessage() {
		t.Errorf("got %v, want %v", got, created)
	}

	// Only the fields in the mask change: the description given here is not written.
	changed, err := a.UpdateNotification(ctx, &notificationsv1.Notification{
		Id:          created.GetId(),
		SmsMessage:  "Hello again, {{ user.first_name }}.",
		Enabled:     true,
		Description: "not in the mask",
	}, "sms_message", "enabled")
	if err != nil {
		t.Fatal(err)
	}
	if changed.GetSmsMessage() != "Hello again, {{ user.first_name }}." || !changed.GetEnabled() {
		t.Errorf("after update: %v", changed)
	}
	if changed.GetDescription() != created.GetDescription() || changed.GetName() != name {
		t.Errorf("a field outside the mask changed: %v", changed)
	}
	again, err := a.GetNotification(ctx, created.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if again.GetSmsMessage() != changed.GetSmsMessage() || !again.GetEnabled() {
		t.Errorf("the update was not stored: %v", again)
	}

	if err := a.DeleteNotification(ctx, created.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetNotification(ctx, created.GetId())
	nerr := asError(t, err, codes.NotFound)
	if nerr.Reason != "NOTIFICATION_NOT_FOUND" || nerr.Domain != Domain {
		t.Errorf("reason %q, domain %q", nerr.Reason, nerr.Domain)
	}
	if nerr.Reason != notificationsv1.ErrorReason_NOTIFICATION_NOT_FOUND.String() {
		t.Errorf("reason %q is not the ErrorReason enum's name", nerr.Reason)
	}
	if status.Code(err) != codes.NotFound {
		t.Errorf("status.Code = %v", status.Code(err))
	}
	notFound(t, a.DeleteNotification(ctx, created.GetId()), "NOTIFICATION_NOT_FOUND")
}

func TestLiveNotificationPages(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	prefix := unique("go-pages")
	want := map[string]bool{}
	for i := 0; i < 7; i++ {
		n := create(t, ctx, a, smsNotification(fmt.Sprintf("%s-%d", prefix, i)))
		want[n.GetId()] = true
	}

	filter := &notificationsv1.ListNotificationsRequest{Name: prefix, PageSize: 2}
	seen := map[string]int{}
	it := a.Notifications(ctx, filter)
	for it.Next() {
		n := it.Notification()
		if !strings.HasPrefix(n.GetName(), prefix) {
			t.Errorf("the name filter let %q through", n.GetName())
		}
		seen[n.GetId()]++
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 7 {
		t.Errorf("saw %d notifications, want 7", len(seen))
	}
	for id, count := range seen {
		if !want[id] || count != 1 {
			t.Errorf("notification %s seen %d times (made here: %v)", id, count, want[id])
		}
	}
	if it.Pages() != 4 {
		t.Errorf("fetched %d pages of 2 for 7 notifications, want 4", it.Pages())
	}
	if filter.GetPageToken() != "" {
		t.Error("the iterator changed the caller's filter")
	}

	// One page at a time, by hand.
	page, err := a.ListNotifications(ctx, &notificationsv1.ListNotificationsRequest{Name: prefix, PageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.GetNotifications()) != 5 || page.GetNextPageToken() == "" || page.GetTotalSize() != 7 {
		t.Fatalf("first page: %d notifications, next %q, total %d",
			len(page.GetNotifications()), page.GetNextPageToken(), page.GetTotalSize())
	}
	last, err := a.ListNotifications(ctx, &notificationsv1.ListNotificationsRequest{
		Name: prefix, PageSize: 5, PageToken: page.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.GetNotifications()) != 2 || last.GetNextPageToken() != "" {
		t.Errorf("last page: %d notifications, next %q", len(last.GetNotifications()), last.GetNextPageToken())
	}

	// A bad page token is INVALID_ARGUMENT, from the iterator too.
	bad := a.Notifications(ctx, &notificationsv1.ListNotificationsRequest{PageToken: "not-a-token"})
	if bad.Next() {
		t.Error("an iterator with a bad page token gave a notification")
	}
	if ierr := asError(t, bad.Err(), codes.InvalidArgument); ierr.Reason != "INVALID_PAGE_TOKEN" {
		t.Errorf("reason %q", ierr.Reason)
	}
}

func TestLiveInvalidNotification(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	// No type.
	n := smsNotification(unique("go-invalid"))
	n.Type = notificationsv1.NotificationType_NOTIFICATION_TYPE_UNSPECIFIED
	created, err := a.CreateNotification(ctx, n)
	if err == nil {
		a.DeleteNotification(context.Background(), created.GetId())
		t.Fatal("a notification without a type was created")
	}
	nerr := asError(t, err, codes.InvalidArgument)
	if nerr.Field != "type" || nerr.Reason != "INVALID_FIELD" || nerr.Message == "" {
		t.Errorf("field %q, reason %q, message %q", nerr.Field, nerr.Reason, nerr.Message)
	}

	// An email without a subject.
	email := &notificationsv1.Notification{
		Type: notificationsv1.NotificationType_NOTIFICATION_TYPE_EMAIL, Name: unique("go-invalid"),
		Event: "user.create", TextMessage: "hello",
	}
	created, err = a.CreateNotification(ctx, email)
	if err == nil {
		a.DeleteNotification(context.Background(), created.GetId())
		t.Fatal("an email without a subject was created")
	}
	if nerr := asError(t, err, codes.InvalidArgument); nerr.Field != "subject" {
		t.Errorf("field %q, want subject", nerr.Field)
	}

	// A negative page size.
	_, err = a.ListNotifications(ctx, &notificationsv1.ListNotificationsRequest{PageSize: -1})
	if nerr := asError(t, err, codes.InvalidArgument); nerr.Field != "page_size" {
		t.Errorf("field %q, want page_size", nerr.Field)
	}
}

func TestLiveBadTokens(t *testing.T) {
	e := live(t)
	ctx := testContext(t)

	bad, err := NewAdminClient(ctx, e.target, "not-a-real-token-"+unique("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.GetCompany(ctx)
	if nerr := asError(t, err, codes.Unauthenticated); nerr.Reason == "" {
		t.Error("UNAUTHENTICATED without a reason")
	}
	it := bad.Notifications(ctx, nil)
	if it.Next() {
		t.Error("a bad token listed a notification")
	}
	asError(t, it.Err(), codes.Unauthenticated)

	// A plain user's token is not an admin's.
	asUser, err := NewAdminClient(ctx, e.target, e.userToken)
	if err != nil {
		t.Fatal(err)
	}
	defer asUser.Close()
	_, err = asUser.GetCompany(ctx)
	if nerr := asError(t, err, codes.PermissionDenied); nerr.Reason != "ADMIN_REQUIRED" {
		t.Errorf("reason %q, want ADMIN_REQUIRED", nerr.Reason)
	}

	// A wrong webhook secret.
	w, err := NewWebhookClient(ctx, e.target, "wrong-"+unique("secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.SendEvent(ctx, WebhookEvent{ID: unique("evt"), Event: "user.create", Company: "acme"})
	if nerr := asError(t, err, codes.Unauthenticated); nerr.Reason != "WEBHOOK_SECRET_INVALID" {
		t.Errorf("reason %q, want WEBHOOK_SECRET_INVALID", nerr.Reason)
	}
}

func TestLiveCompanyAndTimeout(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	company, err := a.GetCompany(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if company.GetId() != "acme" || !company.GetActive() {
		t.Errorf("company %v, want acme, active", company)
	}

	// A timeout too short for any call gives DEADLINE_EXCEEDED...
	hasty, err := NewAdminClient(ctx, e.target, e.adminToken, WithTimeout(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	defer hasty.Close()
	_, err = hasty.GetCompany(context.Background())
	asError(t, err, codes.DeadlineExceeded)
	// ...but a context's own deadline wins over it.
	if _, err := hasty.GetCompany(ctx); err != nil {
		t.Errorf("with the context's deadline: %v", err)
	}
}

func TestLivePreview(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)
	n := create(t, ctx, a, smsNotification(unique("go-preview")))
	data, err := structpb.NewStruct(map[string]interface{}{
		"user": map[string]interface{}{"first_name": "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	preview, err := a.PreviewNotification(ctx, n.GetId(), data)
	if err != nil {
		t.Fatalf("PreviewNotification: %v", err)
	}
	if got, want := preview.GetSmsMessage(), "Welcome, Ann!"; got != want {
		t.Errorf("sms_message = %q, want %q", got, want)
	}
	if !preview.GetFires() {
		t.Error("an empty expression fires")
	}
	_, err = a.PreviewNotification(ctx, "00000000-0000-0000-0000-000000000000", nil)
	notFound(t, err, "NOTIFICATION_NOT_FOUND")
}

func TestLiveLayouts(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	name := unique("go-layout")
	l, err := a.CreateLayout(ctx, &notificationsv1.Layout{
		Name: name, HtmlMessage: "<div>{{ content }}</div>", TextMessage: "{{ content }}\n--\nAcme"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.DeleteLayout(context.Background(), l.GetId()) })

	n := create(t, ctx, a, smsNotification(unique("go-with-layout")))
	n, err = a.UpdateNotification(ctx, &notificationsv1.Notification{Id: n.GetId(), Layout: l.GetId()}, "layout")
	if err != nil {
		t.Fatal(err)
	}
	if n.GetLayout() != l.GetId() {
		t.Errorf("layout %q, want %q", n.GetLayout(), l.GetId())
	}

	changed, err := a.UpdateLayout(ctx, &notificationsv1.Layout{Id: l.GetId(), Description: "changed"}, "description")
	if err != nil {
		t.Fatal(err)
	}
	if changed.GetDescription() != "changed" || changed.GetHtmlMessage() != l.GetHtmlMessage() {
		t.Errorf("after update: %v", changed)
	}

	found := 0
	it := a.Layouts(ctx, &notificationsv1.ListLayoutsRequest{Name: name, PageSize: 1})
	for it.Next() {
		if it.Layout().GetId() == l.GetId() {
			found++
		}
	}
	if err := it.Err(); err != nil || found != 1 {
		t.Errorf("Layouts found it %d times, err %v", found, err)
	}

	if err := a.DeleteLayout(ctx, l.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetLayout(ctx, l.GetId())
	if nerr := asError(t, err, codes.NotFound); nerr.Reason != "LAYOUT_NOT_FOUND" {
		t.Errorf("reason %q", nerr.Reason)
	}
}

func TestLiveTemplatesCredentialsLogsEvents(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	templates, err := a.ListTemplates(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) > 0 {
		one, err := a.GetTemplate(ctx, templates[0].GetId())
		if err != nil {
			t.Fatal(err)
		}
		if one.GetId() != templates[0].GetId() {
			t.Errorf("GetTemplate gave %q for %q", one.GetId(), templates[0].GetId())
		}
	}
	_, err = a.GetTemplate(ctx, unique("no-such-template"))
	notFound(t, err, "TEMPLATE_NOT_FOUND")

	creds := a.Credentials(ctx, nil)
	for creds.Next() {
		if creds.Credential().GetId() == "" {
			t.Error("a credential without an id")
		}
	}
	if err := creds.Err(); err != nil {
		t.Error(err)
	}
	_, err = a.GetCredential(ctx, "00000000-0000-0000-0000-000000000000")
	notFound(t, err, "CREDENTIAL_NOT_FOUND")

	if page, err := a.ListLogs(ctx, &notificationsv1.ListLogsRequest{PageSize: 3}); err != nil {
		t.Error(err)
	} else if want := int(page.GetTotalSize()); len(page.GetLogs()) != want && !(want > 3 && len(page.GetLogs()) == 3) {
		t.Errorf("ListLogs gave %d logs, want %d of %d", len(page.GetLogs()), want, page.GetTotalSize())
	}
	_, err = a.GetLog(ctx, "00000000-0000-0000-0000-000000000000")
	notFound(t, err, "LOG_NOT_FOUND")
	if _, err := a.ListEvents(ctx, &notificationsv1.ListEventsRequest{PageSize: 3}); err != nil {
		t.Error(err)
	}
}

func TestLiveUser(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)

	// An enabled in-app notification users may opt out of, for the user to see.
	n := smsNotification(unique("go-user"))
	n.Type = notificationsv1.NotificationType_NOTIFICATION_TYPE_SYSTEM
	n.SmsMessage = ""
	n.Subject = "Welcome"
	n.TextMessage = "Welcome aboard."
	n.Enabled = true
	n.PreferenceEnabled = true
	n = create(t, ctx, a, n)

	u, err := NewUserClient(ctx, e.target, e.userToken, WithTimeout(15*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	found := 0
	it := u.Notifications(ctx, &notificationsv1.ListUserNotificationsRequest{PageSize: 2})
	for it.Next() {
		if it.Notification().GetId() == n.GetId() {
			found++
			if it.Notification().GetName() != n.GetName() || !it.Notification().GetPreferenceEnabled() {
				t.Errorf("the user sees %v", it.Notification())
			}
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if found != 1 {
		t.Fatalf("the user saw the new notification %d times, want 1", found)
	}

	mine, err := u.GetNotification(ctx, n.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if !mine.GetEnabled() {
		t.Error("the user's preference starts disabled")
	}
	off, err := u.UpdateNotificationPreference(ctx, n.GetId(), false)
	if err != nil {
		t.Fatal(err)
	}
	if off.GetEnabled() {
		t.Error("opting out did not stick")
	}
	if _, err := u.UpdateNotificationPreference(ctx, n.GetId(), true); err != nil {
		t.Fatal(err)
	}

	if _, err := u.ListLogs(ctx, nil); err != nil {
		t.Error(err)
	}
	_, err = u.GetLog(ctx, "00000000-0000-0000-0000-000000000000")
	notFound(t, err, "LOG_NOT_FOUND")

	// A device: register, see it listed, remove it.
	d, err := u.RegisterDevice(ctx, &notificationsv1.Device{
		Platform: notificationsv1.DevicePlatform_DEVICE_PLATFORM_WEB,
		Token:    unique("go-fcm-token"), Name: "Go test browser"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.DeleteDevice(context.Background(), d.GetId()) })
	listed := 0
	devices := u.Devices(ctx, nil)
	for devices.Next() {
		if devices.Device().GetId() == d.GetId() {
			listed++
		}
	}
	if err := devices.Err(); err != nil || listed != 1 {
		t.Errorf("Devices listed it %d times, err %v", listed, err)
	}
	if err := u.DeleteDevice(ctx, d.GetId()); err != nil {
		t.Fatal(err)
	}
	if nerr := asError(t, u.DeleteDevice(ctx, d.GetId()), codes.NotFound); nerr.Reason != "DEVICE_NOT_FOUND" {
		t.Errorf("reason %q", nerr.Reason)
	}
}

func TestLiveWebhookDuplicate(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	w, err := NewWebhookClient(ctx, e.target, e.webhookSecret, WithTimeout(15*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	id := unique("go-evt")
	payload := []byte(fmt.Sprintf(
		`{"id": %q, "event": "user.create", "company": "acme", "data": {"id": %q, "email": "go-test@example.com", "balance": 12.50}}`,
		id, unique("user")))
	first, err := w.ReceiveEvent(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetId() == "" || first.GetDuplicate() {
		t.Fatalf("first copy: %v", first)
	}
	second, err := w.ReceiveEvent(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !second.GetDuplicate() || second.GetId() != first.GetId() {
		t.Errorf("second copy: %v, want a duplicate of %s", second, first.GetId())
	}

	// The admin sees the stored event.
	a := adminClient(t, e)
	event, err := a.GetEvent(ctx, first.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if event.GetEventId() != id || event.GetEvent() != "user.create" {
		t.Errorf("stored event %v", event)
	}

	// A payload that is not an event.
	_, err = w.ReceiveEvent(ctx, []byte(`{"id": "x"}`))
	if nerr := asError(t, err, codes.InvalidArgument); nerr.Reason != "WEBHOOK_PAYLOAD_INVALID" {
		t.Errorf("reason %q", nerr.Reason)
	}
}

func TestLiveExample(t *testing.T) {
	e := live(t)
	ctx := testContext(t)
	a := adminClient(t, e)
	name := unique("go-example")
	create(t, ctx, a, smsNotification(name))

	script, err := filepath.Abs(filepath.Join("..", "example"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(token string) (string, string, int) {
		cmd := exec.CommandContext(ctx, script, "--target", e.target, "--token", token)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("running %s: %v", script, err)
		}
		return stdout.String(), stderr.String(), code
	}

	stdout, stderr, code := run(e.adminToken)
	if code != 0 {
		t.Fatalf("example exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	count := 0
	for _, line := range lines {
		if line == name {
			count++
		}
	}
	if count != 1 {
		t.Errorf("the example printed %q %d times in:\n%s", name, count, stdout)
	}

	stdout, stderr, code = run("bad-" + unique("token"))
	if code != 1 {
		t.Errorf("with a bad token the example exited %d, want 1", code)
	}
	if stdout != "" {
		t.Errorf("with a bad token the example printed %q", stdout)
	}
	line := strings.TrimSpace(stderr)
	if !strings.HasPrefix(line, "error: UNAUTHENTICATED: ") || !strings.HasSuffix(line, ")") ||
		strings.Count(line, "\n") != 0 {
		t.Errorf("with a bad token the example wrote %q, want error: UNAUTHENTICATED: <message> (<reason>)", stderr)
	}
}
