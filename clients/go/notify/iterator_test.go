package notify

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"google.golang.org/grpc/codes"
)

// fakePages serves pages keyed by page token and records the tokens asked for.
type fakePages struct {
	pages  map[string][]int
	next   map[string]string
	failAt string
	asked  []string
}

func (f *fakePages) fetch(_ context.Context, token string) ([]int, string, error) {
	f.asked = append(f.asked, token)
	if token == f.failAt {
		return nil, "", &Error{Code: codes.Unavailable, Message: "down"}
	}
	return f.pages[token], f.next[token], nil
}

func collect(p *pager[int]) []int {
	var got []int
	for p.next() {
		got = append(got, p.current)
	}
	return got
}

func TestPagerWalksEveryPage(t *testing.T) {
	f := &fakePages{
		// The second page is empty but not the last, which a server may send.
		pages:  map[string][]int{"": {1, 2}, "b": {}, "c": {3, 4}, "d": {5}},
		next:   map[string]string{"": "b", "b": "c", "c": "d", "d": ""},
		failAt: "never",
	}
	p := newPager(context.Background(), "", f.fetch)
	if got := collect(&p); !reflect.DeepEqual(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("items = %v", got)
	}
	if p.err != nil {
		t.Errorf("err = %v", p.err)
	}
	if !reflect.DeepEqual(f.asked, []string{"", "b", "c", "d"}) {
		t.Errorf("tokens asked = %q", f.asked)
	}
	if p.next() {
		t.Error("next is true after the end")
	}
	if len(f.asked) != 4 {
		t.Errorf("a page was fetched after the end: %q", f.asked)
	}
}

func TestPagerStartsAtTokenAndStopsOnError(t *testing.T) {
	f := &fakePages{
		pages:  map[string][]int{"x": {7, 8}},
		next:   map[string]string{"x": "y"},
		failAt: "y",
	}
	p := newPager(context.Background(), "x", f.fetch)
	if got := collect(&p); !reflect.DeepEqual(got, []int{7, 8}) {
		t.Errorf("items = %v", got)
	}
	var e *Error
	if !errors.As(p.err, &e) || e.Code != codes.Unavailable {
		t.Errorf("err = %v, want UNAVAILABLE", p.err)
	}
	if p.next() || len(f.asked) != 2 {
		t.Errorf("went on after an error: asked %q", f.asked)
	}
}

func TestPagerEmptyListAndCancelledContext(t *testing.T) {
	f := &fakePages{pages: map[string][]int{}, next: map[string]string{}, failAt: "never"}
	p := newPager(context.Background(), "", f.fetch)
	if p.next() || p.err != nil || len(f.asked) != 1 {
		t.Errorf("empty list: next or err %v, asked %q", p.err, f.asked)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.asked = nil
	p = newPager(ctx, "", f.fetch)
	var e *Error
	if p.next() || !errors.As(p.err, &e) || e.Code != codes.Canceled || len(f.asked) != 0 {
		t.Errorf("cancelled: err %v, asked %q", p.err, f.asked)
	}
}

func TestPagerStopsOnARepeatedToken(t *testing.T) {
	f := &fakePages{
		pages:  map[string][]int{"": {1}, "same": {2}},
		next:   map[string]string{"": "same", "same": "same"},
		failAt: "never",
	}
	p := newPager(context.Background(), "", f.fetch)
	if got := collect(&p); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("items = %v", got)
	}
	var e *Error
	if !errors.As(p.err, &e) || e.Code != codes.Internal {
		t.Errorf("err = %v, want INTERNAL", p.err)
	}
}
