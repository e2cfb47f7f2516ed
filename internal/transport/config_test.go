package transport

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botbridge/botbridge"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"empty base URL", func(c *Config) { c.BaseURL = "" }, "munin: base URL: empty"},
		{"relative base URL", func(c *Config) { c.BaseURL = "api.example.test/v1" }, "scheme must be http or https"},
		{"ftp base URL", func(c *Config) { c.BaseURL = "ftp://api.example.test/" }, "scheme must be http or https"},
		{"no host", func(c *Config) { c.BaseURL = "https:///v1" }, "no host"},
		{"query", func(c *Config) { c.BaseURL = "https://api.example.test/?a=1" }, "must not have a query"},
		{"fragment", func(c *Config) { c.BaseURL = "https://api.example.test/#x" }, "must not have a fragment"},
		{"unparsable", func(c *Config) { c.BaseURL = "https://api.example.test/%zz" }, "base URL: invalid URL escape"},
		{"credentials in the URL", func(c *Config) { c.BaseURL = "https://bot:pw@api.example.test/" }, "must not hold credentials"},
		{"negative retries", func(c *Config) { c.RetryMax = -1 }, "retry max -1"},
		{"zero min wait", func(c *Config) { c.RetryWaitMin = 0 }, "retry min wait"},
		{"max wait below min", func(c *Config) { c.RetryWaitMax = time.Millisecond }, "retry max wait"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "timeout -1s"},
		{"zero body cap", func(c *Config) { c.MaxResponseBytes = 0 }, "max response bytes 0"},
		{"user agent with newline", func(c *Config) { c.UserAgent = "bot\r\nX-Evil: 1" }, "user agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig("munin", testBase)
			tt.mutate(&cfg)
			c, err := New(cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "munin: "), err.Error())
		})
	}
	_, err := New(DefaultConfig("", testBase))
	assert.EqualError(t, err, "transport: vendor name is empty")
}

func TestNewKeepsPasswordsOutOfErrors(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://bot:hunter2@api.example.test/?x=1",
		"ftp://bot:hunter2@api.example.test/",
		"https://bot:hunter2@api.example.test/%zz",
	} {
		_, err := New(DefaultConfig("munin", raw))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

func TestBaseURLIsNormalisedAndKeepsItsPrefix(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://api.example.test":            "https://api.example.test/",
		"https://api.example.test/":           "https://api.example.test/",
		"https://api.example.test/api/v1":     "https://api.example.test/api/v1/",
		"https://api.example.test/api/v1///":  "https://api.example.test/api/v1/",
		"http://127.0.0.1:8080/prefix/munin/": "http://127.0.0.1:8080/prefix/munin/",
		"https://api.example.test/a%2Fb//":    "https://api.example.test/a%2Fb/",
	}
	for in, want := range tests {
		c := newTestClient(t, in, nil)
		assert.Equal(t, want, c.BaseURL().String(), in)
	}
}

func TestRequestPathsResolveBelowThePrefix(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	var seen string
	mt.RegisterResponder(http.MethodGet, "=~.*", func(req *http.Request) (*http.Response, error) {
		seen = req.URL.EscapedPath() + "?" + req.URL.RawQuery
		return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
	})
	c := newTestClient(t, "https://api.example.test/api/v1", hc)
	tests := []struct {
		path  string
		query url.Values
		want  string
	}{
		{"conversations", nil, "/api/v1/conversations?"},
		{"/v1/widget/messages", url.Values{"since": {"2026-07-02T10:00:00Z"}}, "/api/v1/v1/widget/messages?since=2026-07-02T10%3A00%3A00Z"},
		{Pathf("conversations/%s/messages", "a/b?c#d"), nil, "/api/v1/conversations/a%2Fb%3Fc%23d/messages?"},
		{Pathf("conversations/%s/messages", ".."), nil, "/api/v1/conversations/%2E%2E/messages?"},
	}
	for _, tt := range tests {
		_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: tt.path, Query: tt.query}, nil)
		require.NoError(t, err)
		assert.Equal(t, tt.want, seen, tt.path)
	}
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "conversations?x=1"}, nil)
	assert.ErrorContains(t, err, "must not hold '?'")
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "x%2Fy z"}, nil)
	assert.ErrorContains(t, err, `request path "x%2Fy z": not a valid escaped path`)
}

func TestHTTPClientIsCopiedNotChanged(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	hc.Timeout = 7 * time.Second
	mt.RegisterResponder(http.MethodGet, testBase+"ping", httpmock.NewStringResponder(http.StatusOK, `{}`))
	before := *hc
	c := newTestClient(t, testBase, hc)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "ping"}, nil)
	require.NoError(t, err)
	assert.Equal(t, before, *hc)
	assert.NotSame(t, hc, c.http)

	hc.Timeout = time.Nanosecond // the caller's later changes do not reach the client
	assert.Equal(t, 7*time.Second, c.http.Timeout)
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "botbridge/"+botbridge.Version+" (+munin)", UserAgent("", "munin"))
	assert.Equal(t, "mybot/2.0 botbridge/"+botbridge.Version+" (+moveo)", UserAgent(" mybot/2.0 ", "moveo"))
}

func TestSettersRefuseBadValuesNamingTheOption(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig("munin", "https://api.example/")
	for _, tc := range []struct {
		err    error
		option string
	}{
		{cfg.SetBaseURL(""), "WithBaseURL"},
		{cfg.SetHTTPClient(nil), "WithHTTPClient"},
		{cfg.SetRetry(-1, time.Second), "WithRetry"},
		{cfg.SetRetry(1, 0), "WithRetry"},
		{cfg.SetTimeout(-time.Second), "WithTimeout"},
	} {
		require.Error(t, tc.err)
		assert.Contains(t, tc.err.Error(), tc.option)
	}
	assert.Equal(t, DefaultConfig("munin", "https://api.example/").RetryMax, cfg.RetryMax, "a refused value changes nothing")

	require.NoError(t, cfg.SetRetry(5, 10*time.Millisecond))
	assert.Equal(t, 5, cfg.RetryMax)
	assert.Equal(t, 10*time.Millisecond, cfg.RetryWaitMax)
	assert.Equal(t, 10*time.Millisecond, cfg.RetryWaitMin, "the min wait never exceeds the max")
	require.NoError(t, cfg.SetTimeout(time.Minute))
	assert.Equal(t, time.Minute, cfg.Timeout)
}
