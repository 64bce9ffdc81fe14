// Command example prints the names of the caller's company's notifications, one a line.
//
//	example --target 127.0.0.1:50051 --token ADMIN_TOKEN
//
// Exit codes: 0 success; 1 an error from the server, printed to stderr as
// "error: <CODE>: <message> (<reason>)"; 2 a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"notifications.local/clients/go/notify"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("example", flag.ContinueOnError)
	flags.SetOutput(stderr)
	target := flags.String("target", envOr("NOTIFY_TARGET", "127.0.0.1:50051"),
		"the server's gRPC target, host:port (default: $NOTIFY_TARGET or 127.0.0.1:50051)")
	token := flags.String("token", os.Getenv("NOTIFY_TOKEN"),
		"a company admin's platform token (default: $NOTIFY_TOKEN)")
	timeout := flags.Duration("timeout", 10*time.Second, "the deadline of each call")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *token == "" || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: example --target host:port --token TOKEN")
		return 2
	}

	ctx := context.Background()
	admin, err := notify.NewAdminClient(ctx, *target, *token, notify.WithTimeout(*timeout))
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	defer admin.Close()

	it := admin.Notifications(ctx, nil)
	for it.Next() {
		fmt.Fprintln(stdout, it.Notification().GetName())
	}
	if err := it.Err(); err != nil {
		var nerr *notify.Error
		if errors.As(err, &nerr) {
			// "<CODE>: <message> (<reason>)", without the parenthesis when the server sent no reason.
			fmt.Fprintf(stderr, "error: %s\n", nerr.Error())
		} else {
			fmt.Fprintf(stderr, "error: %v\n", err)
		}
		return 1
	}
	return 0
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
