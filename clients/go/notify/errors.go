package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Domain is the ErrorInfo domain of the reasons this API sends.
const Domain = "notifications.v1"

// Error is a failed call: the gRPC status code and message, and what the server's
// google.rpc.ErrorInfo and google.rpc.RetryInfo details said. Every method of the clients returns
// its errors as *Error; use errors.As to get at it.
type Error struct {
	// Code is the gRPC status code, such as codes.NotFound.
	Code codes.Code
	// Message is the server's message, for developers.
	Message string
	// Reason is the ErrorInfo reason, such as "NOTIFICATION_NOT_FOUND" (the names of
	// notificationsv1.ErrorReason); empty when the server sent none, as for an unreachable server.
	Reason string
	// Domain is the ErrorInfo domain, "notifications.v1" for this API's reasons.
	Domain string
	// Field is the request field at fault (ErrorInfo metadata "field"), when the server named one.
	Field string
	// Metadata is every ErrorInfo metadata entry, Field's included; nil when there were none.
	Metadata map[string]string
	// RetryAfter is how long the server asked to wait before trying again (RetryInfo); zero when it
	// did not say.
	RetryAfter time.Duration

	status *status.Status
}

// Error gives "<CODE>: <message> (<reason>)", such as
// "NOT_FOUND: notification not found (NOTIFICATION_NOT_FOUND)"; without the parenthesis when there
// is no reason.
func (e *Error) Error() string {
	text := CodeName(e.Code) + ": " + e.Message
	if e.Reason != "" {
		text += " (" + e.Reason + ")"
	}
	return text
}

// GRPCStatus gives the error as the gRPC status it came from, so that status.Code and
// status.FromError work on it too.
func (e *Error) GRPCStatus() *status.Status {
	if e.status != nil {
		return e.status
	}
	return status.New(e.Code, e.Message)
}

// Retryable tells whether trying the same call again later may succeed: the server was unavailable,
// rate-limited the call, or asked for a retry with RetryInfo.
func (e *Error) Retryable() bool {
	switch e.Code {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted:
		return true
	}
	return e.RetryAfter > 0
}

// convertError turns a gRPC call's error into *Error (nil stays nil; an *Error is kept as it is).
func convertError(err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			st = status.New(codes.DeadlineExceeded, err.Error())
		case errors.Is(err, context.Canceled):
			st = status.New(codes.Canceled, err.Error())
		default:
			st = status.New(codes.Unknown, err.Error())
		}
	}
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			if e.Reason == "" {
				e.Reason = d.GetReason()
				e.Domain = d.GetDomain()
			}
			if len(d.GetMetadata()) > 0 {
				if e.Metadata == nil {
					e.Metadata = make(map[string]string, len(d.GetMetadata()))
				}
				for k, v := range d.GetMetadata() {
					e.Metadata[k] = v
				}
			}
		case *errdetails.RetryInfo:
			if delay := d.GetRetryDelay(); delay != nil && delay.IsValid() {
				e.RetryAfter = delay.AsDuration()
			}
		}
	}
	e.Field = e.Metadata["field"]
	return e
}

// codeNames are the canonical names of the gRPC codes, as other languages' clients print them.
var codeNames = map[codes.Code]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

// CodeName gives a gRPC code's canonical name, such as "NOT_FOUND" for codes.NotFound.
func CodeName(c codes.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("CODE(%d)", uint32(c))
}
