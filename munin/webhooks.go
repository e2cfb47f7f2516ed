package munin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is webhook subscription management (munin-api-reference.md
// §3.1 over REST, §5 over MCP). Receiving the deliveries is
// NewWebhookHandler's job.

// Webhook limits (§3.1, §5).
const (
	maxEventTypeLen     = 64
	maxMCPWebhookEvents = 64
	maxDeliveriesLimit  = 200
)

// Create subscribes a URL to events and returns the subscription with its
// signing secret (whsec_…), which Munin generates and shows only this once
// (POST /v1/webhooks; MCP webhooks_create). No events means every event,
// Munin's internal ones included.
//
// The URL must be an absolute http or https URL. Real Munin takes https
// only (400 "webhook URL must use https://"); http is let through for
// munintest and self-hosted setups. Each event type is 1–64 characters;
// over MCP a subscription lists at most 64.
func (s *WebhooksService) Create(ctx context.Context, req CreateWebhookRequest) (*WebhookWithSecret, error) {
	const op = "Webhooks.Create"
	if err := checkWebhookURL(op, req.URL); err != nil {
		return nil, err
	}
	if err := checkEvents(op, req.Events); err != nil {
		return nil, err
	}
	if s.c.mcp != nil && len(req.Events) > maxMCPWebhookEvents {
		return nil, invalid(op, "Events", strconv.Itoa(len(req.Events))+" event types, the limit over MCP is 64")
	}
	var out WebhookWithSecret
	if err := s.c.do(ctx, "webhooks_create", req, &transport.Request{
		Method: http.MethodPost,
		Path:   "v1/webhooks",
		Body:   req,
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns the org's webhook subscriptions, without their secrets (GET
// /v1/webhooks; MCP webhooks_list).
func (s *WebhooksService) List(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	if err := s.c.do(ctx, "webhooks_list", nil, &transport.Request{
		Method: http.MethodGet,
		Path:   "v1/webhooks",
	}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes a subscription (PATCH /v1/webhooks/{id}; MCP
// webhooks_update). Nil fields are left as they are; Events replaces the
// whole list, and a pointer to an empty list subscribes to every event.
func (s *WebhooksService) Update(ctx context.Context, id string, req UpdateWebhookRequest) (*Webhook, error) {
	const op = "Webhooks.Update"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	if req.URL != nil {
		if err := checkWebhookURL(op, *req.URL); err != nil {
			return nil, err
		}
	}
	if req.Events != nil {
		if err := checkEvents(op, *req.Events); err != nil {
			return nil, err
		}
		if *req.Events == nil {
			// A pointer to a nil list would go out as null; it means the
			// empty list, which subscribes to every event. req is a copy,
			// so the caller's value is left alone.
			req.Events = &[]string{}
		}
	}
	var out Webhook
	if err := s.c.do(ctx, "webhooks_update", webhookUpdateArgs{ID: id, Patch: req}, &transport.Request{
		Method:     http.MethodPatch,
		Path:       transport.Pathf("v1/webhooks/%s", id),
		Body:       req,
		Idempotent: true, // it sets values
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// webhookUpdateArgs is the input of webhooks_update (§5).
type webhookUpdateArgs struct {
	ID    string               `json:"id"`
	Patch UpdateWebhookRequest `json:"patch"`
}

// Delete removes a subscription and its pending deliveries (DELETE
// /v1/webhooks/{id}; MCP webhooks_delete). Over REST a DELETE is retried
// after a 502 or a dropped connection; when the first attempt did delete,
// the retry answers 404, so after a retried Delete ErrNotFound means the
// subscription is gone.
func (s *WebhooksService) Delete(ctx context.Context, id string) error {
	const op = "Webhooks.Delete"
	if err := checkID(op, "id", id); err != nil {
		return err
	}
	return s.c.do(ctx, "webhooks_delete", idArgs{ID: id}, &transport.Request{
		Method: http.MethodDelete,
		Path:   transport.Pathf("v1/webhooks/%s", id),
	}, nil)
}

// RotateSecret replaces the subscription's signing secret and returns the
// new one, shown only this once; the old secret stops at once, so
// deliveries signed with it are gone (POST /v1/webhooks/{id}/rotate-secret;
// MCP webhooks_rotate_secret). To rotate without dropping deliveries, give
// the handler both secrets until the new one is in place.
//
// A rotation whose answer was lost has already killed the old secret, so
// RotateSecret is retried like an idempotent call: the secret of the last
// answer is the one that works.
func (s *WebhooksService) RotateSecret(ctx context.Context, id string) (*WebhookWithSecret, error) {
	const op = "Webhooks.RotateSecret"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	var out WebhookWithSecret
	if err := s.c.do(ctx, "webhooks_rotate_secret", idArgs{ID: id}, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/webhooks/%s/rotate-secret", id),
		Idempotent: true,
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Deliveries returns the subscription's delivery records, newest first
// (GET /v1/webhooks/{id}/deliveries; MCP webhooks_list_deliveries).
// opts.Limit is 1–200 (zero: Munin's default of 50); opts.Status is
// pending, delivered, failed or empty for all.
func (s *WebhooksService) Deliveries(ctx context.Context, webhookID string, opts DeliveriesOptions) ([]Delivery, error) {
	const op = "Webhooks.Deliveries"
	if err := checkID(op, "webhookID", webhookID); err != nil {
		return nil, err
	}
	if opts.Limit != 0 && (opts.Limit < 1 || opts.Limit > maxDeliveriesLimit) {
		return nil, invalid(op, "Limit", "must be 1–200 (or 0 for Munin's default of 50), got "+strconv.Itoa(opts.Limit))
	}
	switch opts.Status {
	case "", "pending", "delivered", "failed":
	default:
		return nil, invalid(op, "Status", strconv.Quote(opts.Status)+" is not pending, delivered or failed")
	}
	query := url.Values{}
	if opts.Limit != 0 {
		query.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Status != "" {
		query.Set("status", opts.Status)
	}
	var out []Delivery
	if err := s.c.do(ctx, "webhooks_list_deliveries", deliveriesArgs{
		WebhookID: webhookID,
		Limit:     opts.Limit,
		Status:    opts.Status,
	}, &transport.Request{
		Method: http.MethodGet,
		Path:   transport.Pathf("v1/webhooks/%s/deliveries", webhookID),
		Query:  query,
	}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// deliveriesArgs is the input of webhooks_list_deliveries (§5).
type deliveriesArgs struct {
	WebhookID string `json:"webhookId"`
	Limit     int    `json:"limit,omitempty"`
	Status    string `json:"status,omitempty"`
}

// EventTypes returns the event types a subscription can name, by module
// and all together (GET /v1/webhooks/event-types; MCP
// webhooks_list_event_types). Munin emits a few types that are not in the
// catalog (§3.3); a subscription with no events receives those too.
func (s *WebhooksService) EventTypes(ctx context.Context) (*EventTypes, error) {
	var out EventTypes
	if err := s.c.do(ctx, "webhooks_list_event_types", nil, &transport.Request{
		Method: http.MethodGet,
		Path:   "v1/webhooks/event-types",
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// checkWebhookURL checks a subscription URL: absolute http or https.
func checkWebhookURL(op, u string) error {
	if u == "" {
		return invalid(op, "URL", "required")
	}
	if !isAbsoluteURL(u, true) {
		return invalid(op, "URL", "not an absolute http or https URL (Munin itself takes https only)")
	}
	return nil
}

// checkEvents checks that each event type is 1–64 characters. Munin does
// not check the names themselves (§3.1), and neither does the SDK: a
// subscription may name a type this version does not know.
func checkEvents(op string, events []string) error {
	for i, e := range events {
		if err := checkLen(op, "Events["+strconv.Itoa(i)+"]", e, 1, maxEventTypeLen); err != nil {
			return err
		}
	}
	return nil
}
