package transport

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errQuotaSpent stands for a vendor sentinel a SuccessCheck recognises.
var errQuotaSpent = errors.New("quota spent")

// codeInBody is a SuccessCheck in AltaBots' style: {code, message}, where
// code 0 (or none) is a success and 40127 stands for a 401.
func codeInBody(_ int, _ http.Header, body []byte) *Failure {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	code := JSONText(fields["code"])
	n, err := strconv.Atoi(code)
	if err != nil || n == 0 {
		return nil
	}
	f := &Failure{StatusCode: n / 100, Code: code, Message: JSONText(fields["message"])}
	if n == 42900 {
		f.Kind = errQuotaSpent
	}
	return f
}

// A 2xx whose body reports a failure becomes an *APIError built as for a
// non-2xx answer: the status the failure stands for, the vendor's code,
// message and sentinel, the request id, the rate limit, the capped and
// redacted body; and it is not retried.
func TestCheckSuccessTurnsA2xxIntoAnAPIError(t *testing.T) {
	t.Parallel()
	const key = "ab_key_SUPERSECRET42"
	hc, mt := mockClient()
	body := `{"code":40127,"message":"key ` + key + ` is not valid","padding":"` + strings.Repeat("x", 5000) + `"}`
	seq := &sequence{responses: []httpmock.Responder{func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusOK, body)
		resp.Header.Set("X-Request-Id", "req_"+key)
		resp.Header.Set("X-RateLimit-Limit", "100")
		resp.Header.Set("X-RateLimit-Remaining", "0")
		resp.Header.Set("X-RateLimit-Reset", "60")
		return resp, nil
	}}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/human/close", seq.Responder)
	now := time.Date(2025, 3, 18, 2, 31, 30, 0, time.UTC)
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.Vendor = "altabots"
		cfg.Secrets = []Secret{NewSecret(key)}
		cfg.CheckSuccess = codeInBody
		cfg.Now = func() time.Time { return now }
	})

	var out map[string]any
	res, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/human/close", Body: map[string]string{}}, &out)
	assert.Nil(t, res)
	assert.Nil(t, out, "a failure is not decoded into out")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.NotErrorIs(t, err, errQuotaSpent)
	assert.Equal(t, "40127", apiErr.Code)
	assert.Equal(t, "key [REDACTED] is not valid", apiErr.Message)
	assert.Equal(t, "req_[REDACTED]", apiErr.RequestID)
	assert.Equal(t, "POST", apiErr.Method)
	assert.Equal(t, "/v1/human/close", apiErr.Path)
	assert.Len(t, apiErr.Body, maxErrorBody)
	assert.True(t, strings.HasPrefix(string(apiErr.Body), `{"code":40127,"message":"key [REDACTED] is not valid"`))
	assert.Equal(t, &RateLimit{Limit: 100, Remaining: 0, Reset: now.Add(time.Minute)}, apiErr.RateLimit, "Reset is read on Config.Now")
	assert.Zero(t, apiErr.RetryAfter, "a 401 carries no wait, whatever the quota headers say")
	assert.Equal(t, "altabots: POST /v1/human/close: 401 40127: key [REDACTED] is not valid (request id req_[REDACTED], rate limit 0/100 left)", err.Error())
	assert.NotContains(t, err.Error(), key)
	assert.Equal(t, 1, seq.Calls(), "a failure in a 2xx is not retried")
}

// A failure that stands for a 429 carries the wait the answer asks for and
// the vendor's sentinel; a status outside 400–599 counts as 500.
func TestCheckSuccessStatusAndWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		body   string
		status int
		wait   time.Duration
		kinds  []error
	}{
		{"rate limited", `{"code":42900,"message":"daily quota"}`, 429, 30 * time.Second, []error{ErrRateLimited, errQuotaSpent}},
		{"not an HTTP status", `{"code":77,"message":"odd"}`, 500, 0, []error{ErrServer}},
		{"a 2xx status", `{"code":20001,"message":"odd"}`, 500, 0, []error{ErrServer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hc, mt := mockClient()
			mt.RegisterResponder(http.MethodPost, testBase+"v1/x", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(http.StatusOK, tc.body)
				resp.Header.Set("Retry-After", "30")
				return resp, nil
			})
			c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.CheckSuccess = codeInBody })
			_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x"}, nil)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.wait, apiErr.RetryAfter)
			for _, kind := range tc.kinds {
				assert.ErrorIs(t, err, kind)
			}
		})
	}
}

// A success passes the check and is decoded as usual; the check sees the
// status, headers and body; it is not consulted for a non-2xx answer.
func TestCheckSuccessPassesSuccesses(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodPost, testBase+"v1/ok", jsonResponder(http.StatusCreated, map[string]any{"code": 0, "inserted": 2}, "X-Request-Id", "req_1"))
	mt.RegisterResponder(http.MethodPost, testBase+"v1/bad", jsonResponder(http.StatusBadRequest, map[string]any{"code": 40000, "message": "bad"}))
	type seen struct {
		status int
		id     string
		body   string
	}
	var calls []seen
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.CheckSuccess = func(status int, h http.Header, body []byte) *Failure {
			calls = append(calls, seen{status, h.Get("X-Request-Id"), string(body)})
			return codeInBody(status, h, body)
		}
	})

	var out pushResult
	res, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/ok"}, &out)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, pushResult{Inserted: 2}, out)

	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/bad"}, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "40000", apiErr.Code, "a non-2xx goes through DecodeError")
	assert.Equal(t, []seen{{http.StatusCreated, "req_1", `{"code":0,"inserted":2}`}}, calls)
}

// With a nil out the body of a 2xx is not read as JSON: plain text, HTML
// or nothing is a success. With an out, a body that is not JSON is an
// error (TestDoReportsUndecodableBodies).
func TestNilOutAcceptsAnyBody(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"OK", "<html>done</html>", "", "{", "null"} {
		for _, check := range []SuccessCheck{nil, codeInBody} {
			hc, mt := mockClient()
			mt.RegisterResponder(http.MethodPost, testBase+"v1/x", httpmock.NewStringResponder(http.StatusOK, body))
			c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.CheckSuccess = check })
			res, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x"}, nil)
			require.NoError(t, err, "body %q", body)
			assert.Equal(t, http.StatusOK, res.StatusCode)
		}
	}
}

func TestJSONText(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`"40127"`: "40127", `40127`: "40127", `1e3`: "1e3", `-1`: "-1", `""`: "", `"a b"`: "a b",
		`null`: "", `true`: "", `{}`: "", `[1]`: "", ``: "", `"unterminated`: "", `"\u00e9"`: "é",
	} {
		assert.Equal(t, want, JSONText(json.RawMessage(raw)), raw)
	}
}

func TestIsCodeWord(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"40127": true, "session_not_found": true, "a.b-c/d": true, strings.Repeat("x", 100): true,
		"": false, "not a code": false, "tab\there": false, "nul\x00": false, "del\x7f": false, "é": false,
		strings.Repeat("x", 101): false,
	} {
		assert.Equal(t, want, IsCodeWord(s), "%q", s)
	}
}

// FuzzJSONText: never a panic; a JSON string gives back what it encodes.
func FuzzJSONText(f *testing.F) {
	for _, seed := range []string{`"40127"`, `40127`, `{"code":1}`, `null`, `"\ud800"`, ``, `1e400`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := JSONText(raw)
		var s string
		if json.Unmarshal(raw, &s) == nil && got != s {
			t.Fatalf("JSONText(%q) = %q, want %q", raw, got, s)
		}
		if IsCodeWord(got) && strings.ContainsFunc(got, func(r rune) bool { return r <= ' ' }) {
			t.Fatalf("code word %q holds a space", got)
		}
	})
}
