package certainlytest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// docClaim is the claim body of the handover page, step 1B, as printed
// (the certainly package's tests read the same file).
var docClaim = func() string {
	b, err := os.ReadFile("../testdata/handover-claim.json")
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}()

// keys returns the top-level keys of a JSON object in order.
func keys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var out []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		out = append(out, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return out
}

// The claim has the fields of step 1B, in the page's order, with the
// page's constants and the user's and bot's ids.
func TestClaimWebhookHasTheDocumentedShape(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(rc.URL, "", nil))
	require.NoError(t, s.UserAsksForHuman(ctx(t), "user_42"))

	calls := rc.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, keys(t, []byte(docClaim)), keys(t, calls[0].Body))
	assert.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(calls[0].Body, &got))
	u, ok := s.User("user_42")
	require.True(t, ok)
	assert.Equal(t, map[string]any{
		"attachedMedia": "", "reply": "VarWebhook", "botId": s.BotID(), "direction": "out",
		"extractedData": map[string]any{}, "lastName": "", "sessionId": u.SessionID,
		"customVariables": map[string]any{}, "from": "token", "firstName": "", "to": "user_42",
		"replyData": "", "moduleId": s.ModuleID(), "botTrainedModelId": got["botTrainedModelId"],
	}, got)
	assert.NotEmpty(t, got["botTrainedModelId"])
	assert.Equal(t, certainlytest.ModeNormal, u.Mode, "the bot stays in normal mode until the program hands over")
	assert.Equal(t, 1, u.Claims)

	d := s.Deliveries()
	require.Len(t, d, 1)
	assert.Equal(t, certainlytest.WebhookClaim, d[0].Webhook)
	assert.Equal(t, "user_42", d[0].UserID)
	assert.Equal(t, rc.URL, d[0].URL)
	assert.Equal(t, calls[0].Body, d[0].Body)
	assert.True(t, d[0].OK())
	assert.Empty(t, d[0].Error)
}

// In listen mode, the user's message goes to the message webhook with
// interlocutor "user" (step 4) and the ids a receiver needs.
func TestMessageWebhookBody(t *testing.T) {
	t.Parallel()
	claims, messages := newReceiver(t), newReceiver(t)
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(claims.URL, messages.URL, nil))
	handover(t, s, "user/1")
	r, err := s.UserSays(ctx(t), "user/1", "Is anyone there?")
	require.NoError(t, err)
	require.NotNil(t, r.Delivery)
	assert.Equal(t, certainlytest.WebhookMessage, r.Delivery.Webhook)
	assert.Empty(t, claims.Calls())
	calls := messages.Calls()
	require.Len(t, calls, 1)
	u, _ := s.User("user/1")
	assert.JSONEq(t, fmt.Sprintf(`{"interlocutor":"user","message":"Is anyone there?","botId":%q,"userId":"user/1","sessionId":%q}`,
		s.BotID(), u.SessionID), string(calls[0].Body))
	assert.Equal(t, calls[0].Body, r.Delivery.Body)
}

// WithEveryMessage posts the normal-mode exchange too, as Certainly's notes
// describe the message webhook: the user's message, then the bot's answer.
// A failed delivery does not fail the user's chat; Deliveries shows it.
func TestEveryMessage(t *testing.T) {
	t.Parallel()
	messages := newReceiver(t)
	var calls atomic.Int32
	messages.SetAnswer(func(*http.Request, []byte) (int, string) {
		if calls.Add(1) == 1 {
			return http.StatusInternalServerError, ""
		}
		return http.StatusNoContent, ""
	})
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks("", messages.URL, nil), certainlytest.WithEveryMessage())
	r, err := s.UserSays(ctx(t), "u1", "Hi")
	require.NoError(t, err, "a failed delivery does not fail the user's chat")
	assert.Equal(t, certainlytest.ModeNormal, r.Mode)
	assert.Equal(t, "Bot: you said Hi", r.Text)
	u, _ := s.User("u1")
	got := messages.Calls()
	require.Len(t, got, 2)
	assert.JSONEq(t, fmt.Sprintf(`{"interlocutor":"user","message":"Hi","botId":%q,"userId":"u1","sessionId":%q}`,
		s.BotID(), u.SessionID), string(got[0].Body))
	assert.JSONEq(t, fmt.Sprintf(`{"interlocutor":"bot","message":"Bot: you said Hi","botId":%q,"userId":"u1","sessionId":%q}`,
		s.BotID(), u.SessionID), string(got[1].Body))
	deliveries := s.Deliveries()
	require.Len(t, deliveries, 2)
	assert.Equal(t, http.StatusInternalServerError, deliveries[0].StatusCode)
	assert.Equal(t, http.StatusNoContent, deliveries[1].StatusCode)

	handover(t, s, "u1")
	r, err = s.UserSays(ctx(t), "u1", "Still there?")
	require.NoError(t, err)
	assert.Equal(t, certainlytest.ModeListen, r.Mode)
	assert.Len(t, messages.Calls(), 3, "in listen mode, the user's message alone")
}

// The Webhook Builder's None/Basic/header authentication; the credential
// reaches the receiver and is cut off in Deliveries.
func TestWebhookAuthentication(t *testing.T) {
	t.Parallel()
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("certainly:pa55"))
	for _, tc := range []struct {
		name     string
		auth     func(*http.Request)
		header   string
		sent     string
		recorded string
	}{
		{"none", nil, "Authorization", "", ""},
		{"bearer", certainlytest.BearerAuth("s3cret-token"), "Authorization", "Bearer s3cret-token", "Bearer [REDACTED]"},
		{"basic", certainlytest.BasicAuth("certainly", "pa55"), "Authorization", basic, "Basic [REDACTED]"},
		{"header", certainlytest.HeaderAuth("X-Api-Key", "k-123"), "X-Api-Key", "k-123", "[REDACTED]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			s := certainlytest.NewServer(t, certainlytest.WithWebhooks(rc.URL, rc.URL, tc.auth))
			require.NoError(t, s.UserAsksForHuman(ctx(t), "u1"))
			assert.Equal(t, tc.sent, rc.Calls()[0].Header.Get(tc.header))
			d := s.Deliveries()[0]
			assert.Equal(t, tc.recorded, d.Header.Get(tc.header))
			assert.Equal(t, "application/json", d.Header.Get("Content-Type"), "headers the auth did not set are kept")
			if tc.sent != "" {
				assert.NotContains(t, fmt.Sprintf("%#v", d), tc.sent)
			}
		})
	}
}

// A webhook that does not answer 2xx fails the call: the error says which
// webhook and the status, and the next call goes out again (no retries).
func TestWebhookFailureIsReturned(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusUnauthorized)
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(rc.URL, rc.URL, certainlytest.BearerAuth("tok")))

	err := s.UserAsksForHuman(ctx(t), "u1")
	var de *certainlytest.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "certainlytest: claim webhook answered 500 Internal Server Error", err.Error())
	assert.Equal(t, http.StatusInternalServerError, de.Delivery.StatusCode)
	assert.Equal(t, "HTTP 500", de.Delivery.Error)

	handover(t, s, "u1")
	_, err = s.UserSays(ctx(t), "u1", "hi")
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "certainlytest: message webhook answered 401 Unauthorized", err.Error())
	assert.NotContains(t, fmt.Sprintf("%+v", de), "Bearer tok")

	require.NoError(t, s.UserAsksForHuman(ctx(t), "u1"))
	assert.Len(t, rc.Calls(), 3, "each call is made once")
	var codes []int
	for _, d := range s.Deliveries() {
		codes = append(codes, d.StatusCode)
	}
	assert.Equal(t, []int{500, 401, 204}, codes)
}

// The Webhook Builder waits 5 s; the fake's wait is set in real time with
// WithDeliveryTimeout. A receiver that never answers times the call out.
func TestWebhookTimeout(t *testing.T) {
	t.Parallel()
	hang, _ := hangingReceiver(t)
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(hang, "", nil),
		certainlytest.WithDeliveryTimeout(20*time.Millisecond))
	err := s.UserAsksForHuman(ctx(t), "u1")
	var de *certainlytest.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "certainlytest: claim webhook: timeout after 20ms", err.Error())
	assert.Zero(t, de.Delivery.StatusCode)
}

// The caller's context ends the call too, and a dead receiver is a
// network error.
func TestWebhookCallerContextAndNetworkError(t *testing.T) {
	t.Parallel()
	hang, started := hangingReceiver(t)
	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(hang, "", nil))
	c, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.UserAsksForHuman(c, "u1") }()
	<-started
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	s2 := certainlytest.NewServer(t, certainlytest.WithWebhooks(dead.URL, "", nil))
	err := s2.UserAsksForHuman(ctx(t), "u1")
	var de *certainlytest.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "certainlytest: claim webhook: ")
	assert.Zero(t, de.Delivery.StatusCode)
}

// Close cancels a webhook call under way and waits for it.
func TestCloseEndsWebhookCalls(t *testing.T) {
	t.Parallel()
	hang, started := hangingReceiver(t)
	s, err := certainlytest.New(certainlytest.WithWebhooks(hang, "", nil))
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- s.UserAsksForHuman(context.Background(), "u1") }()
	<-started
	s.Close()
	err = <-errc
	assert.ErrorIs(t, err, certainlytest.ErrClosed)
	assert.Equal(t, "certainlytest: claim webhook: server closed", err.Error())
}

// hangingReceiver is a webhook that never answers: it reports each call
// on started and waits for the caller to give up.
func hangingReceiver(t *testing.T) (url string, started <-chan struct{}) {
	ch := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client leave
		ch <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}
