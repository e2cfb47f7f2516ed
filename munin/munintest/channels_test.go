package munintest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

// createChannel creates a widget channel through the API.
func createChannel(t *testing.T, s *munintest.Server, origins ...any) map[string]any {
	t.Helper()
	r := call(t, s, "POST", "/v1/conversations/channels/widget", s.AdminKey(),
		map[string]any{"name": "storefront-bot", "originAllowlist": origins})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.JSON(t)
}

func pushWith(t *testing.T, s *munintest.Server, key, channelID, origin string) reply {
	t.Helper()
	return call(t, s, "POST", "/v1/widget/messages", key,
		map[string]any{"channelId": channelID, "sessionId": "vis_x", "messages": []any{msg("hi")}}, "Origin", origin)
}

func TestCreateWidgetChannel(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	got := createChannel(t, s, "https://customer.example")
	assert.Regexp(t, `^cch_[0-9a-z]{22}$`, got["id"])
	assert.Regexp(t, `^mn_widget_[A-Za-z0-9_-]{43}$`, got["widgetKey"])
	assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, got["identityVerificationSecret"])
	assert.Equal(t, "chat", got["type"])
	assert.Equal(t, true, got["active"])
	assert.Equal(t, map[string]any{
		"provider": "widget", "originAllowlist": []any{"https://customer.example"},
		"requireVerifiedIdentity": false, "hasIdentityVerificationSecret": true,
	}, got["config"])

	r := pushWith(t, s, got["widgetKey"].(string), got["id"].(string), "https://customer.example")
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	// An empty allowlist is refused (§0 row 6).
	r = call(t, s, "POST", "/v1/conversations/channels/widget", s.AdminKey(), map[string]any{"name": "w", "originAllowlist": []any{}})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.True(t, strings.HasPrefix(r.JSON(t)["message"].(string), "origin_allowlist_required: "))
	r = call(t, s, "POST", "/v1/conversations/channels/widget", s.AdminKey(), map[string]any{"name": "w", "originAllowlist": []any{"not a url"}})
	assert.Equal(t, "validation_failed: originAllowlist.0: Invalid URL", r.JSON(t)["message"])
}

func TestUpdateWidgetChannel(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	r := call(t, s, "PATCH", "/v1/conversations/channels/widget/"+ch.ID, s.AdminKey(),
		map[string]any{"originAllowlist": []any{"https://new.example"}, "webhookOnEscalation": "https://hooks.example/esc"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.NotContains(t, got, "widgetKey")
	assert.Equal(t, "https://hooks.example/esc", got["config"].(map[string]any)["webhookOnEscalation"])
	assert.Equal(t, http.StatusForbidden, pushWith(t, s, ch.WidgetKey, ch.ID, munintest.DefaultOrigin).Status)
	assert.Equal(t, http.StatusCreated, pushWith(t, s, ch.WidgetKey, ch.ID, "https://new.example").Status)

	r = call(t, s, "PATCH", "/v1/conversations/channels/widget/"+ch.ID, s.AdminKey(), map[string]any{"webhookOnEscalation": nil})
	assert.NotContains(t, r.JSON(t)["config"], "webhookOnEscalation")

	r = call(t, s, "PATCH", "/v1/conversations/channels/widget/cch_nope", s.AdminKey(), map[string]any{})
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "channel cch_nope not found", r.JSON(t)["message"])
}

func TestRotateWidgetKeyRevokesTheOldOne(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	r := call(t, s, "POST", "/v1/conversations/channels/widget/"+ch.ID+"/rotate-key", s.AdminKey(), nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	newKey := r.JSON(t)["widgetKey"].(string)
	assert.NotEqual(t, ch.WidgetKey, newKey)
	assert.Equal(t, newKey, s.Channel().WidgetKey)

	old := pushWith(t, s, ch.WidgetKey, ch.ID, munintest.DefaultOrigin)
	assert.Equal(t, http.StatusUnauthorized, old.Status)
	assert.Equal(t, "invalid or expired credential", old.JSON(t)["message"])
	assert.Equal(t, http.StatusCreated, pushWith(t, s, newKey, ch.ID, munintest.DefaultOrigin).Status)
}

func TestRotateIdentitySecret(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	r := call(t, s, "POST", "/v1/conversations/channels/widget/"+ch.ID+"/rotate-identity-secret", s.AdminKey(), nil)
	require.Equal(t, http.StatusOK, r.Status)
	got := r.JSON(t)
	assert.Equal(t, ch.ID, got["channelId"])
	secret := got["identityVerificationSecret"].(string)
	assert.Len(t, secret, 43)

	verified := func(secret string) int {
		return push(t, s, map[string]any{"sessionId": "vis_v", "verifiedExternalId": "u1", "userHash": userHash(secret, "u1"),
			"messages": []any{msg("hi")}}).Status
	}
	assert.Equal(t, http.StatusForbidden, verified(ch.IdentitySecret), "old hashes stop verifying")
	assert.Equal(t, http.StatusCreated, verified(secret))
}

func TestArchiveIsOneWay(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	r := call(t, s, "DELETE", "/v1/conversations/channels/"+ch.ID, s.AdminKey(), nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	assert.Empty(t, r.Body)

	// §7: the old key then gets 401, not 403 inactive.
	assert.Equal(t, http.StatusUnauthorized, pushWith(t, s, ch.WidgetKey, ch.ID, munintest.DefaultOrigin).Status)
	r = call(t, s, "POST", "/v1/conversations/channels/"+ch.ID+"/activate", s.AdminKey(), nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "channel "+ch.ID+" not found or archived", r.JSON(t)["message"])
	r = call(t, s, "DELETE", "/v1/conversations/channels/"+ch.ID, s.AdminKey(), nil)
	assert.Equal(t, http.StatusNotFound, r.Status)

	// rotate-key still mints a key, whose pushes get 403 inactive.
	r = call(t, s, "POST", "/v1/conversations/channels/widget/"+ch.ID+"/rotate-key", s.AdminKey(), nil)
	require.Equal(t, http.StatusOK, r.Status)
	p := pushWith(t, s, r.JSON(t)["widgetKey"].(string), ch.ID, munintest.DefaultOrigin)
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Equal(t, "channel "+ch.ID+" is inactive", p.JSON(t)["message"])
}

func TestActivateAnInactiveChannel(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	require.True(t, s.SetChannelActive(ch.ID, false))
	assert.Equal(t, http.StatusForbidden, pushWith(t, s, ch.WidgetKey, ch.ID, munintest.DefaultOrigin).Status, "the key still authenticates")
	r := call(t, s, "POST", "/v1/conversations/channels/"+ch.ID+"/activate", s.AdminKey(), nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, true, r.JSON(t)["active"])
	assert.Equal(t, http.StatusCreated, pushWith(t, s, ch.WidgetKey, ch.ID, munintest.DefaultOrigin).Status)
}
