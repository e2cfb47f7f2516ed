package webhookverify_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

const muninHeader = "X-Munin-Signature"

var hexRun = regexp.MustCompile(`[0-9a-fA-F]{16,}`)

// countingReader yields size bytes of 'x' and counts how many it handed out.
type countingReader struct {
	size int64
	read atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	left := r.size - r.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.read.Add(n)
	return int(n), nil
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// recordingHandler remembers what the wrapped handler saw.
type recordingHandler struct {
	called        bool
	body          []byte
	payload       []byte
	payloadOK     bool
	contentLength int64
}

func (h *recordingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.called = true
	h.body, _ = io.ReadAll(r.Body)
	h.payload, h.payloadOK = webhookverify.Payload(r.Context())
	h.contentLength = r.ContentLength
	w.WriteHeader(http.StatusNoContent)
}

// rejectRecorder collects what WithRejectHook receives.
type rejectRecorder struct{ errs []error }

func (rr *rejectRecorder) hook(_ *http.Request, err error) { rr.errs = append(rr.errs, err) }

func newMuninVerifier(t *testing.T) *webhookverify.Verifier {
	t.Helper()
	v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)})
	require.NoError(t, err)
	return v
}

func serve(t *testing.T, v *webhookverify.Verifier, r *http.Request, opts ...webhookverify.MiddlewareOption) (*httptest.ResponseRecorder, *recordingHandler, *rejectRecorder) {
	t.Helper()
	next := &recordingHandler{}
	rejects := &rejectRecorder{}
	opts = append([]webhookverify.MiddlewareOption{webhookverify.WithRejectHook(rejects.hook)}, opts...)
	rec := httptest.NewRecorder()
	webhookverify.Middleware(v, muninHeader, opts...)(next).ServeHTTP(rec, r)
	return rec, next, rejects
}

func signedRequest(body io.Reader, signature string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/munin", body)
	r.Header.Set("Content-Type", "application/json")
	if signature != "" {
		r.Header.Set(muninHeader, signature)
	}
	return r
}

func TestMiddleware_PassesVerifiedBytes(t *testing.T) {
	v := newMuninVerifier(t)

	rec, next, rejects := serve(t, v, signedRequest(strings.NewReader(muninBody), muninSignature))

	assert.Equal(t, http.StatusNoContent, rec.Code)
	require.True(t, next.called)
	assert.Equal(t, muninBody, string(next.body))
	assert.True(t, next.payloadOK)
	assert.Equal(t, muninBody, string(next.payload))
	assert.Equal(t, int64(len(muninBody)), next.contentLength)
	assert.Empty(t, rejects.errs)
}

func TestMiddleware_UnknownLengthBody(t *testing.T) {
	v := newMuninVerifier(t)
	// io.MultiReader hides the length, as a chunked request body does.
	r := signedRequest(io.MultiReader(strings.NewReader(muninBody[:10]), strings.NewReader(muninBody[10:])), muninSignature)
	require.Equal(t, int64(-1), r.ContentLength)

	rec, next, _ := serve(t, v, r)

	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Equal(t, muninBody, string(next.body))
	assert.Equal(t, int64(len(muninBody)), next.contentLength)
}

func TestMiddleware_RefusesBadSignatures(t *testing.T) {
	v := newMuninVerifier(t)
	for _, tc := range []struct {
		name      string
		signature string
		want      error
	}{
		{"missing", "", webhookverify.ErrMissingSignature},
		{"malformed", strings.TrimPrefix(muninSignature, "sha256="), webhookverify.ErrMalformedSignature},
		{"mismatch", webhookverify.Sign([]byte(githubSecret), []byte(muninBody)), webhookverify.ErrSignatureMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, next, rejects := serve(t, v, signedRequest(strings.NewReader(muninBody), tc.signature))

			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.False(t, next.called)
			assert.Equal(t, http.StatusText(http.StatusUnauthorized)+"\n", rec.Body.String())
			assert.NotRegexp(t, hexRun, rec.Body.String())
			assert.NotContains(t, rec.Body.String(), "sha256")
			for _, values := range rec.Header() {
				for _, value := range values {
					assert.NotRegexp(t, hexRun, value)
				}
			}
			require.Len(t, rejects.errs, 1)
			assert.ErrorIs(t, rejects.errs[0], tc.want)
		})
	}
}

func TestMiddleware_BodyCap(t *testing.T) {
	const maxBytes = 1024
	v := newMuninVerifier(t)
	atMax := bytes.Repeat([]byte("a"), maxBytes)
	overMax := bytes.Repeat([]byte("a"), maxBytes+1)

	t.Run("exactly max", func(t *testing.T) {
		rec, next, _ := serve(t, v, signedRequest(bytes.NewReader(atMax), v.Sign(atMax)), webhookverify.WithMaxBodyBytes(maxBytes))

		assert.Equal(t, http.StatusNoContent, rec.Code)
		assert.Equal(t, atMax, next.body)
	})
	t.Run("exactly max, unknown length", func(t *testing.T) {
		want := bytes.Repeat([]byte("x"), maxBytes) // what countingReader yields
		body := &countingReader{size: maxBytes}
		rec, next, _ := serve(t, v, signedRequest(body, v.Sign(want)), webhookverify.WithMaxBodyBytes(maxBytes))

		assert.Equal(t, http.StatusNoContent, rec.Code)
		assert.Equal(t, want, next.body)
		assert.Equal(t, int64(maxBytes), body.read.Load())
	})
	t.Run("max+1", func(t *testing.T) {
		rec, next, rejects := serve(t, v, signedRequest(bytes.NewReader(overMax), v.Sign(overMax)), webhookverify.WithMaxBodyBytes(maxBytes))

		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.Equal(t, http.StatusText(http.StatusRequestEntityTooLarge)+"\n", rec.Body.String())
		assert.False(t, next.called)
		require.Len(t, rejects.errs, 1)
		assert.ErrorIs(t, rejects.errs[0], webhookverify.ErrTooLarge)
	})
	t.Run("max+1, unknown length", func(t *testing.T) {
		body := &countingReader{size: maxBytes + 1}
		rec, next, rejects := serve(t, v, signedRequest(body, v.Sign(overMax)), webhookverify.WithMaxBodyBytes(maxBytes))

		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.False(t, next.called)
		require.Len(t, rejects.errs, 1)
		assert.ErrorIs(t, rejects.errs[0], webhookverify.ErrTooLarge)
	})
}

func TestMiddleware_HugeBodyIsNotRead(t *testing.T) {
	const huge = 10 << 20
	v := newMuninVerifier(t)

	t.Run("unknown length, default cap", func(t *testing.T) {
		body := &countingReader{size: huge}
		r := signedRequest(body, muninSignature)
		require.Equal(t, int64(-1), r.ContentLength)

		rec, next, rejects := serve(t, v, r)

		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.False(t, next.called)
		assert.LessOrEqual(t, body.read.Load(), int64(webhookverify.DefaultMaxBodyBytes+1))
		require.Len(t, rejects.errs, 1)
		assert.ErrorIs(t, rejects.errs[0], webhookverify.ErrTooLarge)
	})
	t.Run("unknown length, small cap", func(t *testing.T) {
		body := &countingReader{size: huge}

		rec, _, _ := serve(t, v, signedRequest(body, muninSignature), webhookverify.WithMaxBodyBytes(100))

		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.LessOrEqual(t, body.read.Load(), int64(101))
	})
	t.Run("declared length over the cap", func(t *testing.T) {
		body := &countingReader{size: huge}
		r := signedRequest(body, muninSignature)
		r.ContentLength = huge

		rec, next, _ := serve(t, v, r)

		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.False(t, next.called)
		assert.Zero(t, body.read.Load())
	})
	t.Run("unsigned: not read at all", func(t *testing.T) {
		body := &countingReader{size: huge}

		rec, _, _ := serve(t, v, signedRequest(body, ""))

		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Zero(t, body.read.Load())
	})
}

func TestMiddleware_ReadError(t *testing.T) {
	v := newMuninVerifier(t)
	readErr := errors.New("connection reset")

	rec, next, rejects := serve(t, v, signedRequest(failingReader{readErr}, muninSignature))

	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.False(t, next.called)
	require.Len(t, rejects.errs, 1)
	assert.ErrorIs(t, rejects.errs[0], readErr)
	for _, sentinel := range []error{webhookverify.ErrMissingSignature, webhookverify.ErrMalformedSignature, webhookverify.ErrSignatureMismatch, webhookverify.ErrTooLarge} {
		assert.NotErrorIs(t, rejects.errs[0], sentinel)
	}
}

func TestMiddleware_UserMaxBytesReader(t *testing.T) {
	v := newMuninVerifier(t)
	rejects := &rejectRecorder{}
	next := &recordingHandler{}
	handler := webhookverify.Middleware(v, muninHeader, webhookverify.WithRejectHook(rejects.hook))(next)
	capped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		handler.ServeHTTP(w, r)
	})
	rec := httptest.NewRecorder()

	capped.ServeHTTP(rec, signedRequest(io.MultiReader(strings.NewReader(muninBody)), muninSignature))

	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.False(t, next.called)
	var maxBytesErr *http.MaxBytesError
	require.Len(t, rejects.errs, 1)
	assert.ErrorAs(t, rejects.errs[0], &maxBytesErr)
}

func TestMiddleware_VerifierWithoutSecret(t *testing.T) {
	for name, v := range map[string]*webhookverify.Verifier{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			rec, next, rejects := serve(t, v, signedRequest(strings.NewReader(muninBody), muninSignature))

			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.False(t, next.called)
			require.Len(t, rejects.errs, 1)
			assert.ErrorIs(t, rejects.errs[0], webhookverify.ErrEmptySecret)
		})
	}
}

func TestMiddleware_NoRejectHook(t *testing.T) {
	v := newMuninVerifier(t)
	next := &recordingHandler{}
	rec := httptest.NewRecorder()

	webhookverify.Middleware(v, muninHeader, nil)(next).ServeHTTP(rec, signedRequest(strings.NewReader(muninBody), ""))

	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.False(t, next.called)
}

func TestMiddleware_RealServer(t *testing.T) {
	v := newMuninVerifier(t)
	next := &recordingHandler{}
	srv := httptest.NewServer(webhookverify.Middleware(v, muninHeader, webhookverify.WithMaxBodyBytes(4096))(next))
	t.Cleanup(srv.Close)
	post := func(body io.Reader, signature string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/munin", body)
		require.NoError(t, err)
		req.Header.Set(muninHeader, signature)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}

	assert.Equal(t, http.StatusNoContent, post(strings.NewReader(muninBody), muninSignature))
	assert.Equal(t, muninBody, string(next.body))
	assert.Equal(t, http.StatusUnauthorized, post(strings.NewReader(muninBody+" "), muninSignature))
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(strings.NewReader(strings.Repeat("a", 4097)), muninSignature))
	// A chunked body of unknown length over the cap.
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(io.MultiReader(strings.NewReader(strings.Repeat("a", 8<<10))), muninSignature))
}

func TestVerifyRequest(t *testing.T) {
	v := newMuninVerifier(t)

	t.Run("returns the raw bytes", func(t *testing.T) {
		body, err := v.VerifyRequest(signedRequest(strings.NewReader(muninBody), muninSignature), muninHeader, 0)

		require.NoError(t, err)
		assert.Equal(t, muninBody, string(body))
	})
	t.Run("nil body reads as empty", func(t *testing.T) {
		r := signedRequest(nil, v.Sign(nil))
		r.Body = nil

		body, err := v.VerifyRequest(r, muninHeader, 0)

		require.NoError(t, err)
		assert.Empty(t, body)
	})
	t.Run("nil body, signature of something else", func(t *testing.T) {
		r := signedRequest(nil, muninSignature)
		r.Body = nil

		_, err := v.VerifyRequest(r, muninHeader, 0)

		assert.ErrorIs(t, err, webhookverify.ErrSignatureMismatch)
	})
	t.Run("nil request", func(t *testing.T) {
		_, err := v.VerifyRequest(nil, muninHeader, 0)

		assert.ErrorIs(t, err, webhookverify.ErrMissingSignature)
	})
	t.Run("nil header map", func(t *testing.T) {
		r := signedRequest(strings.NewReader(muninBody), "")
		r.Header = nil

		_, err := v.VerifyRequest(r, muninHeader, 0)

		assert.ErrorIs(t, err, webhookverify.ErrMissingSignature)
	})
	t.Run("header name is case-insensitive", func(t *testing.T) {
		r := signedRequest(strings.NewReader(muninBody), "")
		r.Header["X-Munin-Signature"] = []string{muninSignature}

		_, err := v.VerifyRequest(r, "x-munin-signature", 0)

		assert.NoError(t, err)
	})
	t.Run("moveo bare hex", func(t *testing.T) {
		moveo, err := webhookverify.NewVerifier([][]byte{[]byte(rfc4231Key)}, webhookverify.WithEncoding(webhookverify.BareHex))
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodPost, "/webhooks/moveo", strings.NewReader(rfc4231Data))
		r.Header.Set("X-Moveo-Signature", rfc4231MAC)

		body, err := moveo.VerifyRequest(r, "X-Moveo-Signature", 0)

		require.NoError(t, err)
		assert.Equal(t, rfc4231Data, string(body))
	})
	t.Run("malformed is refused before the body is read", func(t *testing.T) {
		body := &countingReader{size: 100}

		_, err := v.VerifyRequest(signedRequest(body, "sha256=nothex"), muninHeader, 0)

		assert.ErrorIs(t, err, webhookverify.ErrMalformedSignature)
		assert.Zero(t, body.read.Load())
	})
}

func TestPayload_WithoutMiddleware(t *testing.T) {
	body, ok := webhookverify.Payload(t.Context())

	assert.False(t, ok)
	assert.Nil(t, body)
	//lint:ignore SA1012 checking that a nil context does not panic
	body, ok = webhookverify.Payload(nil)
	assert.False(t, ok)
	assert.Nil(t, body)
}

// A client that declares the whole cap and sends a few bytes must not make the server hold the cap's
// worth of memory before the body has arrived.
func TestVerifyRequest_DeclaredLengthDoesNotPreallocateTheCap(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	v := newMuninVerifier(t)
	allocated := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/munin", strings.NewReader(muninBody[:10]))
			req.ContentLength = webhookverify.DefaultMaxBodyBytes
			req.Header.Set(muninHeader, muninSignature)
			_, _ = v.VerifyRequest(req, muninHeader, 0)
		}
	}).AllocedBytesPerOp()
	assert.Less(t, allocated, int64(128<<10), "bytes allocated per request")
}
