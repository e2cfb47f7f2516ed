package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pushParams struct {
	SessionID string   `json:"sessionId"`
	Messages  []string `json:"messages"`
}

type pushResult struct {
	Inserted int `json:"inserted"`
	Skipped  int `json:"skipped"`
}

func TestDoSendsJSONAndDecodesTheTypedResult(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{
		jsonResponder(http.StatusCreated, map[string]any{"inserted": 2, "skipped": 1, "extra": true}, "X-Request-Id", "req_123"),
	}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/widget/messages?dryRun=true", seq.Responder)
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.UserAgent = "mybot/1.0"
		cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer mn_widget_k") }
	})

	var out pushResult
	res, err := c.Do(context.Background(), &Request{
		Method: http.MethodPost,
		Path:   "v1/widget/messages",
		Query:  map[string][]string{"dryRun": {"true"}},
		Header: http.Header{"x-munin-session-id": {"sess_1"}, "Origin": {"https://shop.example"}},
		Body:   pushParams{SessionID: "sess_1", Messages: []string{"hi", "there"}},
	}, &out)
	require.NoError(t, err)

	assert.Equal(t, pushResult{Inserted: 2, Skipped: 1}, out)
	assert.Equal(t, &Response{StatusCode: http.StatusCreated, Header: res.Header, RequestID: "req_123", Attempts: 1}, res)
	require.Equal(t, 1, seq.Calls())
	h := seq.Headers[0]
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "application/json", h.Get("Accept"))
	assert.True(t, strings.HasPrefix(h.Get("User-Agent"), "mybot/1.0 botbridge/"))
	assert.Equal(t, "Bearer mn_widget_k", h.Get("Authorization"))
	assert.Equal(t, "sess_1", h.Get("X-Munin-Session-Id"))
	assert.Equal(t, "https://shop.example", h.Get("Origin"))
	assert.Empty(t, h.Get("X-Request-Id"), "no request id unless the option is set")
	assert.JSONEq(t, `{"sessionId":"sess_1","messages":["hi","there"]}`, seq.Bodies[0])
}

func TestDoWithoutBodySendsNoContentType(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(http.StatusNoContent, "")}}
	mt.RegisterResponder(http.MethodDelete, testBase+"v1/webhooks/whk_1", seq.Responder)
	c := newTestClient(t, testBase, hc)

	out := pushResult{Inserted: 9}
	res, err := c.Do(context.Background(), &Request{Method: http.MethodDelete, Path: Pathf("v1/webhooks/%s", "whk_1")}, &out)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.Equal(t, pushResult{Inserted: 9}, out, "an empty body leaves the result alone")
	assert.Empty(t, seq.Headers[0].Get("Content-Type"))
	assert.Empty(t, seq.Bodies[0])
}

func TestDoReportsUndecodableBodies(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodGet, testBase+"v1/whoami", httpmock.NewStringResponder(http.StatusOK, `<html>`))
	c := newTestClient(t, testBase, hc)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/whoami"}, &pushResult{})
	assert.ErrorContains(t, err, "munin: GET /v1/whoami: decode response: invalid character")

	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x", Body: func() {}}, nil)
	assert.ErrorContains(t, err, "munin: POST /v1/x: encode request body")
}

func TestDoCapsTheResponseBody(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	ok := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(http.StatusOK, `"0123456789abcd"`)}}   // 16 bytes
	big := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(http.StatusOK, `"0123456789abcde"`)}} // 17 bytes
	bigErr := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(http.StatusNotFound, strings.Repeat("x", 40))}}
	mt.RegisterResponder(http.MethodGet, testBase+"ok", ok.Responder)
	mt.RegisterResponder(http.MethodGet, testBase+"big", big.Responder)
	mt.RegisterResponder(http.MethodGet, testBase+"bigerr", bigErr.Responder)
	c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.MaxResponseBytes = 16 })

	var s string
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "ok"}, &s)
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcd", s)

	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "big"}, &s)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Equal(t, 1, big.Calls(), "a body over the cap is not fetched again")

	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "bigerr"}, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Len(t, apiErr.Body, 16, "an error body is cut at the cap, not refused")
}

// The vendors' own error bodies, from ../shared/vendor-docs.
func TestDoDecodesVendorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		body       string
		header     []string
		sentinel   error
		code, msg  string
		retryAfter string
		line       string
	}{
		{
			name: "munin throttler", status: 429,
			body:     `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
			header:   []string{"X-Request-Id", "req_9"},
			sentinel: ErrRateLimited, msg: "ThrottlerException: Too Many Requests",
			line: "munin: GET /v1/thing: 429 Too Many Requests: ThrottlerException: Too Many Requests (request id req_9)",
		},
		{
			name: "munin validation", status: 400,
			body:     `{"statusCode":400,"error":"validation_failed","message":"url: webhook URL must use https://"}`,
			sentinel: ErrValidation, code: "validation_failed", msg: "url: webhook URL must use https://",
			line: "munin: GET /v1/thing: 400 validation_failed: url: webhook URL must use https://",
		},
		{
			name: "nest list message", status: 422,
			body:     `{"message":["body must be shorter","at must be a date"]}`,
			sentinel: ErrValidation, msg: "body must be shorter; at must be a date",
		},
		{
			name: "moveo", status: 404,
			body:     `{"error_code":"session_not_found","error_message":"Session expired"}`,
			sentinel: ErrNotFound, code: "session_not_found", msg: "Session expired",
		},
		{
			name: "altabots numeric code", status: 401,
			body:     `{"code":40127,"message":"Invalid API key"}`,
			sentinel: ErrUnauthorized, code: "40127", msg: "Invalid API key",
		},
		{name: "forbidden", status: 403, body: `{"message":"channel ch_1 is inactive"}`, sentinel: ErrForbidden, msg: "channel ch_1 is inactive"},
		{name: "conflict", status: 409, body: `{}`, sentinel: ErrConflict},
		{name: "server html", status: 500, body: "<html>oops</html>", sentinel: ErrServer,
			line: "munin: GET /v1/thing: 500 Internal Server Error"},
		{name: "unavailable with retry-after over the cap", status: 503, body: "", header: []string{"Retry-After", "120"},
			sentinel: ErrServer, retryAfter: "2m0s",
			line: "munin: GET /v1/thing: 503 Service Unavailable (retry after 2m0s)"},
		{name: "multi-line message", status: 400, body: `{"message":"first\nsecond\r\n  third"}`,
			sentinel: ErrValidation, msg: "first\nsecond\r\n  third",
			line: "munin: GET /v1/thing: 400 Bad Request: first second third"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc, mt := mockClient()
			mt.RegisterResponder(http.MethodGet, testBase+"v1/thing", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(tt.status, tt.body)
				for i := 0; i+1 < len(tt.header); i += 2 {
					resp.Header.Set(tt.header[i], tt.header[i+1])
				}
				return resp, nil
			})
			c := newTestClient(t, testBase, hc)
			_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/thing"}, nil)

			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, tt.sentinel)
			for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrValidation, ErrServer} {
				if other != tt.sentinel {
					assert.NotErrorIs(t, err, other)
				}
			}
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.Equal(t, tt.msg, apiErr.Message)
			assert.Equal(t, tt.body, string(apiErr.Body))
			if tt.retryAfter != "" {
				assert.Equal(t, tt.retryAfter, apiErr.RetryAfter.String())
			}
			if tt.line != "" {
				assert.Equal(t, tt.line, err.Error())
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

var errChannelInactive = errors.New("channel inactive")

func TestVendorDecoderAddsItsOwnSentinel(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodPost, testBase+"v1/widget/messages",
		httpmock.NewStringResponder(http.StatusForbidden, `{"message":"channel ch_1 is inactive"}`))
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.DecodeError = func(status int, h http.Header, body []byte) (string, string, error) {
			code, msg, _ := DecodeErrorBody(status, h, body)
			if status == http.StatusForbidden && strings.HasSuffix(msg, "is inactive") {
				return "channel_inactive", msg, errChannelInactive
			}
			return code, msg, nil
		}
	})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/widget/messages", Body: struct{}{}}, nil)
	assert.ErrorIs(t, err, errChannelInactive)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, "munin: POST /v1/widget/messages: 403 channel_inactive: channel ch_1 is inactive")
}

func TestErrorMessagesAreBounded(t *testing.T) {
	t.Parallel()
	// One ASCII byte first, so that byte 512 falls inside a two-byte rune.
	e := &APIError{Vendor: "munin", Method: "GET", Path: "/x", StatusCode: 400, Message: "a" + strings.Repeat("é", 600)}
	line := e.Error()
	assert.Less(t, len(line), 700)
	assert.True(t, strings.HasSuffix(line, "…"))
	assert.True(t, strings.ToValidUTF8(line, "?") == line, "cut on a rune boundary")
}

func TestRequestIDIsSentOnEveryAttempt(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{
		httpmock.NewStringResponder(http.StatusServiceUnavailable, ""),
		httpmock.NewStringResponder(http.StatusBadGateway, ""),
		jsonResponder(http.StatusOK, map[string]int{"inserted": 1}, "X-Request-Id", "trace-42"),
	}}
	mt.RegisterResponder(http.MethodGet, testBase+"v1/widget/messages", seq.Responder)
	var logs bytes.Buffer
	ids := 0
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.RequestID = func(context.Context) string { ids++; return fmt.Sprintf("trace-%d", 41+ids) }
	})

	res, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/widget/messages"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Attempts)
	assert.Equal(t, "trace-42", res.RequestID, "the vendor echoes the id back")
	assert.Equal(t, 1, ids, "one id per call, not per attempt")
	for i, h := range seq.Headers {
		assert.Equal(t, "trace-42", h.Get("X-Request-Id"), "attempt %d", i+1)
	}
	assert.Equal(t, 5, strings.Count(logs.String(), "request_id=trace-42\n"), "3 attempts and 2 retries, each logged with the id")
	assert.Contains(t, logs.String(), `msg="botbridge: retrying request" attempt=1 wait=1ms status=503`)
	assert.Contains(t, logs.String(), `msg="botbridge: retrying request" attempt=2 wait=2ms status=502`)
	assert.Contains(t, logs.String(), `msg="botbridge: sending request" attempt=3 vendor=munin method=GET path=/v1/widget/messages request_id=trace-42`)
}

func TestNoLoggerMeansSilence(t *testing.T) {
	// Not parallel: it swaps the process-wide default logger.
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodGet, testBase+"x", httpmock.NewStringResponder(http.StatusBadGateway, ""))
	c := newTestClient(t, testBase, hc)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "x"}, nil)
	require.Error(t, err)
	assert.Empty(t, logs.String())
}
