package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry rule every vendor client shares:
//
//   - connection errors, 429, 502, 503 and 504 are retried, nothing else;
//   - a request that is not idempotent is retried only when that is safe: it
//     never reached the server, or the server said it did not process it
//     (429, 503), or the caller marked it idempotent because it carries its
//     own idempotency keys;
//   - the wait is jittered exponential backoff, or the server's Retry-After
//     when it sent one; a Retry-After longer than the cap is not waited out
//     but returned to the caller in the error.

// retryableStatus reports whether status may be retried at all, and whether
// the server said the request was not processed.
func retryableStatus(status int) (retryable, unprocessed bool) {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return true, false
	}
	return false, false
}

// shouldRetry applies the rule to one attempt's outcome. resp is nil for a
// connection error; err is set with resp for a body that broke off.
// mayHaveArrived reports whether the attempt's request may have reached the
// server.
func shouldRetry(resp *http.Response, err error, idempotent, mayHaveArrived bool) bool {
	switch {
	case err != nil && permanent(err):
		return false
	case err != nil && resp != nil:
		// The server answered, so it may have acted on the request.
		return idempotent
	case err != nil:
		return idempotent || !mayHaveArrived
	}
	retryable, unprocessed := retryableStatus(resp.StatusCode)
	return retryable && (idempotent || unprocessed)
}

// permanent reports errors that another attempt cannot cure.
func permanent(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.Is(err, ErrResponseTooLarge) ||
		errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

// idempotentMethod reports the methods HTTP defines as idempotent.
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// maxRetryAfter bounds a parsed Retry-After so the conversion to a Duration
// cannot overflow; anything that large is over every sensible cap anyway.
const maxRetryAfter = 365 * 24 * time.Hour

// ParseRetryAfter reads the standard Retry-After header, in delay-seconds or
// as an HTTP-date (RFC 9110 section 10.2.3). A date in the past means zero.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // only all-digit values reach here: err is overflow
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After when it sent one (ok), kept within [RetryWaitMin,
// RetryWaitMax] so that "0" does not mean retrying back to back; else
// exponential from RetryWaitMin, capped at RetryWaitMax, jittered into its
// upper half so that many clients do not retry in step.
func (c *Client) backoff(attempt int, retryAfter time.Duration, ok bool) time.Duration {
	if ok {
		return min(max(retryAfter, c.waitMin), c.waitMax)
	}
	wait := c.waitMax
	if attempt < 32 {
		if step := c.waitMin << attempt; step > 0 && step < c.waitMax {
			wait = step
		}
	}
	half := wait / 2
	return wait - half + time.Duration(c.jitter(int64(half)+1))
}
