package munin

import (
	"encoding/json"
	"time"
)

// This file holds the data Munin's admin API sends and takes
// (munin-api-reference.md §2.5, §3.1, §4). Fields Munin sends as null decode
// to the zero value; times are UTC.

// Conversation is Munin's ConversationSummary: what the list, the action
// routes (assign, status, …) and Get share.
type Conversation struct {
	ID                    string     `json:"id"`
	DisplayID             int64      `json:"displayId"`
	Status                string     `json:"status"` // open, snoozed, closed, spam
	ChannelID             string     `json:"channelId,omitempty"`
	ChannelType           string     `json:"channelType,omitempty"`
	EndUserID             string     `json:"endUserId,omitempty"`
	ContactID             string     `json:"contactId,omitempty"`
	TopicID               string     `json:"topicId,omitempty"`
	AssigneeUserID        string     `json:"assigneeUserId,omitempty"`
	Subject               string     `json:"subject,omitempty"`
	LastMessageAt         *time.Time `json:"lastMessageAt,omitempty"`
	LastInboundPreview    string     `json:"lastInboundPreview,omitempty"` // list items only
	NeedsHumanAttention   bool       `json:"needsHumanAttention"`
	NeedsHumanAttentionAt *time.Time `json:"needsHumanAttentionAt,omitempty"`
	HandoverResolvedAt    *time.Time `json:"handoverResolvedAt,omitempty"`
	AgentMode             AgentMode  `json:"agentMode,omitempty"`
	OutreachCampaignID    string     `json:"outreachCampaignId,omitempty"`
	VoiceActive           bool       `json:"voiceActive"`
	UpdatedAt             time.Time  `json:"updatedAt"`
	CreatedAt             time.Time  `json:"createdAt"`
}

// Conversation statuses (Conversation.Status, SetStatus).
const (
	StatusOpen    = "open"
	StatusSnoozed = "snoozed"
	StatusClosed  = "closed"
	StatusSpam    = "spam"
)

// AgentMode governs Munin's own AI in a conversation. New widget
// conversations are AgentModeAuto; a bot that answers by itself sets
// AgentModeOff so the visitor does not get two replies.
type AgentMode string

// The agent modes.
const (
	AgentModeAuto      AgentMode = "auto"
	AgentModeDraftOnly AgentMode = "draft_only"
	AgentModeOff       AgentMode = "off"
)

// ConversationDetail is one conversation with its messages, as Get returns
// it.
type ConversationDetail struct {
	Conversation
	// Messages are sorted by CreatedAt and include internal notes and
	// drafts; PublicMessages leaves those out.
	Messages      []Message `json:"messages"`
	AssistantName string    `json:"assistantName,omitempty"`
	EndUserLocale string    `json:"endUserLocale,omitempty"`
	ContactEmail  string    `json:"contactEmail,omitempty"`
	ContactName   string    `json:"contactName,omitempty"`
	ContactPhone  string    `json:"contactPhone,omitempty"`
	// Claim is the human take-over lock, nil when there is none. Only REST
	// reports it: over MCP, Claim is nil and ClaimUnknown is true.
	Claim        *Claim `json:"claim"`
	ClaimUnknown bool   `json:"-"`
}

// PublicMessages returns the messages the visitor can see: all but
// internal notes and drafts.
func (d *ConversationDetail) PublicMessages() []Message {
	out := make([]Message, 0, len(d.Messages))
	for _, m := range d.Messages {
		if !m.Internal {
			out = append(out, m)
		}
	}
	return out
}

// Claim is a human's lock on a conversation (§6): while it lasts, the bot's
// posts fail with ErrHandoverActive and Munin's AI stays out. Its expiry is
// silent: no event fires when ExpiresAt passes.
type Claim struct {
	HolderType string    `json:"holderType"` // "user"
	HolderID   string    `json:"holderId"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Message is Munin's MessageDto.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	// AuthorType is "end_user", "user" (a Munin human), "agent" (an API
	// key, such as the bot's, or Munin's AI) or "system".
	AuthorType string `json:"authorType"`
	// AuthorID is the contact, the user or, for an API key's post, the
	// key's id.
	AuthorID    string          `json:"authorId,omitempty"`
	AuthorName  string          `json:"authorName,omitempty"`
	Body        string          `json:"body"`
	Internal    bool            `json:"internal"`
	InReplyToID string          `json:"inReplyToId,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	// Metadata holds, on widget rows, sessionId, providerMessageId, url,
	// inReplyTo and providerThreadId.
	Metadata      map[string]any `json:"metadata,omitempty"`
	CreatedAt     time.Time      `json:"createdAt"`
	SeenAt        *time.Time     `json:"seenAt,omitempty"`
	FirstOpenedAt *time.Time     `json:"firstOpenedAt,omitempty"`
	LastOpenedAt  *time.Time     `json:"lastOpenedAt,omitempty"`
	OpenCount     int            `json:"openCount,omitempty"`
}

// Message author types.
const (
	AuthorEndUser = "end_user"
	AuthorUser    = "user"
	AuthorAgent   = "agent"
	AuthorSystem  = "system"
)

// ListConversationsOptions filters Conversations.List. Munin cannot filter
// by session or channel.
type ListConversationsOptions struct {
	Status         string
	AssigneeUserID string
	TopicID        string
	// NeedsHumanAttention, when set, keeps only conversations whose
	// handover flag has this value (REST only).
	NeedsHumanAttention *bool
	// Limit is the page size, 1–200; zero means Munin's default. Following
	// Munin's nextCursor fails with a 500 at the reference commit (§7), so
	// the dependable way to read a window is one page of up to 200.
	Limit int
}

// SendMessageRequest is a post by the admin key: it appears as authorType
// "agent".
type SendMessageRequest struct {
	// Body is 1–50000 characters.
	Body     string `json:"body"`
	Internal bool   `json:"internal,omitempty"`
	// InReplyToID threads the post under a message.
	InReplyToID string `json:"inReplyToId,omitempty"`
	// PreserveAttention keeps the handover flag set (REST only).
	PreserveAttention bool `json:"preserveAttention,omitempty"`
	// SinceMessageID is the race guard: Munin refuses the post with
	// ErrAgentReplyRace when a newer public agent message exists (REST
	// only).
	SinceMessageID string `json:"sinceMessageId,omitempty"`
	// Components are rich reply parts, passed through as JSON (REST only).
	Components json.RawMessage `json:"components,omitempty"`
}

// HandoverRequest asks for a human (Conversations.RequestHandover).
type HandoverRequest struct {
	// Reason is at most 500 characters; it goes into an internal note.
	Reason string `json:"reason,omitempty"`
	// PublicFallbackMessage, at most 2000 characters, is posted to the
	// visitor as an agent message (without a message.sent event).
	PublicFallbackMessage string `json:"publicFallbackMessage,omitempty"`
}

// StatusRequest changes a conversation's status (Conversations.SetStatus).
type StatusRequest struct {
	Status string `json:"status"`
	// SnoozeUntil is used with StatusSnoozed.
	SnoozeUntil *time.Time `json:"snoozeUntil,omitempty"`
}

// WidgetChannel is a chat channel configured for a website widget.
type WidgetChannel struct {
	ID     string              `json:"id"`
	Name   string              `json:"name"`
	Type   string              `json:"type"` // "chat"
	Active bool                `json:"active"`
	Config WidgetChannelConfig `json:"config"`
}

// WidgetChannelConfig is a widget channel's configuration, without secrets.
type WidgetChannelConfig struct {
	Provider                      string   `json:"provider,omitempty"`
	OriginAllowlist               []string `json:"originAllowlist"`
	RequireVerifiedIdentity       bool     `json:"requireVerifiedIdentity"`
	HasIdentityVerificationSecret bool     `json:"hasIdentityVerificationSecret"`
	WebhookOnEscalation           string   `json:"webhookOnEscalation,omitempty"`
	// Extra holds configuration fields this SDK does not know.
	Extra map[string]json.RawMessage `json:"-"`
}

// CreateWidgetRequest creates a widget channel.
type CreateWidgetRequest struct {
	// Name is 1–120 characters.
	Name string `json:"name"`
	// OriginAllowlist is required and must not be empty: Munin refuses an
	// empty list (origin_allowlist_required).
	OriginAllowlist         []string `json:"originAllowlist"`
	WebhookOnEscalation     string   `json:"webhookOnEscalation,omitempty"`
	RequireVerifiedIdentity bool     `json:"requireVerifiedIdentity,omitempty"`
}

// CreatedWidget is a new widget channel with its two one-time secrets:
// Munin shows WidgetKey and IdentityVerificationSecret once, so store them
// now. Both print as [REDACTED]; call Value to read them.
type CreatedWidget struct {
	WidgetChannel
	WidgetKey                  Secret `json:"widgetKey"`
	IdentityVerificationSecret Secret `json:"identityVerificationSecret"`
}

// UpdateWidgetRequest changes a widget channel. Nil fields are left as they
// are.
type UpdateWidgetRequest struct {
	OriginAllowlist []string `json:"originAllowlist,omitempty"`
	// WebhookOnEscalation: nil leaves it, a pointer to "" clears it.
	WebhookOnEscalation     *string `json:"-"`
	RequireVerifiedIdentity *bool   `json:"requireVerifiedIdentity,omitempty"`
}

// Webhook is a webhook subscription (Munin's WebhookDto without the secret).
type Webhook struct {
	ID string `json:"id"`
	// URL must be https on real Munin.
	URL string `json:"url"`
	// Events are the subscribed types; empty means all, internal types
	// included.
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// WebhookWithSecret is a webhook with its signing secret (whsec_…), which
// Munin shows only when it creates or rotates it. The secret prints as
// [REDACTED]; pass Secret.Value() to NewWebhookHandler.
type WebhookWithSecret struct {
	Webhook
	Secret Secret `json:"secret"`
}

// CreateWebhookRequest subscribes a URL. Munin generates the secret.
type CreateWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events,omitempty"`
	// Active defaults to true.
	Active *bool `json:"active,omitempty"`
}

// UpdateWebhookRequest changes a webhook; nil fields are left as they are.
// Events replaces the whole list.
type UpdateWebhookRequest struct {
	URL    *string   `json:"url,omitempty"`
	Events *[]string `json:"events,omitempty"`
	Active *bool     `json:"active,omitempty"`
}

// DeliveriesOptions filters Webhooks.Deliveries.
type DeliveriesOptions struct {
	// Limit is 1–200; zero means Munin's default of 50.
	Limit int
	// Status is "pending", "delivered" or "failed"; empty means all.
	Status string
}

// Delivery is one attempt record of a webhook delivery, newest first.
type Delivery struct {
	ID            string     `json:"id"`
	WebhookID     string     `json:"webhookId"`
	EventID       string     `json:"eventId"`
	Attempt       int        `json:"attempt"`
	StatusCode    *int       `json:"statusCode"`
	DurationMs    *int       `json:"durationMs"`
	Error         string     `json:"error,omitempty"`
	DeliveredAt   *time.Time `json:"deliveredAt"`
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
	CreatedAt     time.Time  `json:"createdAt"`
	Status        string     `json:"status"`
}

// EventTypes lists the event types a webhook can subscribe to, by module
// (cms, crm, kb, conv, outreach, system) and all together.
type EventTypes struct {
	Modules map[string][]string `json:"modules"`
	All     []string            `json:"all"`
}
