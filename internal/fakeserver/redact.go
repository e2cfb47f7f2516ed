package fakeserver

import (
	"net/http"
	"slices"
	"strings"
)

// Redacted is what a recorded credential is replaced with.
const Redacted = "[REDACTED]"

// RedactCredential returns an Authorization value with the credential cut
// off and the scheme kept, "Bearer [REDACTED]", so that a test can still
// check which scheme was sent. A value without a scheme (a bare key) is
// all credential: it becomes "[REDACTED]". An empty value stays empty.
func RedactCredential(v string) string {
	if v == "" {
		return ""
	}
	scheme, _, ok := strings.Cut(v, " ")
	if !ok || scheme == "" {
		return Redacted
	}
	return scheme + " " + Redacted
}

// RedactAuthorization returns a copy of h, the headers of a request a fake
// received, with every Authorization value passed through redact
// (RedactCredential when nil).
func RedactAuthorization(h http.Header, redact func(string) string) http.Header {
	if redact == nil {
		redact = RedactCredential
	}
	out := h.Clone()
	if vs := out["Authorization"]; len(vs) > 0 {
		for i, v := range vs {
			vs[i] = redact(v)
		}
	}
	return out
}

// RedactAdded returns a copy of after with the values of every header that
// differs from before replaced by "[REDACTED]": before is what a fake set
// on its outgoing request, after is the request once the test's auth
// function added its credential. An Authorization value keeps its scheme
// (RedactCredential).
func RedactAdded(before, after http.Header) http.Header {
	out := after.Clone()
	for k, vs := range out {
		if slices.Equal(vs, before[k]) {
			continue
		}
		for i, v := range vs {
			if http.CanonicalHeaderKey(k) == "Authorization" {
				vs[i] = RedactCredential(v)
				continue
			}
			vs[i] = Redacted
		}
	}
	return out
}
