package munintest

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// The JSON Munin sends (munin-api-reference.md §2–§4). Nullable fields are
// pointers so that null is sent as null, as Munin does; the munin package's
// types decode both null and absent.

// isoLayout is JavaScript's Date.toISOString: UTC, milliseconds, "Z".
const isoLayout = "2006-01-02T15:04:05.000Z"

func iso(t time.Time) string { return t.UTC().Format(isoLayout) }

func isoPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := iso(*t)
	return &s
}

// null returns nil for "" (SQL NULL) and &s otherwise.
func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// marshalJS encodes v as JSON.stringify would: no HTML escaping, no
// trailing newline.
func marshalJS(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// jsonbObject is a JSON object that Munin stored as PostgreSQL jsonb and
// sends back as stored: jsonb orders keys by length, then bytewise, so
// shorter keys come first (§7). Event payloads and message metadata come
// out this way.
type jsonbObject map[string]any

// MarshalJSON writes the keys in jsonb's order.
func (o jsonbObject) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v := o[k]
		if m, ok := v.(map[string]any); ok {
			v = jsonbObject(m)
		}
		kb, err := marshalJS(k)
		if err != nil {
			return nil, err
		}
		vb, err := marshalJS(v)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// summaryJSON is Munin's ConversationSummary (§4). List items add
// lastInboundPreview and drop channelType; Get adds channelType (§7).
type summaryJSON struct {
	ID                    string          `json:"id"`
	DisplayID             int64           `json:"displayId"`
	Status                string          `json:"status"`
	ChannelID             string          `json:"channelId"`
	ChannelType           string          `json:"channelType,omitempty"`
	EndUserID             *string         `json:"endUserId"`
	ContactID             *string         `json:"contactId"`
	TopicID               *string         `json:"topicId"`
	AssigneeUserID        *string         `json:"assigneeUserId"`
	Subject               *string         `json:"subject"`
	LastMessageAt         *string         `json:"lastMessageAt"`
	LastInboundPreview    json.RawMessage `json:"lastInboundPreview,omitempty"`
	NeedsHumanAttention   bool            `json:"needsHumanAttention"`
	NeedsHumanAttentionAt *string         `json:"needsHumanAttentionAt"`
	HandoverResolvedAt    *string         `json:"handoverResolvedAt"`
	AgentMode             string          `json:"agentMode"`
	OutreachCampaignID    *string         `json:"outreachCampaignId"`
	VoiceActive           bool            `json:"voiceActive"`
	UpdatedAt             string          `json:"updatedAt"`
	CreatedAt             string          `json:"createdAt"`
}

// detailJSON is Munin's ConversationDetail; REST adds claim (§4), MCP does
// not (§5).
type detailJSON struct {
	summaryJSON
	Messages      []messageJSON   `json:"messages"`
	AssistantName *string         `json:"assistantName"`
	EndUserLocale *string         `json:"endUserLocale"`
	ContactEmail  *string         `json:"contactEmail"`
	ContactName   *string         `json:"contactName"`
	ContactPhone  *string         `json:"contactPhone"`
	Claim         json.RawMessage `json:"claim,omitempty"`
}

// claimJSON is the claim in GET /v1/conversations/:id and the take-over
// answer.
type claimJSON struct {
	HolderType string `json:"holderType"`
	HolderID   string `json:"holderId"`
	ExpiresAt  string `json:"expiresAt"`
}

// messageJSON is Munin's MessageDto (§4).
type messageJSON struct {
	ID             string      `json:"id"`
	ConversationID string      `json:"conversationId"`
	AuthorType     string      `json:"authorType"`
	AuthorID       string      `json:"authorId"`
	AuthorName     *string     `json:"authorName"`
	Body           string      `json:"body"`
	Internal       bool        `json:"internal"`
	InReplyToID    *string     `json:"inReplyToId"`
	Attachments    []any       `json:"attachments"`
	Metadata       jsonbObject `json:"metadata"`
	CreatedAt      string      `json:"createdAt"`
	SeenAt         *string     `json:"seenAt"`
	FirstOpenedAt  *string     `json:"firstOpenedAt"`
	LastOpenedAt   *string     `json:"lastOpenedAt"`
	OpenCount      *int        `json:"openCount"`
}

// widgetConfigJSON is a widget channel's config without its secret (§2.5).
type widgetConfigJSON struct {
	Provider                      string   `json:"provider"`
	OriginAllowlist               []string `json:"originAllowlist"`
	WebhookOnEscalation           string   `json:"webhookOnEscalation,omitempty"`
	RequireVerifiedIdentity       bool     `json:"requireVerifiedIdentity"`
	HasIdentityVerificationSecret bool     `json:"hasIdentityVerificationSecret"`
}

// widgetChannelJSON is what the widget channel routes answer.
type widgetChannelJSON struct {
	ID     string           `json:"id"`
	Name   string           `json:"name"`
	Type   string           `json:"type"`
	Active bool             `json:"active"`
	Config widgetConfigJSON `json:"config"`
}

// createdWidgetJSON is a new channel with its two one-time secrets.
type createdWidgetJSON struct {
	widgetChannelJSON
	WidgetKey                  string `json:"widgetKey"`
	IdentityVerificationSecret string `json:"identityVerificationSecret"`
}

// channelJSON is the generic ChannelDto that activate answers.
type channelJSON struct {
	ID               string           `json:"id"`
	Type             string           `json:"type"`
	Vendor           string           `json:"vendor"`
	Name             string           `json:"name"`
	Active           bool             `json:"active"`
	Config           widgetConfigJSON `json:"config"`
	DefaultAgentMode string           `json:"defaultAgentMode"`
	NeedsCredentials bool             `json:"needsCredentials"`
	CreatedAt        string           `json:"createdAt"`
}

// webhookJSON is Munin's WebhookDto (§3.1); Secret only on create and
// rotate.
type webhookJSON struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Active    bool     `json:"active"`
	Secret    string   `json:"secret,omitempty"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

// deliveryJSON is Munin's WebhookDeliveryDto (§3.1).
type deliveryJSON struct {
	ID            string  `json:"id"`
	WebhookID     string  `json:"webhookId"`
	EventID       string  `json:"eventId"`
	Attempt       int     `json:"attempt"`
	StatusCode    *int    `json:"statusCode"`
	DurationMs    *int    `json:"durationMs"`
	Error         *string `json:"error"`
	DeliveredAt   *string `json:"deliveredAt"`
	NextAttemptAt *string `json:"nextAttemptAt"`
	CreatedAt     string  `json:"createdAt"`
	Status        string  `json:"status"`
}

// feedJSON is GET /v1/widget/messages (§2.3).
type feedJSON struct {
	Messages     []feedMessageJSON     `json:"messages"`
	HasMore      bool                  `json:"hasMore"`
	Cursor       *string               `json:"cursor"`
	Conversation *feedConversationJSON `json:"conversation"`
}

type feedMessageJSON struct {
	ID         string  `json:"id"`
	Role       string  `json:"role"`
	AuthorKind *string `json:"authorKind"`
	AuthorName *string `json:"authorName"`
	Body       string  `json:"body"`
	BodyHTML   *string `json:"bodyHtml"`
	At         string  `json:"at"`
	ReadAt     *string `json:"readAt"`
	Components any     `json:"components,omitempty"`
}

type feedConversationJSON struct {
	ID           string  `json:"id"`
	Subject      *string `json:"subject"`
	Status       string  `json:"status"`
	HandedOver   bool    `json:"handedOver"`
	AssigneeName *string `json:"assigneeName"`
	ContactEmail *string `json:"contactEmail"`
}
