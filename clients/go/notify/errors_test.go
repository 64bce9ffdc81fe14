package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestConvertErrorDecodesDetails(t *testing.T) {
	st, err := status.New(codes.ResourceExhausted, "too many events").WithDetails(
		&errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: Domain,
			Metadata: map[string]string{"field": "payload", "limit": "100"}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)},
	)
	if err != nil {
		t.Fatal(err)
	}
	// Wrapped, as callers' code often does, to show that errors.As finds it.
	got := fmt.Errorf("sending: %w", convertError(st.Err()))

	var e *Error
	if !errors.As(got, &e) {
		t.Fatalf("errors.As found no *Error in %v", got)
	}
	if e.Code != codes.ResourceExhausted || e.Message != "too many events" {
		t.Errorf("code, message = %v, %q", e.Code, e.Message)
	}
	if e.Reason != "RATE_LIMITED" || e.Domain != Domain || e.Field != "payload" {
		t.Errorf("reason, domain, field = %q, %q, %q", e.Reason, e.Domain, e.Field)
	}
	if e.Metadata["limit"] != "100" {
		t.Errorf("metadata = %v", e.Metadata)
	}
	if e.RetryAfter != 1500*time.Millisecond {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	if !e.Retryable() {
		t.Error("a RESOURCE_EXHAUSTED error with RetryInfo is not Retryable")
	}
	if want := "RESOURCE_EXHAUSTED: too many events (RATE_LIMITED)"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	// GRPCStatus keeps the status and its details for code that uses the status package.
	if status.Code(e) != codes.ResourceExhausted {
		t.Errorf("status.Code = %v", status.Code(e))
	}
	if n := len(e.GRPCStatus().Details()); n != 2 {
		t.Errorf("GRPCStatus has %d details, want 2", n)
	}
}

func TestConvertErrorWithoutDetails(t *testing.T) {
	if convertError(nil) != nil {
		t.Fatal("convertError(nil) is not nil")
	}
	var e *Error
	if !errors.As(convertError(status.Error(codes.Unimplemented, "")), &e) {
		t.Fatal("no *Error")
	}
	if e.Code != codes.Unimplemented || e.Reason != "" || e.Field != "" || e.RetryAfter != 0 {
		t.Errorf("got %+v", e)
	}
	if want := "UNIMPLEMENTED: "; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if e.Retryable() {
		t.Error("UNIMPLEMENTED is Retryable")
	}

	// Errors that are not statuses: context errors keep their meaning, others are UNKNOWN.
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{fmt.Errorf("dialing: %w", context.Canceled), codes.Canceled},
		{errors.New("something else"), codes.Unknown},
	} {
		if !errors.As(convertError(c.err), &e) || e.Code != c.code {
			t.Errorf("convertError(%v) = %v, want code %v", c.err, e, c.code)
		}
	}

	// An *Error passes through unchanged.
	original := &Error{Code: codes.NotFound, Message: "gone", Reason: "LOG_NOT_FOUND"}
	if convertError(original) != error(original) {
		t.Error("convertError changed an *Error")
	}
}

func TestCodeName(t *testing.T) {
	for code, want := range map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.InvalidArgument: "INVALID_ARGUMENT",
		codes.NotFound: "NOT_FOUND", codes.Unauthenticated: "UNAUTHENTICATED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Code(99): "CODE(99)",
	} {
		if got := CodeName(code); got != want {
			t.Errorf("CodeName(%v) = %q, want %q", code, got, want)
		}
	}
}
