package fakeservertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
)

// echo answers with what it received: method, Content-Type,
// Authorization and body.
func echo(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Authorization", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusTeapot)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSend(t *testing.T) {
	t.Parallel()
	srv := echo(t)
	for name, tc := range map[string]struct {
		body        any
		header      []string
		wantBody    string
		contentType string
		auth        string
	}{
		"no body":                 {nil, nil, "", "", ""},
		"string as is":            {`{"a":`, nil, `{"a":`, "application/json", ""},
		"bytes as is":             {[]byte("raw"), nil, "raw", "application/json", ""},
		"value as JSON":           {map[string]int{"a": 1}, nil, `{"a":1}`, "application/json", ""},
		"headers set in order":    {"x", []string{"Content-Type", "text/plain", "Authorization", "Bearer k"}, "x", "text/plain", "Bearer k"},
		"empty value removes":     {"x", []string{"Content-Type", "", "Authorization", ""}, "x", "", ""},
		"header without any body": {nil, []string{"Content-Type", "application/json"}, "", "application/json", ""},
	} {
		r := fakeservertest.Send(t, srv.Client(), http.MethodPost, srv.URL, tc.body, tc.header...)
		assert.Equal(t, http.StatusTeapot, r.Status, name)
		assert.Equal(t, tc.wantBody, string(r.Body), name)
		assert.Equal(t, "POST", r.Header.Get("X-Method"), name)
		assert.Equal(t, tc.contentType, r.Header.Get("X-Content-Type"), name)
		assert.Equal(t, tc.auth, r.Header.Get("X-Authorization"), name)
	}
}

func TestReplyDecoding(t *testing.T) {
	t.Parallel()
	r := fakeservertest.Reply{Body: []byte(`{"code":0,"message":"success"}`)}
	assert.Equal(t, map[string]any{"code": 0.0, "message": "success"}, r.JSON(t))
	var v struct{ Message string }
	r.Decode(t, &v)
	assert.Equal(t, "success", v.Message)
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	rc := fakeservertest.NewReceiver(t, http.StatusInternalServerError, http.StatusUnauthorized)
	post := func(body string) fakeservertest.Reply {
		return fakeservertest.Send(t, http.DefaultClient, http.MethodPost, rc.URL+"/hook", body, "X-Sig", "abc")
	}
	assert.Equal(t, http.StatusInternalServerError, post(`{"n":1}`).Status, "the queued statuses first")
	assert.Equal(t, http.StatusUnauthorized, post(`{"n":2}`).Status)
	r := post(`{"n":3}`)
	assert.Equal(t, http.StatusOK, r.Status, "then 200")
	assert.Empty(t, r.Body)

	rc.SetAnswer(func(r *http.Request, body []byte) (int, string) {
		return http.StatusAccepted, `{"echo":` + string(body) + `}`
	})
	r = post(`{"n":4}`)
	assert.Equal(t, http.StatusAccepted, r.Status)
	assert.JSONEq(t, `{"echo":{"n":4}}`, string(r.Body))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	rc.SetAnswer(nil)
	assert.Equal(t, http.StatusOK, post(`{"n":5}`).Status)

	calls := rc.Calls()
	require.Len(t, calls, 5)
	assert.Equal(t, "POST", calls[0].Method)
	assert.Equal(t, "/hook", calls[0].Path)
	assert.Equal(t, "abc", calls[0].Header.Get("X-Sig"))
	assert.Equal(t, `{"n":1}`, string(calls[0].Body))
	bodies := rc.JSON(t)
	require.Len(t, bodies, 5)
	assert.Equal(t, 5.0, bodies[4]["n"])

	calls[0].Body[0] = 'X'
	assert.Equal(t, `{"n":1}`, string(rc.Calls()[0].Body), "Calls returns copies")
}

func TestContextEndsWithTheTest(t *testing.T) {
	t.Parallel()
	var ctx interface{ Err() error }
	t.Run("sub", func(t *testing.T) {
		c := fakeservertest.Context(t)
		_, hasDeadline := c.Deadline()
		assert.True(t, hasDeadline)
		assert.NoError(t, c.Err())
		ctx = c
	})
	assert.Error(t, ctx.Err(), "cancelled when the test ended")
}
