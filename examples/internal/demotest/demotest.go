package demotest

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
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
// an HTTP handler logging to stderr, may write to concurrently, and that
// tells waiters when what was written contains their text.
type buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	waiters []waiter
}

type waiter struct {
	text string
	seen chan struct{}
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.b.Write(p)
	b.waiters = slices.DeleteFunc(b.waiters, func(w waiter) bool {
		if bytes.Contains(b.b.Bytes(), []byte(w.text)) {
			close(w.seen)
			return true
		}
		return false
	})
	return n, err
}

// seen returns a channel closed once what was written contains text.
func (b *buffer) seen(text string) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := waiter{text: text, seen: make(chan struct{})}
	if bytes.Contains(b.b.Bytes(), []byte(text)) {
		close(w.seen)
	} else {
		b.waiters = append(b.waiters, w)
	}
	return w.seen
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Running is a program that [Start] started and that serves until stopped.
type Running struct {
	out    *buffer
	stderr *buffer
	cancel context.CancelFunc
	done   chan error
}

// Start runs run with args in the background and returns once it printed a
// line containing ready, such as "serving until Ctrl-C": its servers are up.
// It fails the test if run returns before that, or after [Timeout]. The
// run is stopped when the test ends, if Stop was not called before.
func Start(t testing.TB, run demo.Run, readyLine string, args ...string) *Running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	r := &Running{out: &buffer{}, stderr: &buffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := r.out.seen(readyLine)
	go func() { r.done <- run(ctx, args, r.out, r.stderr) }()
	t.Cleanup(func() { _ = r.Stop() })
	select {
	case <-ready:
		return r
	case err := <-r.done:
		r.done <- err
		t.Fatalf("run %q ended before printing %q: %v\n--- stdout:\n%s\n--- stderr:\n%s", args, readyLine, err, r.out, r.stderr)
	case <-ctx.Done():
		t.Fatalf("run %q did not print %q within %v\n--- stdout:\n%s", args, readyLine, Timeout, r.out)
	}
	return nil
}

// WaitFor waits until the program has printed text to stdout, and fails
// the test if it does not within [Timeout] or returns first.
func (r *Running) WaitFor(t testing.TB, text string) {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case <-r.out.seen(text):
	case err := <-r.done:
		r.done <- err
		t.Fatalf("the program returned before printing %q: %v\n--- stdout:\n%s", text, err, r.out)
	case <-timer.C:
		t.Fatalf("the program did not print %q within %v\n--- stdout:\n%s", text, Timeout, r.out)
	}
}

// Output returns what the program printed to stdout so far.
func (r *Running) Output() string { return r.out.String() }

// Stop cancels the program's context and returns its error once it has
// returned. Calling it again returns the same error.
func (r *Running) Stop() error {
	r.cancel()
	err := <-r.done
	r.done <- err
	return err
}

// InOrder checks that each of lines appears in out, each after the one
// before it, and reports the first that does not, with the whole output.
func InOrder(t testing.TB, out string, lines ...string) {
	t.Helper()
	rest := out
	for _, line := range lines {
		i := strings.Index(rest, line)
		if i < 0 {
			t.Errorf("missing, or out of order: %q\nin:\n%s", line, out)
			return
		}
		rest = rest[i+len(line):]
	}
}

// Stdin makes demo.Stdin a pipe until the test ends, and returns its
// writing end: what the test writes there, the program reads as typed.
// Closing it is Ctrl-D. A test that calls it must not run in parallel.
func Stdin(t testing.TB) *io.PipeWriter {
	r, w := io.Pipe()
	stdin := demo.Stdin
	demo.Stdin = r
	t.Cleanup(func() {
		demo.Stdin = stdin
		w.Close()
	})
	return w
}

// Forwarder is a server at a URL known before the program under test
// runs, which forwards to the program once the program printed its own:
// for a fake vendor that must be told where to call before the program
// starts.
type Forwarder struct {
	// URL is where the fake should call.
	URL  string
	late demo.Late
}

// Forward starts a Forwarder; it stops when the test ends.
func Forward(t testing.TB) *Forwarder {
	f := &Forwarder{}
	srv := httptest.NewServer(&f.late)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// To forwards every request from now on to target, a base URL.
func (f *Forwarder) To(t testing.TB, target string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("forward to %q: %v", target, err)
	}
	f.late.Set(httputil.NewSingleHostReverseProxy(u))
}
