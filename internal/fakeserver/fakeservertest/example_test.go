package fakeservertest_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
)

// exampleTB stands in for a test's t in the example: it runs the cleanups
// when told, and prints failures.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (e *exampleTB) FailNow()                          { panic("test failed") }

func (e *exampleTB) end() {
	for _, f := range slices.Backward(e.cleanups) {
		f()
	}
}

// A receiver stands in for the webhook endpoint of the code under test:
// it answers the queued statuses, then 200, and records every call.
func ExampleReceiver() {
	t := &exampleTB{} // in a test, the test's own t
	defer t.end()
	rc := fakeservertest.NewReceiver(t, http.StatusServiceUnavailable)

	for _, body := range []string{`{"attempt":1}`, `{"attempt":2}`} {
		r := fakeservertest.Send(t, http.DefaultClient, http.MethodPost, rc.URL+"/hook", body)
		fmt.Println(r.Status)
	}
	for _, c := range rc.Calls() {
		fmt.Println(c.Method, c.Path, c.Header.Get("Content-Type"), string(c.Body))
	}
	// Output:
	// 503
	// 200
	// POST /hook application/json {"attempt":1}
	// POST /hook application/json {"attempt":2}
}
