package clienttest

import (
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"sync/atomic"

	"github.com/jarcoal/httpmock"
)

// JSONHeader is the header of a JSON answer: Content-Type
// application/json and, when requestID is not empty, the X-Request-Id that
// the vendor's *APIError must then carry.
func JSONHeader(requestID string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	return h
}

// Answer replies status with body and the headers of each of header in
// turn: a later one's values for a name replace an earlier one's, so
// Answer(429, body, JSONHeader(id), limits) is a JSON answer with the rate
// limit headers too. Names are canonicalised, as they are when a real
// answer is read; the headers are copied when Answer is called.
func Answer(status int, body string, header ...http.Header) httpmock.Responder {
	merged := http.Header{}
	for _, h := range header {
		for k, vs := range h {
			merged[textproto.CanonicalMIMEHeaderKey(k)] = slices.Clone(vs)
		}
	}
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		for k, vs := range merged {
			resp.Header[k] = slices.Clone(vs)
		}
		return resp, nil
	}
}

// BrokenConnection fails as a connection that broke once the request was
// out: the vendor may have acted on it, so a call that is not idempotent
// must not be sent again.
func BrokenConnection(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

// DialFailure is a RoundTripper whose first requests fail as a refused dial
// does (so they provably never reached the server, and any call may be
// sent again) and whose later ones go to Next.
type DialFailure struct {
	// Refuse is how many requests are still to be refused; each refused
	// request takes one off.
	Refuse *atomic.Int64
	// Next carries the requests that are not refused.
	Next http.RoundTripper
}

// RefuseDials returns a DialFailure that refuses the first n requests.
func RefuseDials(n int64, next http.RoundTripper) DialFailure {
	d := DialFailure{Refuse: new(atomic.Int64), Next: next}
	d.Refuse.Store(n)
	return d
}

// RoundTrip refuses req as a dial would while Refuse is positive (closing
// its body, as a RoundTripper must), and sends it to Next after.
func (d DialFailure) RoundTrip(req *http.Request) (*http.Response, error) {
	if d.Refuse.Add(-1) >= 0 {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return d.Next.RoundTrip(req)
}
