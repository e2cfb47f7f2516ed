package munin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	webhookID = "whk_0000000000000000000001"
	// testWebhookSecret has Munin's shape: whsec_ + base64url of 24 bytes
	// (§3.1).
	testWebhookSecret = "whsec_U2lnbmluZ1NlY3JldFNob3duT25jZQ"
)

// webhookDto is a WebhookDto as §3.1 shows it.
const webhookDto = `{"id":"whk_0000000000000000000001","url":"https://bot.example/webhooks/munin",
	"events":["conversation.message.sent","conversation.taken_over"],"active":true,
	"createdAt":"2026-08-21T10:00:00.000Z","updatedAt":"2026-08-21T10:00:00.000Z"}`

// webhookWithSecret is the create and rotate answer: the DTO and the secret.
var webhookWithSecret = strings.TrimSuffix(webhookDto, "}") + `,"secret":"` + testWebhookSecret + `"}`

// delivery is a delivery record as §3.1 lists its fields.
const delivery = `{"id":"whd_0000000000000000000001","webhookId":"whk_0000000000000000000001",
	"eventId":"evt_0000000000000000000001","attempt":2,"statusCode":500,"durationMs":31,
	"error":"non-2xx: 500","deliveredAt":null,"nextAttemptAt":"2026-08-21T10:01:00.000Z",
	"createdAt":"2026-08-21T10:00:00.000Z","status":"pending"}`

// eventTypes is the event-types answer (§3.1).
const eventTypes = `{"modules":{"cms":["cms.entry.created"],"crm":["crm.contact.created"],"kb":[],
	"conv":["conversation.created","conversation.message.sent"],"outreach":[],"system":["org_alert.opened"]},
	"all":["cms.entry.created","crm.contact.created","conversation.created","conversation.message.sent","org_alert.opened"]}`

func TestWebhooksCreate(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/webhooks", reply(http.StatusCreated, webhookWithSecret))
	c := newTestClient(t, m)

	off := false
	wh, err := c.Webhooks.Create(context.Background(), CreateWebhookRequest{
		URL:    "https://bot.example/webhooks/munin",
		Events: []string{"conversation.message.sent", "conversation.taken_over"},
		Active: &off,
	})
	require.NoError(t, err)
	req := m.Only()
	assertAdminRequest(t, req, http.MethodPost, "/base/v1/webhooks")
	assert.JSONEq(t, `{"url":"https://bot.example/webhooks/munin",
		"events":["conversation.message.sent","conversation.taken_over"],"active":false}`, string(req.Body))

	assert.Equal(t, webhookID, wh.ID)
	assert.Equal(t, testWebhookSecret, wh.Secret.Value())
	assert.Equal(t, time.Date(2026, 8, 21, 10, 0, 0, 0, time.UTC), wh.CreatedAt)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", wh, wh, *wh), testWebhookSecret)
}

func TestWebhooksCreateAllEvents(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/webhooks", reply(http.StatusCreated, webhookWithSecret))
	// http is let through for munintest and self-hosted setups.
	_, err := newTestClient(t, m).Webhooks.Create(context.Background(), CreateWebhookRequest{URL: "http://127.0.0.1:8080/hook"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"url":"http://127.0.0.1:8080/hook"}`, string(m.Only().Body))
}

func TestWebhooksCreateValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  CreateWebhookRequest
		want string
	}{
		{"no url", CreateWebhookRequest{}, "munin: Webhooks.Create: URL: required"},
		{"relative url", CreateWebhookRequest{URL: "/hook"}, "URL: not an absolute http or https URL"},
		{"other scheme", CreateWebhookRequest{URL: "ftp://bot.example/hook"}, "URL: not an absolute http or https URL"},
		{"empty event", CreateWebhookRequest{URL: "https://b.example", Events: []string{"a", ""}}, "Events[1]: required"},
		{"long event", CreateWebhookRequest{URL: "https://b.example", Events: []string{strings.Repeat("e", 65)}}, "Events[0]: 65 characters, the limit is 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			_, err := newTestClient(t, m).Webhooks.Create(context.Background(), tc.req)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), tc.want)
			if tc.req.URL != "" {
				assert.NotContains(t, err.Error(), tc.req.URL, "never quotes the URL, which may hold a token")
			}
			assert.Empty(t, m.Requests())
		})
	}
}

// TestWebhooksHTTPSRefused: real Munin refuses http (§3.1) with a
// validation_failed body and fieldErrors.
func TestWebhooksHTTPSRefused(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/webhooks", reply(http.StatusBadRequest,
		`{"message":"validation_failed: url: webhook URL must use https://","fieldErrors":[{"field":"url","message":"webhook URL must use https://"}]}`))
	_, err := newTestClient(t, m).Webhooks.Create(context.Background(), CreateWebhookRequest{URL: "http://bot.example/hook"})
	assert.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "validation_failed", apiErr.Code)
	assert.Len(t, m.Requests(), 1, "400 is not retried")
}

func TestWebhooksList(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/webhooks", reply(http.StatusOK, `[`+webhookDto+`]`))
	hooks, err := newTestClient(t, m).Webhooks.List(context.Background())
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	assert.Equal(t, []string{"conversation.message.sent", "conversation.taken_over"}, hooks[0].Events)
	assertAdminRequest(t, m.Only(), http.MethodGet, "/base/v1/webhooks")
}

func TestWebhooksUpdate(t *testing.T) {
	t.Parallel()
	path := "/base/v1/webhooks/" + webhookID
	u, none, on := "https://bot.example/v2", []string{}, true
	for _, tc := range []struct {
		req  UpdateWebhookRequest
		body string
	}{
		{UpdateWebhookRequest{}, `{}`},
		{UpdateWebhookRequest{URL: &u, Events: &none, Active: &on}, `{"url":"https://bot.example/v2","events":[],"active":true}`},
	} {
		m := newAPIMock(t)
		m.On(http.MethodPatch, path, reply(http.StatusOK, webhookDto))
		wh, err := newTestClient(t, m).Webhooks.Update(context.Background(), webhookID, tc.req)
		require.NoError(t, err)
		assert.Equal(t, webhookID, wh.ID)
		req := m.Only()
		assertAdminRequest(t, req, http.MethodPatch, path)
		assert.JSONEq(t, tc.body, string(req.Body))
	}

	// A pointer to a nil list means the empty list (every event), not null.
	m := newAPIMock(t)
	m.On(http.MethodPatch, path, reply(http.StatusOK, webhookDto))
	var nilEvents []string
	_, err := newTestClient(t, m).Webhooks.Update(context.Background(), webhookID, UpdateWebhookRequest{Events: &nilEvents})
	require.NoError(t, err)
	assert.JSONEq(t, `{"events":[]}`, string(m.Only().Body))
	assert.Nil(t, nilEvents, "the caller's value is left alone")

	m = newAPIMock(t)
	c := newTestClient(t, m)
	bad, long := "mailto:x@y.z", []string{strings.Repeat("e", 65)}
	_, err = c.Webhooks.Update(context.Background(), webhookID, UpdateWebhookRequest{URL: &bad})
	assert.ErrorContains(t, err, "munin: Webhooks.Update: URL: not an absolute http or https URL")
	_, err = c.Webhooks.Update(context.Background(), webhookID, UpdateWebhookRequest{Events: &long})
	assert.ErrorContains(t, err, "munin: Webhooks.Update: Events[0]: 65 characters")
	assert.Empty(t, m.Requests())
}

func TestWebhooksDelete(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/webhooks/" + webhookID
	m.On(http.MethodDelete, path, noContent())
	require.NoError(t, newTestClient(t, m).Webhooks.Delete(context.Background(), webhookID))
	assertAdminRequest(t, m.Only(), http.MethodDelete, path)

	m = newAPIMock(t)
	m.On(http.MethodDelete, path, reply(http.StatusNotFound,
		`{"statusCode":404,"message":"webhook whk_0000000000000000000001 not found","error":"Not Found"}`))
	err := newTestClient(t, m).Webhooks.Delete(context.Background(), webhookID)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestWebhooksRotateSecret(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/webhooks/" + webhookID + "/rotate-secret"
	m.On(http.MethodPost, path, reply(http.StatusCreated, webhookWithSecret))
	wh, err := newTestClient(t, m).Webhooks.RotateSecret(context.Background(), webhookID)
	require.NoError(t, err)
	assert.Equal(t, testWebhookSecret, wh.Secret.Value())
	assertAdminRequest(t, m.Only(), http.MethodPost, path)
}

func TestWebhooksDeliveries(t *testing.T) {
	t.Parallel()
	path := "/base/v1/webhooks/" + webhookID + "/deliveries"
	m := newAPIMock(t)
	m.On(http.MethodGet, path, reply(http.StatusOK, `[`+delivery+`]`))
	c := newTestClient(t, m)

	ds, err := c.Webhooks.Deliveries(context.Background(), webhookID, DeliveriesOptions{Limit: 200, Status: "pending"})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	d := ds[0]
	assert.Equal(t, "whd_0000000000000000000001", d.ID)
	require.NotNil(t, d.StatusCode)
	assert.Equal(t, 500, *d.StatusCode)
	assert.Nil(t, d.DeliveredAt)
	assert.Equal(t, "non-2xx: 500", d.Error)
	req := m.Only()
	assertAdminRequest(t, req, http.MethodGet, path)
	assert.Equal(t, map[string][]string{"limit": {"200"}, "status": {"pending"}}, map[string][]string(req.Query))

	_, err = c.Webhooks.Deliveries(context.Background(), webhookID, DeliveriesOptions{})
	require.NoError(t, err)
	assert.Empty(t, m.Requests()[1].Query)

	for opts, want := range map[DeliveriesOptions]string{
		{Limit: 201}:        "Limit: must be 1–200",
		{Limit: -5}:         "Limit: must be 1–200",
		{Status: "retried"}: `Status: "retried" is not pending, delivered or failed`,
	} {
		_, err := c.Webhooks.Deliveries(context.Background(), webhookID, opts)
		assert.ErrorContains(t, err, "munin: Webhooks.Deliveries: "+want)
		assert.ErrorIs(t, err, ErrValidation)
	}
	assert.Len(t, m.Requests(), 2)
}

func TestWebhooksEventTypes(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/webhooks/event-types", reply(http.StatusOK, eventTypes))
	et, err := newTestClient(t, m).Webhooks.EventTypes(context.Background())
	require.NoError(t, err)
	assert.Len(t, et.All, 5)
	assert.Equal(t, []string{"conversation.created", "conversation.message.sent"}, et.Modules["conv"])
	assertAdminRequest(t, m.Only(), http.MethodGet, "/base/v1/webhooks/event-types")
}

// TestWebhooksCreateManyEventsOverREST: only webhooks_create limits a
// subscription to 64 event types (§5; TestMCPWebhooksCreateTooManyEvents);
// REST takes more.
func TestWebhooksCreateManyEventsOverREST(t *testing.T) {
	t.Parallel()
	events := make([]string, 65)
	for i := range events {
		events[i] = fmt.Sprintf("type.%d", i)
	}
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/webhooks", reply(http.StatusCreated, webhookWithSecret))
	_, err := newTestClient(t, m).Webhooks.Create(context.Background(), CreateWebhookRequest{URL: "https://b.example", Events: events})
	require.NoError(t, err)
	var body struct {
		Events []string `json:"events"`
	}
	require.NoError(t, json.Unmarshal(m.Only().Body, &body))
	assert.Len(t, body.Events, 65)
}
