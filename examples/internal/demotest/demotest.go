// Package demotest runs an example program in a test, the way a user runs
// it, and returns what it printed.
package demotest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
)

// Timeout bounds one run of an example program in a test.
const Timeout = 60 * time.Second

// Run runs run with args and a context that ends after [Timeout] or when
// the test ends, fails the test if it returns an error (showing both
// outputs), and returns what it wrote to stdout.
func Run(t testing.TB, run demo.Run, args ...string) string {
	t.Helper()
	stdout, stderr, err := RunErr(t, run, args...)
	if err != nil {
		t.Fatalf("run %q: %v\n--- stdout:\n%s\n--- stderr:\n%s", args, err, stdout, stderr)
	}
	return stdout
}

// RunErr is [Run] for a run that may fail: it returns both outputs and the
// error.
func RunErr(t testing.TB, run demo.Run, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	defer cancel()
	var out, errOut buffer
	err = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// buffer is a bytes.Buffer that goroutines the program started, such as
// an HTTP handler logging to stderr, may write to concurrently.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
