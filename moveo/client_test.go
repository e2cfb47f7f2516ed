package moveo

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key, integration string
		opts                   []Option
		want                   string
	}{
		{"empty key", "", testIntegration, nil, "moveo: API key is empty"},
		{"key with space", "abc def", testIntegration, nil, "white space"},
		{"key with newline", "abc\ndef", testIntegration, nil, "control character"},
		{"empty integration", testAPIKey, "", nil, "moveo: integration id is empty"},
		{"integration with slash", testAPIKey, "a/b", nil, "must not hold '/'"},
		{"integration with space", testAPIKey, "a b", nil, "must not hold '/'"},
		{"nil option", testAPIKey, testIntegration, []Option{nil}, "moveo: nil Option"},
		{"empty base", testAPIKey, testIntegration, []Option{WithBaseURL("")}, "WithBaseURL: empty URL"},
		{"relative base", testAPIKey, testIntegration, []Option{WithBaseURL("channels.moveo.ai")}, "base URL"},
		{"nil HTTP client", testAPIKey, testIntegration, []Option{WithHTTPClient(nil)}, "WithHTTPClient: nil client"},
		{"negative retry", testAPIKey, testIntegration, []Option{WithRetry(-1, time.Second)}, "WithRetry"},
		{"negative timeout", testAPIKey, testIntegration, []Option{WithTimeout(-time.Second)}, "WithTimeout"},
		{"user agent line break", testAPIKey, testIntegration, []Option{WithUserAgent("a\r\nb")}, "user agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.key, tc.integration, tc.opts...)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testAPIKey)
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAPIKey, testIntegration, WithLogger(nil))
	require.NoError(t, err)
	assert.Equal(t, testIntegration, c.IntegrationID())
	assert.Equal(t, "moveo.Client{https://channels.moveo.ai/, integration "+testIntegration+"}", c.String())
	assert.Equal(t, "moveo.Client{}", (&Client{}).String())
}

// The key reaches the Authorization header and nothing else: not a verb of
// fmt, not an error (even when Moveo echoes it), not a log line.
func TestKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/messages/read",
		answer(http.StatusUnauthorized, `{"error_code":"unauthorized","error_message":"bad key apikey `+testAPIKey+`"}`))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, m, WithLogger(logger))

	clienttest.AssertNotPrinted(t, testAPIKey, c, *c)
	err := c.MarkRead(t.Context(), testSession)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Len(t, m.Requests(), 1, "401 is not retried")
	clienttest.AssertRedactedError(t, err, testAPIKey)
	assert.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), testAPIKey)
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/messages/delivered", answer(http.StatusOK, `{}`))
	c := newTestClient(t, m, WithUserAgent("support-chat/1.2"))
	require.NoError(t, c.MarkDelivered(t.Context(), testSession))
	r := m.Only()
	assertAPIRequest(t, r, http.MethodPost, testOnPath+"/messages/delivered", `{}`)
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "support-chat/1.2 botbridge/"), r.Header.Get("User-Agent"))
	assert.Equal(t, []string{"apikey " + testAPIKey}, r.Header.Values("Authorization"))
}

func TestDefaultBaseURL(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.OnURL(http.MethodPost, "https://channels.moveo.ai/v1/custom/"+testIntegration+"/sessions/"+testSession+"/close", answer(http.StatusOK, `{}`))
	c, err := NewClient(testAPIKey, testIntegration, WithHTTPClient(m.HTTPClient()))
	require.NoError(t, err)
	require.NoError(t, c.CloseSession(t.Context(), testSession))
}

// allCalls is every client call of the tables.
func allCalls() []callCase {
	return slices.Concat(sessionCalls, messageCalls, fileCalls)
}

// Each call is retried after a 502 exactly when it is marked idempotent,
// and after a 503 (not processed) always.
func TestRetryPerCall(t *testing.T) {
	t.Parallel()
	for _, tc := range allCalls() {
		for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, status), func(t *testing.T) {
				t.Parallel()
				m := newClientMock(t)
				m.On(tc.method, tc.path, answer(status, `{}`), answer(tc.status, tc.reply))
				_, err := tc.call(t.Context(), newTestClient(t, m))
				if tc.idempotent || status == http.StatusServiceUnavailable {
					require.NoError(t, err)
					assert.Len(t, m.Requests(), 2)
					return
				}
				assert.ErrorIs(t, err, ErrServer)
				assert.Len(t, m.Requests(), 1)
			})
		}
	}
}

// The idempotency table of the Client doc, in one place.
func TestIdempotentCalls(t *testing.T) {
	t.Parallel()
	var retried, notRetried []string
	for _, tc := range allCalls() {
		name, _, _ := strings.Cut(tc.name, " ")
		if tc.idempotent {
			retried = append(retried, name)
		} else {
			notRetried = append(notRetried, name)
		}
	}
	assert.ElementsMatch(t, []string{"UpdateContext", "UpdateContext", "CloseConversation", "ReopenConversation",
		"CloseSession", "MarkRead", "MarkDelivered", "UploadURL", "DownloadURL"}, retried)
	assert.ElementsMatch(t, []string{"CreateSession", "CreateSession", "Handover", "Handover",
		"SendMessage", "SendMessage", "SendAgentMessage"}, notRetried)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/messages/read", func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	err := newTestClient(t, m, WithTimeout(time.Millisecond)).MarkRead(t.Context(), testSession)
	assert.ErrorContains(t, err, "deadline exceeded")
}
