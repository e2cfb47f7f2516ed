package webhookverify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
)

// DefaultMaxBodyBytes is the body cap used when none is given: 1 MiB, far above any documented
// Munin or Moveo event, which carry identifiers rather than message bodies.
const DefaultMaxBodyBytes = 1 << 20

// maxPrealloc bounds how much a declared Content-Length can make VerifyRequest allocate before any
// byte has arrived: a client that declares the whole cap and sends ten bytes must not hold the cap's
// worth of memory. Bodies beyond it grow as they arrive.
const maxPrealloc = 64 << 10

// VerifyRequest reads r's body and checks the signature in the named header, returning the exact raw
// bytes that were verified. It is the one place where vendor webhook handlers read and authenticate a
// delivery; decode JSON only from the bytes it returns.
//
// The body is read through a cap of maxBytes (DefaultMaxBodyBytes when maxBytes <= 0), and never more
// than maxBytes+1 bytes are read. The checks run cheapest first, so an unsigned request, or one whose
// signature is malformed, is refused before its body is read:
//
//   - an empty header value: ErrMissingSignature;
//   - a value not in v's encoding: ErrMalformedSignature;
//   - a Content-Length or a body longer than the cap: ErrTooLarge, with the rest left unread;
//   - a failed read: the read error, wrapped;
//   - no secret matching: ErrSignatureMismatch.
//
// A nil body reads as empty. VerifyRequest does not replace r.Body; Middleware does.
func (v *Verifier) VerifyRequest(r *http.Request, header string, maxBytes int64) ([]byte, error) {
	if v == nil || len(v.keys) == 0 {
		return nil, ErrEmptySecret
	}
	if r == nil {
		return nil, ErrMissingSignature
	}
	var want [sha256.Size]byte
	if err := decodeSignature(v.enc, r.Header.Get(header), &want); err != nil {
		return nil, err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	if r.ContentLength > maxBytes {
		return nil, ErrTooLarge
	}
	body, err := readCapped(r.Body, maxBytes, r.ContentLength)
	if err != nil {
		return nil, err
	}
	if err := v.verifyDecoded(body, &want); err != nil {
		return nil, err
	}
	return body, nil
}

// readCapped reads body to EOF through a cap, giving ErrTooLarge when it holds more than maxBytes.
// sizeHint (a Content-Length, or -1) sizes the buffer so that a declared body is read in one go.
func readCapped(body io.Reader, maxBytes, sizeHint int64) ([]byte, error) {
	if body == nil {
		return []byte{}, nil
	}
	var buf bytes.Buffer
	if sizeHint >= 0 {
		buf.Grow(int(min(sizeHint, maxPrealloc)) + bytes.MinRead) // room for the read that returns EOF
	}
	// One byte past the cap tells a body of exactly maxBytes from a longer one.
	if _, err := buf.ReadFrom(io.LimitReader(body, min(maxBytes, math.MaxInt64-1)+1)); err != nil {
		return nil, fmt.Errorf("webhookverify: reading request body: %w", err)
	}
	if int64(buf.Len()) > maxBytes {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// MiddlewareOption configures Middleware.
type MiddlewareOption func(*middlewareConfig)

type middlewareConfig struct {
	maxBytes int64
	onReject func(*http.Request, error)
}

// WithMaxBodyBytes sets the body cap; n <= 0 means DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) MiddlewareOption {
	return func(c *middlewareConfig) { c.maxBytes = n }
}

// WithRejectHook calls fn with the request and the reason (one of the sentinels, or a wrapped read
// error) each time Middleware refuses a request. The response itself never says why, so this is where
// the user logs it. The error is safe to log; fn must not write to the response.
func WithRejectHook(fn func(r *http.Request, err error)) MiddlewareOption {
	return func(c *middlewareConfig) { c.onReject = fn }
}

// Middleware returns a wrapper that lets a request through to the next handler only when
// v.VerifyRequest accepts it, reading the signature from the named header. The next handler gets a
// request whose Body reads the exact verified bytes (ContentLength set to match); the same bytes are
// available from Payload(r.Context()).
//
// A refused request gets a plain-text http.StatusText body that says nothing about the reason:
//
//   - missing, malformed or mismatched signature: 401 Unauthorized;
//   - body over the cap: 413 Request Entity Too Large, without reading the rest;
//   - body read failure: 400 Bad Request;
//   - a Verifier without secrets: 500 Internal Server Error, so the vendor retries once the receiver
//     is configured instead of dropping the event.
func Middleware(v *Verifier, header string, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	cfg := middlewareConfig{maxBytes: DefaultMaxBodyBytes}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := v.VerifyRequest(r, header, cfg.maxBytes)
			if err != nil {
				if cfg.onReject != nil {
					cfg.onReject(r, err)
				}
				code := rejectStatus(err)
				http.Error(w, http.StatusText(code), code)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), payloadKey{}, body))
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			next.ServeHTTP(w, r)
		})
	}
}

func rejectStatus(err error) int {
	var maxBytesErr *http.MaxBytesError
	switch {
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrMalformedSignature), errors.Is(err, ErrSignatureMismatch):
		return http.StatusUnauthorized
	case errors.Is(err, ErrTooLarge), errors.As(err, &maxBytesErr):
		// A MaxBytesError comes from an http.MaxBytesReader the user put around the body.
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrEmptySecret):
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

type payloadKey struct{}

// Payload returns the verified raw body that Middleware stored in the request context, and whether
// there was one. The handler may also read r.Body; both give the same bytes.
func Payload(ctx context.Context) ([]byte, bool) {
	if ctx == nil {
		return nil, false
	}
	body, ok := ctx.Value(payloadKey{}).([]byte)
	return body, ok
}
