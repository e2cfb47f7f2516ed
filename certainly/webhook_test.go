package certainly

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// The credential set in Certainly's Webhook Builder for these tests.
const (
	hookToken    = "whk_4b7c1e0f9a2d8e6b5c3a1f0e9d8c7b6a"
	hookUser     = "certainly"
	hookPassword = "s3cret-basic-password"
)

// hookCalls records the events a handler's callback got, and fails with
// err when set.
type hookCalls struct {
	mu     sync.Mutex
	events []Event
	err    error
}

func (c *hookCalls) fn(_ context.Context, ev Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	return c.err
}

func (c *hookCalls) got() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// hookRequest is a POST of body from Certainly's side: inside the source
// range the tests allow (httptest's 192.0.2.1), with the bearer token.
func hookRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/certainly", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+hookToken)
	return r
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// Every way a request can go wrong, with the exact status, and the
// callback called only for what succeeds.
func TestWebhookHandlerStatuses(t *testing.T) {
	t.Parallel()
	bearer, err := webhookverify.BearerToken(hookToken)
	require.NoError(t, err)
	source, err := webhookverify.SourceIPs("192.0.2.0/24")
	require.NoError(t, err)
	bearerFromCertainly, err := webhookverify.AllOf(source, bearer)
	require.NoError(t, err)
	basicAuth, err := webhookverify.BasicAuth(hookUser, hookPassword)
	require.NoError(t, err)
	headerToken, err := webhookverify.HeaderToken("X-Api-Key", hookToken)
	require.NoError(t, err)

	for _, tt := range []struct {
		name   string
		auth   webhookverify.Authenticator // nil: bearerFromCertainly
		opts   []WebhookOption
		fnErr  error
		mutate func(r *http.Request)
		body   string // "" : filledClaim
		status int
		want   any // the event type fn gets, for a 204
	}{
		{name: "claim", status: http.StatusNoContent, want: &Claim{}},
		{name: "the page's claim", body: docClaim, status: http.StatusNoContent, want: &Claim{}},
		{name: "user message", body: userMessage, status: http.StatusNoContent, want: &Message{}},
		{name: "unknown payload", body: `{"event":"typing"}`, status: http.StatusNoContent, want: &UnknownEvent{}},
		{name: "bearer scheme in lower case", mutate: func(r *http.Request) { r.Header.Set("Authorization", "bearer "+hookToken) },
			status: http.StatusNoContent, want: &Claim{}},
		{name: "GET", mutate: func(r *http.Request) { r.Method = http.MethodGet }, status: http.StatusMethodNotAllowed},
		{name: "PUT", mutate: func(r *http.Request) { r.Method = http.MethodPut }, status: http.StatusMethodNotAllowed},
		{name: "no credential", mutate: func(r *http.Request) { r.Header.Del("Authorization") }, status: http.StatusUnauthorized},
		{name: "wrong credential", mutate: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+hookToken+"x") }, status: http.StatusUnauthorized},
		{name: "other scheme", mutate: func(r *http.Request) { r.Header.Set("Authorization", basic(hookUser, hookToken)) }, status: http.StatusUnauthorized},
		{name: "IP not allowed", mutate: func(r *http.Request) { r.RemoteAddr = "203.0.113.9:40000" }, status: http.StatusForbidden},
		{name: "Basic", auth: basicAuth, mutate: func(r *http.Request) { r.Header.Set("Authorization", basic(hookUser, hookPassword)) },
			status: http.StatusNoContent, want: &Claim{}},
		{name: "bad Basic", auth: basicAuth, mutate: func(r *http.Request) { r.Header.Set("Authorization", "Basic !!not-base64!!") }, status: http.StatusUnauthorized},
		{name: "wrong Basic password", auth: basicAuth, mutate: func(r *http.Request) { r.Header.Set("Authorization", basic(hookUser, "guess")) }, status: http.StatusUnauthorized},
		{name: "Basic without the scheme", auth: basicAuth, mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.TrimPrefix(basic(hookUser, hookPassword), "Basic "))
		}, status: http.StatusUnauthorized},
		{name: "Basic missing", auth: basicAuth, status: http.StatusUnauthorized},
		{name: "header token", auth: headerToken, mutate: func(r *http.Request) { r.Header.Set("X-Api-Key", hookToken) },
			status: http.StatusNoContent, want: &Claim{}},
		{name: "header token missing", auth: headerToken, status: http.StatusUnauthorized},
		{name: "body over cap", opts: []WebhookOption{WithMaxBodyBytes(64)}, status: http.StatusRequestEntityTooLarge},
		{name: "non-JSON", body: "botId=b&to=u", status: http.StatusBadRequest},
		{name: "JSON array", body: `[` + filledClaim + `]`, status: http.StatusBadRequest},
		{name: "empty body", body: " ", status: http.StatusBadRequest},
		{name: "claim without botId", body: strings.Replace(filledClaim, `"botId":"`+testBot+`",`, "", 1), status: http.StatusBadRequest},
		{name: "claim without to", body: strings.Replace(filledClaim, `"to":"`+testUser+`",`, "", 1), status: http.StatusBadRequest},
		{name: "message without interlocutor", body: strings.Replace(userMessage, `"interlocutor":"user"`, `"interlocutor":""`, 1), status: http.StatusBadRequest},
		{name: "fn error", fnErr: errors.New("desk unavailable"), status: http.StatusInternalServerError, want: &Claim{}},
		{name: "fn refusal", fnErr: webhookverify.Refuse(errors.New("the claim has no botId")), status: http.StatusBadRequest, want: &Claim{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := tt.auth
			if auth == nil {
				auth = bearerFromCertainly
			}
			calls := &hookCalls{err: tt.fnErr}
			h, err := NewWebhookHandler(calls.fn, append([]WebhookOption{WithAuthenticator(auth)}, tt.opts...)...)
			require.NoError(t, err)
			body := tt.body
			if body == "" {
				body = filledClaim
			}
			r := hookRequest(body)
			if tt.auth != nil {
				r.Header.Del("Authorization")
			}
			if tt.mutate != nil {
				tt.mutate(r)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, tt.status, rec.Code)
			got := calls.got()
			if tt.want == nil {
				assert.Empty(t, got, "fn must not be called")
			} else {
				require.Len(t, got, 1)
				assert.IsType(t, tt.want, got[0])
			}
			switch {
			case tt.status < 300:
				assert.Empty(t, rec.Body.String())
			default:
				assert.Equal(t, http.StatusText(tt.status)+"\n", rec.Body.String(), "a refusal says no more than its status")
			}
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
			}
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, webhookverify.Challenge(auth), rec.Header().Get("WWW-Authenticate"), "the scheme expected")
			} else {
				assert.Empty(t, rec.Header().Values("WWW-Authenticate"))
			}
		})
	}
}

// The callback gets the claim as ParseClaim makes it.
func TestWebhookHandlerDeliversTheClaim(t *testing.T) {
	t.Parallel()
	bearer, err := webhookverify.BearerToken(hookToken)
	require.NoError(t, err)
	calls := &hookCalls{}
	h, err := NewWebhookHandler(calls.fn, WithAuthenticator(bearer))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, hookRequest(filledClaim))
	require.Equal(t, http.StatusNoContent, rec.Code)
	want, err := ParseClaim([]byte(filledClaim))
	require.NoError(t, err)
	require.Len(t, calls.got(), 1)
	assert.Equal(t, want, calls.got()[0])
}

func TestWebhookHandlerUnauthenticated(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, err := NewWebhookHandler(calls.fn, WithoutAuthentication())
	require.NoError(t, err)
	r := hookRequest(userMessage)
	r.Header.Del("Authorization")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Len(t, calls.got(), 1)
	assert.Equal(t, "certainly.WebhookHandler{unauthenticated}", fmt.Sprint(h))

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, hookRequest("{"))
	assert.Equal(t, http.StatusBadRequest, rec.Code, "the other checks still apply")
}

func TestNewWebhookHandlerRefuses(t *testing.T) {
	t.Parallel()
	bearer, err := webhookverify.BearerToken(hookToken)
	require.NoError(t, err)
	fn := func(context.Context, Event) error { return nil }
	for _, tt := range []struct {
		name string
		fn   func(context.Context, Event) error
		opts []WebhookOption
		want string
	}{
		{"nil fn", nil, []WebhookOption{WithAuthenticator(bearer)}, "certainly: NewWebhookHandler: nil callback"},
		{"no credential check", fn, nil,
			"certainly: NewWebhookHandler: no WithAuthenticator (or WithoutAuthentication, to accept anyone): webhookverify: empty secret"},
		{"both", fn, []WebhookOption{WithAuthenticator(bearer), WithoutAuthentication()},
			"certainly: NewWebhookHandler: WithoutAuthentication with WithAuthenticator: give one or the other"},
		{"nil authenticator", fn, []WebhookOption{WithAuthenticator(nil)}, "certainly: NewWebhookHandler: WithAuthenticator: nil Authenticator"},
		{"authenticator twice", fn, []WebhookOption{WithAuthenticator(bearer), WithAuthenticator(bearer)},
			"certainly: NewWebhookHandler: WithAuthenticator: given twice; combine checks with webhookverify.AllOf"},
		{"nil option", fn, []WebhookOption{nil}, "certainly: NewWebhookHandler: nil WebhookOption"},
		{"max bytes", fn, []WebhookOption{WithAuthenticator(bearer), WithMaxBodyBytes(0)}, "certainly: NewWebhookHandler: WithMaxBodyBytes: 0 is not positive"},
	} {
		h, err := NewWebhookHandler(tt.fn, tt.opts...)
		assert.Nil(t, h, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
		if tt.name == "no credential check" {
			assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
		}
	}
}

// Neither the handler, printed, nor its log lines show the credential.
func TestWebhookHandlerKeepsTheCredentialSecret(t *testing.T) {
	t.Parallel()
	basicAuth, err := webhookverify.BasicAuth(hookUser, hookPassword)
	require.NoError(t, err)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	calls := &hookCalls{}
	h, err := NewWebhookHandler(calls.fn, WithAuthenticator(basicAuth), WithWebhookLogger(logger))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, h)
		assert.Equal(t, "certainly.WebhookHandler{credential checked}", s, verb)
	}
	for _, auth := range []string{basic(hookUser, hookPassword), basic(hookUser, hookPassword+"!"), "Basic " + hookPassword} {
		r := hookRequest(userMessage)
		r.Header.Set("Authorization", auth)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	out := logs.String()
	assert.Contains(t, out, "certainly webhook: handled")
	assert.Contains(t, out, "certainly webhook: refused")
	assert.Contains(t, out, "user_id="+testUser)
	assert.NotContains(t, out, hookPassword)
	assert.NotContains(t, out, base64.StdEncoding.EncodeToString([]byte(hookUser+":"+hookPassword)))
	assert.NotContains(t, out, "Where is my parcel?", "message text stays out of the log")
}
