package moveotest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestFailNextAnswersBeforeProcessing(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t)
	id := newSession(t, s, nil)
	s.FailNext("POST /v1/custom/{integration_id}/sessions/{session_id}/messages", http.StatusInternalServerError, 2)
	for range 2 {
		r := api(t, s, "POST", "/"+id+"/messages", map[string]any{"input": map[string]any{"text": "hi"}})
		assert.Equal(t, http.StatusInternalServerError, r.Status)
		assert.Equal(t, map[string]any{"error_code": "internal_error", "error_message": "injected fault"}, r.JSON(t))
	}
	say(t, s, id, "hi")
	ss, _ := s.Session(id)
	assert.Len(t, ss.Messages, 2, "the failed requests stored nothing")

	s.FailNext(moveotest.RouteCreateSession, http.StatusBadRequest, 1)
	assert.Equal(t, "invalid_payload", api(t, s, "POST", "", `{}`).JSON(t)["error_code"])

	assert.Panics(t, func() { s.FailNext("POST /v1/nope", 500, 1) })
	assert.Panics(t, func() { s.FailNext(moveotest.RouteSendMessage, 200, 1) })
}

func TestRequestsAreLoggedWithoutTheKey(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t, moveotest.WithClock(moveotest.NewClock(t0)))
	id := newSession(t, s, nil)
	say(t, s, id, "hi")
	r := do(t, s, "GET", s.URL+"/v2/whatever", "apikey "+s.APIKey(), nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, moveotest.RouteCreateSession, reqs[0].Route)
	assert.Equal(t, moveotest.RouteSendMessage, reqs[1].Route)
	assert.Equal(t, "/", reqs[2].Route)
	assert.Equal(t, http.StatusAccepted, reqs[1].Status)
	assert.JSONEq(t, `{"input":{"text":"hi"}}`, string(reqs[1].Body))
	assert.Equal(t, t0, reqs[1].At)
	for _, req := range reqs {
		assert.Equal(t, "apikey [REDACTED]", req.Header.Get("Authorization"))
		assert.NotContains(t, strings.Join(req.Header.Values("Authorization"), ""), s.APIKey())
	}

	// The key sent without its scheme is refused and recorded as all
	// credential.
	r = do(t, s, "POST", s.URL+"/v1/custom/"+s.IntegrationID()+"/sessions", s.APIKey(), `{}`)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	last := s.Requests()[3]
	assert.Equal(t, "[REDACTED]", last.Header.Get("Authorization"))
}

// TestLatencyDelaysAnswers holds an answer back: with an hour of latency,
// a request whose context ends first gets no answer (no timing is measured).
func TestLatencyDelaysAnswers(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t, moveotest.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	url := s.URL + "/v1/custom/" + s.IntegrationID() + "/sessions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "apikey "+s.APIKey())
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the answer must wait for the latency")
	assert.Empty(t, s.Sessions(), "nothing is processed before the latency passes")
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]moveotest.Option{
		"nil":              nil,
		"timeout":          moveotest.WithSessionTimeout(0),
		"clock":            moveotest.WithClock(nil),
		"schedule":         moveotest.WithDeliverySchedule(-time.Second),
		"delivery timeout": moveotest.WithDeliveryTimeout(0),
		"latency":          moveotest.WithLatency(-1),
		"brain":            moveotest.WithBrain(nil),
		"events":           moveotest.WithSubscribedEvents(""),
		"client":           moveotest.WithDeliveryClient(nil),
	} {
		_, err := moveotest.New(opt)
		assert.Error(t, err, name)
	}
}
