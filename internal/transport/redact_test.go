package transport

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A key the server echoes back must not reach any error, log line or
// formatted value, whatever the verb.
func TestSecretsReachNoErrorLogOrFormattedValue(t *testing.T) {
	t.Parallel()
	const key = "mn_admin_SUPERSECRET42"
	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodGet, testBase+"v1/echo", func(req *http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(http.StatusUnauthorized,
			`{"error":"bad_key","message":"key `+key+` is revoked; you sent `+req.Header.Get("Authorization")+`"}`), nil
	})
	mt.RegisterResponder(http.MethodGet, testBase+"v1/down", httpmock.NewErrorResponder(fmt.Errorf("dial: refused")))
	var logs bytes.Buffer
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer "+key) }
		cfg.Secrets = []string{key}
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})

	_, echoErr := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/echo"}, nil)
	require.Error(t, echoErr)
	var apiErr *APIError
	require.ErrorAs(t, echoErr, &apiErr)
	assert.Contains(t, apiErr.Message, "[REDACTED]", "the echo was scrubbed, not dropped")
	_, downErr := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/down"}, nil)
	require.Error(t, downErr)

	var out bytes.Buffer
	for _, v := range []any{c, *c, echoErr, apiErr, *apiErr, downErr} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	out.Write(apiErr.Body)
	out.Write(logs.Bytes())
	assert.NotContains(t, out.String(), key)
	assert.NotContains(t, out.String(), "SUPERSECRET")
	assert.Contains(t, fmt.Sprintf("%+v", c), "transport.Client{vendor: munin, base: "+testBase+"}")
}

func TestConnectionErrorsCarryNoURL(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	mt.RegisterNoResponder(httpmock.NewErrorResponder(fmt.Errorf("no route to host")))
	c := newTestClient(t, "https://bot:hunter2@api.example.test/", hc)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Equal(t, "munin: GET /v1/x: no route to host (attempts: 4)", err.Error())
}
