package demo_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
)

func ExampleTranscript() {
	t := demo.NewTranscript(os.Stdout)
	t.Say("visitor", "Where is my parcel?")
	t.Note("a human owns the conversation: the bot stays quiet")
	t.Say("bot", "It arrives on Friday.")
	// Output:
	// visitor   › Where is my parcel?
	//             · a human owns the conversation: the bot stays quiet
	// bot       › It arrives on Friday.
}

func TestParse(t *testing.T) {
	var stderr bytes.Buffer
	fs := demo.Flags("quickstart", "Runs the demo.", &stderr)
	grace := fs.Duration("grace", 0, "the grace period")
	require.NoError(t, demo.Parse(fs, []string{"-grace", "2s"}))
	assert.Equal(t, "2s", grace.String())

	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-grace", "soon"}} {
		stderr.Reset()
		fs := demo.Flags("quickstart", "Runs the demo.", &stderr)
		fs.Duration("grace", 0, "the grace period")
		err := demo.Parse(fs, args)
		require.ErrorIs(t, err, demo.ErrUsage, "%q", args)
		assert.Contains(t, stderr.String(), "usage: go run ./examples/quickstart [flags]\n\nRuns the demo.", "%q", args)
		assert.Contains(t, stderr.String(), "-grace", "%q", args)
	}

	fs = demo.Flags("quickstart", "Runs the demo.", io.Discard)
	assert.ErrorIs(t, demo.Parse(fs, []string{"-h"}), flag.ErrHelp)
}

func TestSecret(t *testing.T) {
	t.Setenv("DEMO_TEST_SECRET", "  s3cr3t-value \n")
	got, err := demo.Secret("DEMO_TEST_SECRET")
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t-value", got)

	t.Setenv("DEMO_TEST_SECRET", "   ")
	_, err = demo.Secret("DEMO_TEST_SECRET")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DEMO_TEST_SECRET is not set")
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv, err := demo.Serve(ctx, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, srv.URL)

	resp, err := http.Get(srv.URL + "/anything")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)

	cancel() // cancelling the context stops the server
	<-srv.Done()
	require.NoError(t, srv.Close())
	_, err = http.Get(srv.URL)
	require.Error(t, err)
}

func TestServeRefusesABusyAddress(t *testing.T) {
	srv, err := demo.Serve(t.Context(), "", http.NotFoundHandler())
	require.NoError(t, err)
	defer srv.Close()
	_, err = demo.Serve(t.Context(), srv.URL[len("http://"):], http.NotFoundHandler())
	require.Error(t, err)
}

func TestLines(t *testing.T) {
	next, closeFn, err := demo.Lines(t.Context(), "", []string{"hello", "", "# a comment", "  bye  "})
	require.NoError(t, err)
	defer closeFn()
	for _, want := range []string{"hello", "bye"} {
		got, err := next()
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for range 2 { // the end stays the end
		_, err = next()
		assert.ErrorIs(t, err, io.EOF)
	}
}

func TestLinesFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script.txt")
	require.NoError(t, os.WriteFile(path, []byte("# operator lines\nfirst\r\n\nsecond\n"), 0o600))
	next, closeFn, err := demo.Lines(t.Context(), path, []string{"ignored"})
	require.NoError(t, err)
	var got []string
	for {
		line, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		got = append(got, line)
	}
	require.NoError(t, closeFn())
	assert.Equal(t, []string{"first", "second"}, got)

	_, _, err = demo.Lines(t.Context(), filepath.Join(t.TempDir(), "missing.txt"), nil)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLinesEndsWithTheContext(t *testing.T) {
	r, w := io.Pipe() // standard input that never yields, like a quiet terminal
	defer w.Close()
	stdin := demo.Stdin
	demo.Stdin = r
	t.Cleanup(func() { demo.Stdin = stdin })

	ctx, cancel := context.WithCancel(t.Context())
	next, closeFn, err := demo.Lines(ctx, "-", nil)
	require.NoError(t, err)
	defer closeFn()
	go func() { _, _ = io.WriteString(w, "typed\n") }()
	got, err := next()
	require.NoError(t, err)
	assert.Equal(t, "typed", got)

	cancel()
	_, err = next()
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLateAnswers503UntilSet(t *testing.T) {
	t.Parallel()
	var e demo.Late
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("POST", "/webhooks/munin", nil))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "the vendors retry a 503")
	assert.Equal(t, "1", w.Header().Get("Retry-After"))

	e.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	w = httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("POST", "/webhooks/munin", nil))
	assert.Equal(t, http.StatusNoContent, w.Code)
}

func TestUsagef(t *testing.T) {
	var stderr bytes.Buffer
	fs := demo.Flags("moveo-channel", "A chat.", &stderr)
	fs.Bool("serve", false, "talk to the real vendor")
	require.NoError(t, demo.Parse(fs, []string{"-serve"}))
	err := demo.Usagef(fs, "-serve needs -%s", "integration")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Equal(t, "usage: -serve needs -integration", err.Error())
	assert.True(t, strings.HasPrefix(stderr.String(), "-serve needs -integration\nusage: go run ./examples/moveo-channel [flags]"), stderr.String())
}

func TestCheckModes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{}, ""},
		{[]string{"-i"}, ""},
		{[]string{"-serve", "-addr", ":8080"}, ""},
		{[]string{"-addr", ":8080"}, "-addr: only with -serve"},
		{[]string{"-serve", "-script", "x.txt", "-i"}, "-i, -script: only offline; with -serve you type in the terminal"},
	} {
		var stderr bytes.Buffer
		fs := demo.Flags("altabots-desk", "A desk.", &stderr)
		serve := fs.Bool("serve", false, "serve the real vendor")
		fs.String("addr", "", "where to listen")
		demo.ScriptFlags(fs, "operator")
		require.NoError(t, demo.Parse(fs, c.args))
		err := demo.CheckModes(fs, *serve, "addr")
		if c.want == "" {
			assert.NoError(t, err, "%q", c.args)
			continue
		}
		require.ErrorIs(t, err, demo.ErrUsage, "%q", c.args)
		assert.Contains(t, err.Error(), c.want)
		assert.Contains(t, stderr.String(), c.want)
	}
}
