package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
		cfg.Secrets = []Secret{NewSecret(key)}
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
	c := newTestClient(t, testBase, hc)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x", Query: url.Values{"cursor": {"abc"}}}, nil)
	require.Error(t, err)
	assert.Equal(t, "munin: GET /v1/x: no route to host (attempts: 4)", err.Error())
}

func TestConfigFormatsWithoutSecrets(t *testing.T) {
	t.Parallel()
	const key = "mn_admin_SUPERSECRET42"
	cfg := DefaultConfig("munin", testBase)
	cfg.Secrets = []Secret{NewSecret(key)}
	cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer "+key) }
	holder := struct {
		Name string
		cfg  Config
	}{"bot", cfg}
	for _, v := range []any{cfg, &cfg, holder, &holder} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assert.NotContains(t, fmt.Sprintf(verb, v), "SUPERSECRET", verb)
		}
	}
	assert.Equal(t, "transport.Config{vendor: munin, base: "+testBase+"}", fmt.Sprint(cfg))
}

// A secret the server echoes back in JSON-escaped form is scrubbed too,
// before and after decoding.
func TestEscapedEchoIsRedacted(t *testing.T) {
	t.Parallel()
	const key = "k3y/with+slash<&>"
	hc, mt := mockClient()
	mt.RegisterResponder(http.MethodGet, testBase+"v1/x", httpmock.NewStringResponder(http.StatusUnauthorized,
		`{"message":"bad key k3y\/with+slash\u003c\u0026\u003e","code":"k3y\/with+slash<&>"}`))
	c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.Secrets = []Secret{NewSecret(key)} })
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x"}, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, err.Error(), "k3y")
	assert.NotContains(t, string(apiErr.Body), "k3y")
	assert.Equal(t, "bad key [REDACTED]", apiErr.Message)
	assert.Equal(t, "[REDACTED]", apiErr.Code)
}

func TestBadHeaderValuesFailBeforeSending(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	const key = "mn_admin_SUPERSECRET42"
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer "+key) }
		cfg.RequestID = func(context.Context) string { return "id\r\nX-Evil: 1" }
	})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x"}, nil)
	assert.EqualError(t, err, "munin: POST /v1/x: header X-Request-Id: value holds a line break or NUL")
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestSecretPrintsNowhere(t *testing.T) {
	t.Parallel()
	s := NewSecret("whsec_TOPSECRET")
	type holder struct {
		Key    Secret
		hidden Secret
		list   []Secret
	}
	h := holder{Key: s, hidden: s, list: []Secret{s}}
	var out bytes.Buffer
	for _, v := range []any{s, &s, h, &h} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "key", s, "holder", h)
	b, err := json.Marshal(h)
	require.NoError(t, err)
	out.Write(b)
	assert.NotContains(t, out.String(), "TOPSECRET")
	assert.Equal(t, "whsec_TOPSECRET", s.Value())
	assert.False(t, s.IsZero())
	assert.True(t, Secret{}.IsZero())
	assert.Equal(t, "[REDACTED]", s.String())
	assert.Equal(t, "[REDACTED]", s.GoString())
	assert.Equal(t, "", Secret{}.Value())
}
