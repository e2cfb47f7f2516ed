package certainlytest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// A fault answers before anything is processed, even before the token is
// checked: the mode does not change and nothing is recorded.
func TestFailNextAnswersBeforeProcessing(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	s.FailNext(certainlytest.RouteHandover, http.StatusServiceUnavailable, 2)
	for range 2 {
		r := do(t, s, "GET", path(s, "handover", "u1"), "", "")
		assert.Equal(t, http.StatusServiceUnavailable, r.Status)
		assert.Equal(t, map[string]any{"detail": "injected fault"}, r.JSON(t))
	}
	_, ok := s.User("u1")
	assert.False(t, ok, "the failed requests did nothing")
	require.Equal(t, http.StatusOK, handover(t, s, "u1").Status)

	s.FailNext(certainlytest.RouteSend, http.StatusInternalServerError, 1)
	s.FailNext(certainlytest.RouteTakeover, http.StatusBadGateway, 1)
	s.FailNext(certainlytest.RouteConfig, http.StatusNotFound, 1)
	assert.Equal(t, http.StatusInternalServerError, send(t, s, "u1", `{"message":"hi"}`).Status)
	assert.Equal(t, http.StatusBadGateway, takeover(t, s, "u1", "?ClaimEnd=x").Status)
	assert.Equal(t, http.StatusNotFound, do(t, s, "GET", path(s, "config", ""), "", "").Status)
	assert.Empty(t, s.AgentMessages("u1"))
	u, _ := s.User("u1")
	assert.Equal(t, certainlytest.ModeListen, u.Mode)
	assert.Empty(t, u.ClaimEnds)

	// Used up: the routes work again, and a fault of one route leaves the
	// others alone.
	assert.Equal(t, http.StatusOK, send(t, s, "u1", `{"message":"hi"}`).Status)
	assert.Equal(t, http.StatusOK, takeover(t, s, "u1", "").Status)
	s.FailNext(certainlytest.RouteSend, http.StatusInternalServerError, 0)
	assert.Equal(t, http.StatusOK, send(t, s, "u1", `{"message":"again"}`).Status)

	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{503, 503, 200, 500, 502, 404, 200, 200, 200}, statuses)
}

func TestFailNextRefusesMisuse(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	assert.PanicsWithValue(t,
		`certainlytest: FailNext: unknown route "GET /handover"; want "config", "handover", "send" or "takeover"`,
		func() { s.FailNext("GET /handover", 500, 1) })
	assert.Panics(t, func() { s.FailNext(certainlytest.RouteSend, 200, 1) })
	assert.Panics(t, func() { s.FailNext(certainlytest.RouteSend, 600, 1) })
}

// TestLatencyDelaysAnswers holds an answer back: with an hour of latency,
// a request whose context ends first gets no answer (no timing is
// measured).
func TestLatencyDelaysAnswers(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithLatency(time.Hour))
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(c, http.MethodGet, s.URL+path(s, "handover", "u1"), strings.NewReader(""))
	require.NoError(t, err)
	req.Header.Set("Authorization", bearer(s))
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the answer must wait for the latency")
	assert.Empty(t, s.Users(), "nothing is processed before the latency passes")
}
