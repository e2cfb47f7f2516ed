package munin

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is the conversations part of the admin API
// (munin-api-reference.md §4 over REST, §5 over MCP).

// Conversation limits (§4).
const (
	maxListLimit         = 200
	maxSendBodyLen       = 50000
	maxTakeOverMinutes   = 240
	maxHandoverReasonLen = 500
	maxFallbackLen       = 2000
)

// Get returns a conversation with all its messages, internal notes and
// drafts included (GET /v1/conversations/{id}; MCP conv_get_conversation).
// Over REST the detail carries the human's claim, nil when there is none.
// Munin's MCP tool does not report the claim: over MCP, Claim is nil and
// ClaimUnknown is true.
func (s *ConversationsService) Get(ctx context.Context, id string) (*ConversationDetail, error) {
	const op = "Conversations.Get"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	var out ConversationDetail
	if err := s.c.do(ctx, "conv_get_conversation", idArgs{ID: id}, &transport.Request{
		Method: http.MethodGet,
		Path:   transport.Pathf("v1/conversations/%s", id),
	}, &out); err != nil {
		return nil, err
	}
	if s.c.mcp != nil {
		out.Claim, out.ClaimUnknown = nil, true
	}
	return &out, nil
}

// idArgs is the input of the MCP tools that take an {id}.
type idArgs struct {
	ID string `json:"id"`
}

// List returns the org's conversations that match opts (GET
// /v1/conversations; MCP conv_list_conversations). Munin cannot filter by
// session or channel; to find a session's conversation, keep the
// ConversationID that Push returned.
//
// Over REST, List follows Munin's nextCursor from page to page. At the
// reference commit Munin answers that second request with a 500 (§7): the
// iterator then yields that error (it matches ErrServer; the transport does
// not retry a 500) once and stops. Until Munin fixes it, set opts.Limit (up
// to 200) and read one page: that window is dependable. Over MCP the tool
// returns one page and List yields it.
//
// The iterator yields an error at most once, as its last value; it stops
// early when the consumer breaks.
func (s *ConversationsService) List(ctx context.Context, opts ListConversationsOptions) iter.Seq2[Conversation, error] {
	return func(yield func(Conversation, error) bool) {
		if err := opts.validate(s.c.mcp != nil); err != nil {
			yield(Conversation{}, err)
			return
		}
		if s.c.mcp != nil {
			var items []Conversation
			if err := s.c.mcp.call(ctx, "conv_list_conversations", listArgs{
				Status:         opts.Status,
				AssigneeUserID: opts.AssigneeUserID,
				TopicID:        opts.TopicID,
				Limit:          opts.Limit,
			}, &items); err != nil {
				yield(Conversation{}, err)
				return
			}
			for _, c := range items {
				if !yield(c, nil) {
					return
				}
			}
			return
		}
		query := opts.query()
		cursor := ""
		for {
			if cursor != "" {
				query.Set("cursor", cursor)
			}
			var page struct {
				Items      []Conversation `json:"items"`
				NextCursor *string        `json:"nextCursor"`
			}
			if _, err := s.c.rest.Do(ctx, &transport.Request{
				Method: http.MethodGet,
				Path:   "v1/conversations",
				Query:  query,
			}, &page); err != nil {
				yield(Conversation{}, err)
				return
			}
			for _, c := range page.Items {
				if !yield(c, nil) {
					return
				}
			}
			// An empty page or a cursor that does not move would only
			// repeat the same request.
			if page.NextCursor == nil || *page.NextCursor == "" || *page.NextCursor == cursor || len(page.Items) == 0 {
				return
			}
			cursor = *page.NextCursor
		}
	}
}

// listArgs is the input of conv_list_conversations (§5).
type listArgs struct {
	Status         string `json:"status,omitempty"`
	AssigneeUserID string `json:"assigneeUserId,omitempty"`
	TopicID        string `json:"topicId,omitempty"`
	Limit          int    `json:"limit,omitempty"`
}

// validate checks the options against §4, and against §5 over MCP.
func (o *ListConversationsOptions) validate(overMCP bool) error {
	const op = "Conversations.List"
	if o.Limit != 0 && (o.Limit < 1 || o.Limit > maxListLimit) {
		return invalid(op, "Limit", "must be 1–200 (or 0 for Munin's default), got "+strconv.Itoa(o.Limit))
	}
	if overMCP && o.NeedsHumanAttention != nil {
		return restOnly(op + " with NeedsHumanAttention")
	}
	return nil
}

// query is the options as GET /v1/conversations takes them.
func (o *ListConversationsOptions) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", o.Status)
	set("assigneeUserId", o.AssigneeUserID)
	set("topicId", o.TopicID)
	if o.NeedsHumanAttention != nil {
		q.Set("needsHumanAttention", strconv.FormatBool(*o.NeedsHumanAttention))
	}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}

// SendMessage posts a message as the admin key, which Munin shows as
// authorType "agent" (POST /v1/conversations/{id}/messages; MCP
// conv_send_message). While a human holds a claim it fails with
// ErrHandoverActive; with req.SinceMessageID it fails with
// ErrAgentReplyRace when a newer agent message exists.
//
// A post is not an idempotent call: once it may have reached Munin it is
// not retried, since a repeat would post twice. With WithEchoFilter the
// new message's id is remembered, so its conversation.message.sent echo is
// known as the bot's own.
//
// SinceMessageID, PreserveAttention and Components exist over REST only:
// over MCP a request that sets one fails with ErrRESTOnly.
func (s *ConversationsService) SendMessage(ctx context.Context, conversationID string, req SendMessageRequest) (*Message, error) {
	const op = "Conversations.SendMessage"
	if err := checkID(op, "conversationID", conversationID); err != nil {
		return nil, err
	}
	if err := checkLen(op, "Body", req.Body, 1, maxSendBodyLen); err != nil {
		return nil, err
	}
	if s.c.mcp != nil {
		switch {
		case req.SinceMessageID != "":
			return nil, restOnly(op + " with SinceMessageID")
		case req.PreserveAttention:
			return nil, restOnly(op + " with PreserveAttention")
		case len(req.Components) > 0:
			return nil, restOnly(op + " with Components")
		}
	}
	var out Message
	if err := s.c.do(ctx, "conv_send_message", sendArgs{
		ConversationID: conversationID,
		Body:           req.Body,
		Internal:       req.Internal,
		InReplyToID:    req.InReplyToID,
	}, &transport.Request{
		Method: http.MethodPost,
		Path:   transport.Pathf("v1/conversations/%s/messages", conversationID),
		Body:   req,
	}, &out); err != nil {
		return nil, err
	}
	if s.c.echoes != nil {
		s.c.echoes.Remember(out.ID)
	}
	return &out, nil
}

// sendArgs is the input of conv_send_message (§5).
type sendArgs struct {
	ConversationID string `json:"conversationId"`
	Body           string `json:"body"`
	Internal       bool   `json:"internal,omitempty"`
	InReplyToID    string `json:"inReplyToId,omitempty"`
}

// TakeOver puts a claim on the conversation for the key's creating user
// (POST /v1/conversations/{id}/take-over, §4): while it lasts, agent posts
// by anyone else fail with ErrHandoverActive and Munin's AI stays out. ttl
// is a whole number of minutes from 1 to 240; zero means Munin's default
// of 30 minutes. Another holder gives ErrClaimHeldByOther. Taking over
// again resets the expiry to now + ttl, which can shorten a claim (§7).
// REST only.
func (s *ConversationsService) TakeOver(ctx context.Context, id string, ttl time.Duration) (*Claim, error) {
	const op = "Conversations.TakeOver"
	if s.c.mcp != nil {
		return nil, restOnly(op)
	}
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	var body struct {
		TTLMinutes int `json:"ttlMinutes,omitempty"`
	}
	if ttl != 0 {
		if ttl%time.Minute != 0 || ttl < time.Minute || ttl > maxTakeOverMinutes*time.Minute {
			return nil, invalid(op, "ttl", ttl.String()+" is not a whole number of minutes from 1 to 240")
		}
		body.TTLMinutes = int(ttl / time.Minute)
	}
	var out Claim
	if _, err := s.c.rest.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		Path:   transport.Pathf("v1/conversations/%s/take-over", id),
		Body:   body,
		// A repeat by the same holder only sets the same expiry again.
		Idempotent: true,
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Release ends the claim on the conversation (POST
// /v1/conversations/{id}/release). Munin answers success even when there
// was no claim; a claim held by someone else gives a 409. REST only.
func (s *ConversationsService) Release(ctx context.Context, id string) error {
	const op = "Conversations.Release"
	if s.c.mcp != nil {
		return restOnly(op)
	}
	if err := checkID(op, "id", id); err != nil {
		return err
	}
	_, err := s.c.rest.Do(ctx, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/conversations/%s/release", id),
		Idempotent: true, // releasing twice releases once
	}, nil)
	return err
}

// RequestHandover flags the conversation for a human (POST
// /v1/conversations/{id}/request-handover; MCP conv_request_handover): Munin
// adds an internal note with req.Reason, posts req.PublicFallbackMessage
// to the visitor when set (without a message.sent event), sets
// needsHumanAttention and emits conversation.handover_requested. On a
// conversation that is already flagged it does nothing.
func (s *ConversationsService) RequestHandover(ctx context.Context, id string, req HandoverRequest) (*Conversation, error) {
	const op = "Conversations.RequestHandover"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	if err := checkOptionalLen(op, "Reason", req.Reason, maxHandoverReasonLen); err != nil {
		return nil, err
	}
	if err := checkOptionalLen(op, "PublicFallbackMessage", req.PublicFallbackMessage, maxFallbackLen); err != nil {
		return nil, err
	}
	var out Conversation
	if err := s.c.do(ctx, "conv_request_handover", handoverArgs{
		ConversationID:        id,
		Reason:                req.Reason,
		PublicFallbackMessage: req.PublicFallbackMessage,
	}, &transport.Request{
		Method: http.MethodPost,
		Path:   transport.Pathf("v1/conversations/%s/request-handover", id),
		Body:   req, // never nil: Munin wants at least {} (§7)
		// A flagged conversation ignores the repeat.
		Idempotent: true,
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// handoverArgs is the input of conv_request_handover (§5).
type handoverArgs struct {
	ConversationID        string `json:"conversationId"`
	Reason                string `json:"reason,omitempty"`
	PublicFallbackMessage string `json:"publicFallbackMessage,omitempty"`
}

// SetAgentMode sets how Munin's own AI acts in the conversation (POST
// /v1/conversations/{id}/agent-mode). New widget conversations are
// AgentModeAuto; a bot that answers by itself sets AgentModeOff so the
// visitor does not get two replies (§6). REST only.
func (s *ConversationsService) SetAgentMode(ctx context.Context, id string, mode AgentMode) (*Conversation, error) {
	const op = "Conversations.SetAgentMode"
	if s.c.mcp != nil {
		return nil, restOnly(op)
	}
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	switch mode {
	case AgentModeAuto, AgentModeDraftOnly, AgentModeOff:
	default:
		return nil, invalid(op, "mode", strconv.Quote(string(mode))+" is not auto, draft_only or off")
	}
	var out Conversation
	if _, err := s.c.rest.Do(ctx, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/conversations/%s/agent-mode", id),
		Body:       map[string]AgentMode{"mode": mode},
		Idempotent: true, // setting the same mode twice is one change
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Assign makes assigneeUserID, an org member, the conversation's assignee;
// "" unassigns it (POST /v1/conversations/{id}/assign; MCP
// conv_assign_conversation). An assignee is what the widget feed reports as
// handedOver (§6).
func (s *ConversationsService) Assign(ctx context.Context, id, assigneeUserID string) (*Conversation, error) {
	const op = "Conversations.Assign"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	var assignee *string // JSON null unassigns
	if assigneeUserID != "" {
		assignee = &assigneeUserID
	}
	args := assignArgs{ID: id, AssigneeUserID: assignee}
	body := args
	body.ID = "" // in the path, not the body
	var out Conversation
	if err := s.c.do(ctx, "conv_assign_conversation", args, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/conversations/%s/assign", id),
		Body:       body,
		Idempotent: true, // the same assignee twice is one assignment
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// assignArgs is the input of conv_assign_conversation (§5) and, without
// ID, the body of POST /v1/conversations/{id}/assign. A nil assignee is
// JSON null, which unassigns.
type assignArgs struct {
	ID             string  `json:"id,omitempty"`
	AssigneeUserID *string `json:"assigneeUserId"`
}

// SetStatus changes the conversation's status (POST
// /v1/conversations/{id}/status; MCP conv_change_status). Over REST,
// closing also releases a human's claim; over MCP it does not (§5), so a
// bot that closes over MCP and wants the claim gone must release it over
// REST.
func (s *ConversationsService) SetStatus(ctx context.Context, id string, req StatusRequest) (*Conversation, error) {
	const op = "Conversations.SetStatus"
	if err := checkID(op, "id", id); err != nil {
		return nil, err
	}
	switch req.Status {
	case StatusOpen, StatusSnoozed, StatusClosed, StatusSpam:
	case "":
		return nil, invalid(op, "Status", "required")
	default:
		return nil, invalid(op, "Status", strconv.Quote(req.Status)+" is not open, snoozed, closed or spam")
	}
	args := statusArgs{ID: id, Status: req.Status}
	if req.SnoozeUntil != nil {
		if err := checkTime(op, "SnoozeUntil", *req.SnoozeUntil); err != nil {
			return nil, err
		}
		// Munin rejects an offset (§1), which time.Time's own JSON keeps.
		args.SnoozeUntil = formatTime(*req.SnoozeUntil)
	}
	body := args
	body.ID = "" // in the path, not the body
	var out Conversation
	if err := s.c.do(ctx, "conv_change_status", args, &transport.Request{
		Method:     http.MethodPost,
		Path:       transport.Pathf("v1/conversations/%s/status", id),
		Body:       body,
		Idempotent: true, // setting the same status twice is one change
	}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// statusArgs is the input of conv_change_status (§5) and, without ID, the
// body of POST /v1/conversations/{id}/status.
type statusArgs struct {
	ID          string `json:"id,omitempty"`
	Status      string `json:"status"`
	SnoozeUntil string `json:"snoozeUntil,omitempty"`
}

// restOnlyError is an operation a client built WithMCP cannot do, because
// Munin offers it over REST only (§5). It matches ErrRESTOnly.
type restOnlyError struct{ what string }

func (e *restOnlyError) Error() string {
	return "munin: " + e.what + " is REST only; Munin's MCP tools do not offer it"
}

func (e *restOnlyError) Unwrap() error { return ErrRESTOnly }

// restOnly returns a *restOnlyError about what.
func restOnly(what string) error { return &restOnlyError{what: what} }
