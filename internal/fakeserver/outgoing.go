package fakeserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Outgoing is one POST a fake makes to the code under test: a webhook
// delivery, or a call to a desk's endpoint.
type Outgoing struct {
	URL  string
	Body []byte // sent as is, with Content-Type application/json
	// Header holds the other headers the fake sets, such as a signature
	// or a User-Agent.
	Header http.Header
	// Auth, when not nil, adds the credential the receiver checks (the
	// test's function). Outcome.Header shows what it set redacted.
	Auth func(*http.Request)
	// Timeout bounds the call in real time; 0 for no bound of its own.
	Timeout time.Duration
	// KeepAnswer is how many bytes of the answer's body Outcome.Answer
	// keeps; the rest, up to 1 MiB, is read and dropped so that the
	// connection can be used again.
	KeepAnswer int64
	// OnSend, when not nil, receives the headers as they are sent
	// (redacted as Outcome.Header) just before the request leaves, for a
	// fake that shows calls still in flight.
	OnSend func(header http.Header)
}

// Outcome is what became of an Outgoing call.
type Outcome struct {
	// Header is the request's headers as sent, with what Auth set
	// redacted (RedactAdded); nil when no request could be built.
	Header http.Header
	// Status is the answer's HTTP status; 0 when there was no answer.
	Status int
	// Answer is the start of the answer's body (Outgoing.KeepAnswer).
	Answer []byte
	// Duration is the real time until the answer's headers or the failure.
	Duration time.Duration
	// Err is why there was no answer: the request could not be built or
	// sent, Timeout ran out, ctx ended, or the server closed. It is nil
	// when an answer came, whatever its status.
	Err error
	// AnswerErr is a failure to read the kept part of the answer's body.
	AnswerErr error
	// TimedOut reports that Err came from Outgoing.Timeout, not from ctx
	// or the server's Close.
	TimedOut bool
}

// drainAnswer bounds what is read of an answer nobody keeps.
const drainAnswer = 1 << 20

// Post makes call through client and waits for the answer. The call ends
// early when ctx ends, when call.Timeout passes, or when the server closes.
func (s *Server) Post(ctx context.Context, client *http.Client, call Outgoing) Outcome {
	var o Outcome
	callCtx, cancel := ctx, context.CancelFunc(func() {})
	if call.Timeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, call.Timeout)
	}
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)() // Close ends the call

	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, call.URL, bytes.NewReader(call.Body))
	if err != nil {
		o.Err = err
		return o
	}
	for k, vs := range call.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Content-Type", "application/json")
	before := req.Header.Clone()
	if call.Auth != nil {
		call.Auth(req)
	}
	o.Header = RedactAdded(before, req.Header)
	if call.OnSend != nil {
		call.OnSend(o.Header.Clone())
	}

	start := time.Now()
	resp, err := client.Do(req)
	o.Duration = time.Since(start)
	if err != nil {
		o.Err = err
		o.TimedOut = errors.Is(callCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil && s.ctx.Err() == nil
		return o
	}
	defer resp.Body.Close()
	o.Status = resp.StatusCode
	if call.KeepAnswer > 0 {
		o.Answer, o.AnswerErr = io.ReadAll(io.LimitReader(resp.Body, call.KeepAnswer))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainAnswer))
	return o
}

// IsHTTPURL reports whether raw is an absolute http or https URL with a
// host, what a fake accepts as a webhook or desk URL (loopback included,
// so that an httptest.Server can receive the calls).
func IsHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
