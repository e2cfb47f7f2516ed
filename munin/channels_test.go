package munin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testWidgetKeyIssued = "mn_widget_TmV3V2lkZ2V0S2V5SXNzdWVkT25jZUJ5TXVuaW5fXw"
	testIdentitySecret  = "SWRlbnRpdHlWZXJpZmljYXRpb25TZWNyZXRPbmNlXw"
)

// widgetChannel is a channel as §2.5 shows it, with a config key this SDK
// does not know ("theme").
const widgetChannel = `{
	"id": "cch_0123456789abcdefghijkl", "name": "storefront-bot", "type": "chat", "active": true,
	"config": {"provider": "widget", "originAllowlist": ["https://customer.example"],
		"requireVerifiedIdentity": false, "hasIdentityVerificationSecret": true,
		"theme": {"color": "#123456", "position": "right"}}
}`

// createdWidget is the create answer (§2.5, §0 #5): the channel and its two
// one-time secrets.
var createdWidget = strings.TrimSuffix(widgetChannel, "}") +
	`, "widgetKey": "` + testWidgetKeyIssued + `", "identityVerificationSecret": "` + testIdentitySecret + `"}`

func TestChannelsCreateWidget(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/conversations/channels/widget", reply(http.StatusCreated, createdWidget))
	c := newTestClient(t, m)

	// The seed page's example (§0 #2–5).
	w, err := c.Channels.CreateWidget(context.Background(), CreateWidgetRequest{
		Name: "storefront-bot", OriginAllowlist: []string{"https://customer.example"},
	})
	require.NoError(t, err)
	req := m.Only()
	assertAdminRequest(t, req, http.MethodPost, "/base/v1/conversations/channels/widget")
	assert.JSONEq(t, `{"name":"storefront-bot","originAllowlist":["https://customer.example"]}`, string(req.Body))

	assert.Equal(t, testChannel, w.ID, "the channel id is in id")
	assert.Equal(t, "chat", w.Type)
	assert.True(t, w.Active)
	assert.Equal(t, []string{"https://customer.example"}, w.Config.OriginAllowlist)
	assert.True(t, w.Config.HasIdentityVerificationSecret)
	assert.JSONEq(t, `{"color":"#123456","position":"right"}`, string(w.Config.Extra["theme"]))
	assert.Equal(t, testWidgetKeyIssued, w.WidgetKey.Value())
	assert.Equal(t, testIdentitySecret, w.IdentityVerificationSecret.Value())

	printed := fmt.Sprintf("%v %+v %#v", w, w, *w)
	encoded, err := json.Marshal(w)
	require.NoError(t, err)
	for _, s := range []string{printed, string(encoded)} {
		assert.NotContains(t, s, testWidgetKeyIssued)
		assert.NotContains(t, s, testIdentitySecret)
		assert.Contains(t, s, "[REDACTED]")
	}
}

func TestChannelsCreateWidgetAllFields(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/conversations/channels/widget", reply(http.StatusCreated, createdWidget))
	_, err := newTestClient(t, m).Channels.CreateWidget(context.Background(), CreateWidgetRequest{
		Name: "storefront-bot", OriginAllowlist: []string{"https://a.example", "http://localhost:3000"},
		WebhookOnEscalation: "https://bot.example/escalate", RequireVerifiedIdentity: true,
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"storefront-bot","originAllowlist":["https://a.example","http://localhost:3000"],
		"webhookOnEscalation":"https://bot.example/escalate","requireVerifiedIdentity":true}`, string(m.Only().Body))
}

func TestChannelsCreateWidgetValidation(t *testing.T) {
	t.Parallel()
	valid := func() CreateWidgetRequest {
		return CreateWidgetRequest{Name: "bot", OriginAllowlist: []string{"https://shop.example"}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*CreateWidgetRequest)
		want   string
	}{
		{"no name", func(r *CreateWidgetRequest) { r.Name = "" }, "munin: Channels.CreateWidget: Name: required"},
		{"long name", func(r *CreateWidgetRequest) { r.Name = strings.Repeat("n", 121) }, "Name: 121 characters, the limit is 120"},
		{"no origins", func(r *CreateWidgetRequest) { r.OriginAllowlist = nil }, "OriginAllowlist: empty"},
		{"relative origin", func(r *CreateWidgetRequest) { r.OriginAllowlist = append(r.OriginAllowlist, "shop.example") }, "OriginAllowlist[1]: not an absolute URL"},
		{"bad escalation hook", func(r *CreateWidgetRequest) { r.WebhookOnEscalation = "/hook" }, "WebhookOnEscalation: not an absolute URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			r := valid()
			tc.mutate(&r)
			_, err := newTestClient(t, m).Channels.CreateWidget(context.Background(), r)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, m.Requests())
		})
	}
}

func TestChannelsCreateWidgetAllowlistRequired(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/conversations/channels/widget", reply(http.StatusBadRequest,
		`{"statusCode":400,"message":"origin_allowlist_required: a widget channel needs at least one allowed origin","error":"Bad Request"}`))
	_, err := newTestClient(t, m).Channels.CreateWidget(context.Background(), CreateWidgetRequest{
		Name: "bot", OriginAllowlist: []string{"https://shop.example"},
	})
	assert.ErrorIs(t, err, ErrOriginAllowlistRequired)
	assert.ErrorIs(t, err, ErrValidation)
}

func TestChannelsUpdateWidget(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/channels/widget/" + testChannel
	hook, clear, yes := "https://bot.example/escalate", "", true
	for _, tc := range []struct {
		name string
		req  UpdateWidgetRequest
		body string
	}{
		{"nothing", UpdateWidgetRequest{}, `{}`},
		{"set all", UpdateWidgetRequest{OriginAllowlist: []string{"https://a.example"}, WebhookOnEscalation: &hook, RequireVerifiedIdentity: &yes},
			`{"originAllowlist":["https://a.example"],"webhookOnEscalation":"https://bot.example/escalate","requireVerifiedIdentity":true}`},
		{"clear hook", UpdateWidgetRequest{WebhookOnEscalation: &clear}, `{"webhookOnEscalation":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			m.On(http.MethodPatch, path, reply(http.StatusOK, widgetChannel))
			ch, err := newTestClient(t, m).Channels.UpdateWidget(context.Background(), testChannel, tc.req)
			require.NoError(t, err)
			assert.Equal(t, "storefront-bot", ch.Name)
			req := m.Only()
			assertAdminRequest(t, req, http.MethodPatch, path)
			assert.JSONEq(t, tc.body, string(req.Body))
		})
	}

	m := newAPIMock(t)
	c := newTestClient(t, m)
	bad := "not a url"
	for req, want := range map[*UpdateWidgetRequest]string{
		{OriginAllowlist: []string{}}:                        "OriginAllowlist: empty",
		{OriginAllowlist: []string{"x"}}:                     "OriginAllowlist[0]: not an absolute URL",
		{WebhookOnEscalation: &bad}:                          "WebhookOnEscalation: not an absolute URL",
		{OriginAllowlist: []string{"https://a.example", ""}}: "OriginAllowlist[1]",
	} {
		_, err := c.Channels.UpdateWidget(context.Background(), testChannel, *req)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "munin: Channels.UpdateWidget: "+want)
	}
	assert.Empty(t, m.Requests())
}

func TestChannelsRotateKey(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/channels/widget/" + testChannel + "/rotate-key"
	m.On(http.MethodPost, path, reply(http.StatusOK, `{"widgetKey":"`+testWidgetKeyIssued+`"}`))
	key, err := newTestClient(t, m).Channels.RotateKey(context.Background(), testChannel)
	require.NoError(t, err)
	assert.Equal(t, testWidgetKeyIssued, key.Value())
	assert.Equal(t, "[REDACTED]", fmt.Sprint(key))
	assertAdminRequest(t, m.Only(), http.MethodPost, path)
}

// TestChannelsRotateKeyRetried: a rotation whose answer was lost already
// revoked the old key, so a 502 is retried and the last key is returned.
func TestChannelsRotateKeyRetried(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/channels/widget/" + testChannel + "/rotate-key"
	m.On(http.MethodPost, path,
		reply(http.StatusBadGateway, `{"statusCode":502,"message":"Bad Gateway"}`),
		reply(http.StatusOK, `{"widgetKey":"`+testWidgetKeyIssued+`"}`))
	key, err := newTestClient(t, m).Channels.RotateKey(context.Background(), testChannel)
	require.NoError(t, err)
	assert.Equal(t, testWidgetKeyIssued, key.Value())
	assert.Len(t, m.Requests(), 2)
}

func TestChannelsRotateIdentitySecret(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/channels/widget/" + testChannel + "/rotate-identity-secret"
	m.On(http.MethodPost, path, reply(http.StatusOK,
		`{"channelId":"`+testChannel+`","identityVerificationSecret":"`+testIdentitySecret+`"}`))
	secret, err := newTestClient(t, m).Channels.RotateIdentitySecret(context.Background(), testChannel)
	require.NoError(t, err)
	assert.Equal(t, testIdentitySecret, secret.Value())
	assertAdminRequest(t, m.Only(), http.MethodPost, path)
}

func TestChannelsArchiveAndActivate(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodDelete, "/base/v1/conversations/channels/"+testChannel, noContent())
	m.On(http.MethodPost, "/base/v1/conversations/channels/"+testChannel+"/activate", reply(http.StatusNotFound,
		`{"statusCode":404,"message":"channel cch_0123456789abcdefghijkl not found or archived","error":"Not Found"}`))
	c := newTestClient(t, m)

	require.NoError(t, c.Channels.Archive(context.Background(), testChannel))
	err := c.Channels.Activate(context.Background(), testChannel)
	assert.ErrorIs(t, err, ErrNotFound, "archiving is one-way (§7)")

	reqs := m.Requests()
	require.Len(t, reqs, 2)
	assertAdminRequest(t, reqs[0], http.MethodDelete, "/base/v1/conversations/channels/"+testChannel)
	assertAdminRequest(t, reqs[1], http.MethodPost, "/base/v1/conversations/channels/"+testChannel+"/activate")
}

// TestWidgetChannelConfigExtra: config keys this SDK does not know
// survive a decode and an encode; known fields win over Extra.
func TestWidgetChannelConfigExtra(t *testing.T) {
	t.Parallel()
	var cfg WidgetChannelConfig
	require.NoError(t, json.Unmarshal([]byte(`{"provider":"widget","originAllowlist":["https://a.example"],
		"requireVerifiedIdentity":true,"hasIdentityVerificationSecret":false,"webhookOnEscalation":"https://h.example",
		"greeting": "Hi!", "limits": {"perMinute": 60}}`), &cfg))
	assert.Equal(t, "widget", cfg.Provider)
	assert.True(t, cfg.RequireVerifiedIdentity)
	assert.Equal(t, "https://h.example", cfg.WebhookOnEscalation)
	assert.Equal(t, map[string]json.RawMessage{
		"greeting": json.RawMessage(`"Hi!"`), "limits": json.RawMessage(`{"perMinute":60}`),
	}, cfg.Extra)

	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"provider":"widget","originAllowlist":["https://a.example"],"requireVerifiedIdentity":true,
		"hasIdentityVerificationSecret":false,"webhookOnEscalation":"https://h.example",
		"greeting":"Hi!","limits":{"perMinute":60}}`, string(out))

	cfg.Extra["provider"] = json.RawMessage(`"spoofed"`)
	out, err = json.Marshal(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"provider":"widget"`)

	var empty WidgetChannelConfig
	require.NoError(t, json.Unmarshal([]byte(`{}`), &empty))
	assert.Nil(t, empty.Extra)
	var ch WidgetChannel
	require.NoError(t, json.Unmarshal([]byte(`{"id":"cch_1","config":null}`), &ch))
	assert.Zero(t, ch.Config)
	assert.Error(t, json.Unmarshal([]byte(`{"config":[1]}`), &ch))
}
