package munin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is widget channel administration (munin-api-reference.md §2.5):
// create a channel, change its allowlist, rotate its key and its identity
// secret, archive it.

// maxChannelNameLen is the longest channel name Munin takes (§2.5).
const maxChannelNameLen = 120

// CreateWidget creates a widget channel and returns it with its widget key
// and identity verification secret, which Munin shows only this once (POST
// /v1/conversations/channels/widget; MCP conv_create_widget_channel). The
// channel id is CreatedWidget.ID. Name is 1–120 characters;
// OriginAllowlist must list at least one absolute URL, because Munin
// refuses a channel without one (§0 #6).
func (s *ChannelsService) CreateWidget(ctx context.Context, req CreateWidgetRequest) (*CreatedWidget, error) {
	const op = "Channels.CreateWidget"
	if err := checkLen(op, "Name", req.Name, 1, maxChannelNameLen); err != nil {
		return nil, err
	}
	if len(req.OriginAllowlist) == 0 {
		return nil, invalid(op, "OriginAllowlist", "empty; Munin refuses a widget channel without allowed origins (origin_allowlist_required)")
	}
	if err := checkOrigins(op, req.OriginAllowlist); err != nil {
		return nil, err
	}
	if req.WebhookOnEscalation != "" && !isAbsoluteURL(req.WebhookOnEscalation, false) {
		return nil, invalid(op, "WebhookOnEscalation", "not an absolute URL")
	}
	var out CreatedWidget
	if err := s.c.do(ctx, "conv_create_widget_channel", req, &transport.Request{
		Method: http.MethodPost,
		Path:   "v1/conversations/channels/widget",
		Body:   req,
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateWidget changes a widget channel and returns it without secrets
// (PATCH /v1/conversations/channels/widget/{id}; MCP
// conv_update_widget_channel). A nil field is left as it is; a
// WebhookOnEscalation pointing to "" clears it. OriginAllowlist replaces
// the list and, when set, must not be empty.
func (s *ChannelsService) UpdateWidget(ctx context.Context, channelID string, req UpdateWidgetRequest) (*WidgetChannel, error) {
	const op = "Channels.UpdateWidget"
	if err := checkID(op, "channelID", channelID); err != nil {
		return nil, err
	}
	body := updateWidgetBody{
		OriginAllowlist:         req.OriginAllowlist,
		RequireVerifiedIdentity: req.RequireVerifiedIdentity,
	}
	if req.OriginAllowlist != nil {
		if len(req.OriginAllowlist) == 0 {
			return nil, invalid(op, "OriginAllowlist", "empty; Munin refuses a widget channel without allowed origins (leave it nil to keep the list)")
		}
		if err := checkOrigins(op, req.OriginAllowlist); err != nil {
			return nil, err
		}
	}
	switch hook := req.WebhookOnEscalation; {
	case hook == nil:
	case *hook == "":
		body.WebhookOnEscalation = json.RawMessage("null")
	case !isAbsoluteURL(*hook, false):
		return nil, invalid(op, "WebhookOnEscalation", "not an absolute URL")
	default:
		b, err := json.Marshal(*hook)
		if err != nil {
			return nil, err
		}
		body.WebhookOnEscalation = b
	}
	args := body
	args.ChannelID = channelID // in the path over REST
	var out WidgetChannel
	if err := s.c.do(ctx, "conv_update_widget_channel", args, &transport.Request{
		Method:     http.MethodPatch,
		Path:       transport.Pathf("v1/conversations/channels/widget/%s", channelID),
		Body:       body,
		Idempotent: true, // it sets values
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// updateWidgetBody is the body of PATCH …/channels/widget/{id} and, with
// ChannelID, the input of conv_update_widget_channel. WebhookOnEscalation
// is raw so that it can be left out, a string, or null.
type updateWidgetBody struct {
	ChannelID               string          `json:"channelId,omitempty"`
	OriginAllowlist         []string        `json:"originAllowlist,omitempty"`
	WebhookOnEscalation     json.RawMessage `json:"webhookOnEscalation,omitempty"`
	RequireVerifiedIdentity *bool           `json:"requireVerifiedIdentity,omitempty"`
}

// checkOrigins checks an origin allowlist: Munin takes URLs and compares
// their origins (scheme, host, port; §2.1).
func checkOrigins(op string, origins []string) error {
	for i, o := range origins {
		if !isAbsoluteURL(o, false) {
			return invalid(op, "OriginAllowlist["+strconv.Itoa(i)+"]", "not an absolute URL such as https://shop.example")
		}
	}
	return nil
}

// RotateKey mints a new widget key for the channel and revokes every
// other widget key of it at once, so calls with the old key get 401 from
// then on (POST /v1/conversations/channels/widget/{id}/rotate-key; MCP
// conv_rotate_widget_key). The new key is shown only this once.
//
// A rotation whose answer was lost has already revoked the old key, so
// RotateKey is retried like an idempotent call: the key of the last answer
// is the one that works.
func (s *ChannelsService) RotateKey(ctx context.Context, channelID string) (Secret, error) {
	const op = "Channels.RotateKey"
	if err := checkID(op, "channelID", channelID); err != nil {
		return Secret{}, err
	}
	var out struct {
		WidgetKey Secret `json:"widgetKey"`
	}
	if err := s.rotate(ctx, "conv_rotate_widget_key", "v1/conversations/channels/widget/%s/rotate-key", channelID, &out); err != nil {
		return Secret{}, err
	}
	return out.WidgetKey, nil
}

// RotateIdentitySecret replaces the channel's identity verification
// secret, the key of UserHash; hashes made with the old one stop verifying
// (POST /v1/conversations/channels/widget/{id}/rotate-identity-secret; MCP
// conv_rotate_widget_identity_secret). The new secret is shown only this
// once; like RotateKey, it is retried like an idempotent call.
func (s *ChannelsService) RotateIdentitySecret(ctx context.Context, channelID string) (Secret, error) {
	const op = "Channels.RotateIdentitySecret"
	if err := checkID(op, "channelID", channelID); err != nil {
		return Secret{}, err
	}
	var out struct {
		ChannelID                  string `json:"channelId"`
		IdentityVerificationSecret Secret `json:"identityVerificationSecret"`
	}
	if err := s.rotate(ctx, "conv_rotate_widget_identity_secret", "v1/conversations/channels/widget/%s/rotate-identity-secret", channelID, &out); err != nil {
		return Secret{}, err
	}
	return out.IdentityVerificationSecret, nil
}

// rotate calls one of the two rotations: tool over MCP, or a POST to
// pathFormat with the channel id over REST.
func (s *ChannelsService) rotate(ctx context.Context, tool, pathFormat, channelID string, out any) error {
	return s.c.do(ctx, tool, channelArgs{ChannelID: channelID}, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf(pathFormat, channelID),
		Idempotent: true, // see RotateKey
	}, out)
}

// channelArgs is the input of the MCP tools that take a {channelId}.
type channelArgs struct {
	ChannelID string `json:"channelId"`
}

// Archive archives the channel and revokes its keys (DELETE
// /v1/conversations/channels/{id}). Munin has no other way to switch a
// channel off, and at the reference commit archiving is one-way: the
// channel's widget keys get 401 and Activate answers 404 (§7). REST only.
// Like every DELETE it is retried after a 502 or a dropped connection, so
// ErrNotFound can also mean that an earlier attempt archived the channel.
func (s *ChannelsService) Archive(ctx context.Context, channelID string) error {
	const op = "Channels.Archive"
	if s.c.mcp != nil {
		return restOnly(op)
	}
	if err := checkID(op, "channelID", channelID); err != nil {
		return err
	}
	_, err := s.c.rest.Do(ctx, &transport.Request{
		Method: http.MethodDelete,
		Path:   transport.Pathf("v1/conversations/channels/%s", channelID),
	}, nil)
	return err
}

// Activate reactivates a channel (POST
// /v1/conversations/channels/{id}/activate). At the reference commit an
// archived channel cannot be reactivated: Munin answers 404 "channel <id>
// not found or archived" (§7). REST only.
func (s *ChannelsService) Activate(ctx context.Context, channelID string) error {
	const op = "Channels.Activate"
	if s.c.mcp != nil {
		return restOnly(op)
	}
	if err := checkID(op, "channelID", channelID); err != nil {
		return err
	}
	_, err := s.c.rest.Do(ctx, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/conversations/channels/%s/activate", channelID),
		Idempotent: true, // activating twice activates once
	}, nil)
	return err
}

// widgetConfigKeys are the config fields WidgetChannelConfig has; any
// other key goes to Extra.
var widgetConfigKeys = []string{
	"provider", "originAllowlist", "requireVerifiedIdentity",
	"hasIdentityVerificationSecret", "webhookOnEscalation",
}

// isWidgetConfigKey reports whether key is one of widgetConfigKeys, as
// encoding/json matches names: case-insensitively.
func isWidgetConfigKey(key string) bool {
	for _, k := range widgetConfigKeys {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads the known fields and keeps every other key of the
// config in Extra, so a field Munin adds later survives a read and a
// write.
func (c *WidgetChannelConfig) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	type known WidgetChannelConfig // without these methods
	var k known
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	k.Extra = nil
	for key, raw := range all {
		if isWidgetConfigKey(key) {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return err
		}
		if k.Extra == nil {
			k.Extra = make(map[string]json.RawMessage)
		}
		k.Extra[key] = buf.Bytes()
	}
	*c = WidgetChannelConfig(k)
	return nil
}

// MarshalJSON writes the known fields and the Extra keys beside them; a
// known field wins over an Extra key of the same name.
func (c WidgetChannelConfig) MarshalJSON() ([]byte, error) {
	type known WidgetChannelConfig // without these methods
	b, err := json.Marshal(known(c))
	if err != nil || len(c.Extra) == 0 {
		return b, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for key, raw := range c.Extra {
		if !isWidgetConfigKey(key) {
			all[key] = raw
		}
	}
	return json.Marshal(all)
}
