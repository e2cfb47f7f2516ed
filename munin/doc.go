// Package munin is the client for Munin (getmunin.com) as an external bot
// behind a website chat widget uses it: the bot pushes what the visitor says
// into a Munin conversation, learns by signed webhook when a human (or
// Munin's own AI) answered, shows that answer to the visitor, and keeps
// quiet while the human owns the thread.
//
// Everything here follows Munin's current API as its public source defines
// it (backend-core 5.10); where Munin's older developer pages differ, the
// current API wins, and the older shape is still accepted where that is
// cheap. The differences are listed at the end.
//
// # The escalation flow
//
//	widget, err := munin.NewWidgetClient(widgetKey,
//		munin.WithOrigin("https://shop.example"), // Munin refuses a call without an allowlisted Origin
//		munin.WithChannel(channelID))
//	...
//	res, err := widget.Push(ctx, munin.Push{
//		SessionID: session,
//		Messages:  []munin.WidgetMessage{{Body: "Can I talk to a person?"}},
//	})
//	// res.ConversationID is the conversation for this session, forever.
//
// When a dashboard human replies, Munin delivers a signed
// conversation.message.sent (authorType "user") to the bot's webhook.
// NewWebhookHandler verifies it, drops replays and redeliveries (remembered
// in a webhookverify.MemoryDeduper by default; WithDeduper takes any
// webhookverify.Deduper, such as one shared by replicas), and hands the
// typed event to the bot; HandoffEvent turns it into a handoff.Event,
// and the bot's handoff.Controller then tells it to stay quiet for the grace
// period:
//
//	ctl, err := handoff.New(nil)
//	h, err := munin.NewWebhookHandler(webhookSecret, func(ctx context.Context, ev munin.Event) error {
//		if hev, ok := munin.HandoffEvent(ev); ok {
//			if _, err := ctl.Observe(ctx, hev); err != nil {
//				return err // a non-2xx answer makes Munin deliver again
//			}
//		}
//		return nil
//	})
//	mux.Handle("POST /webhooks/munin", h)
//
// The webhook carries no message body. Read the reply with the widget feed
// (WidgetClient.Messages) or the admin view (Client.Conversations.Get) and
// render it to the visitor yourself: Munin does not push it to the widget.
//
// # Who owns the conversation
//
// Munin has no "hand back" event for a dashboard reply: the human's claim
// (30 minutes after their latest reply, or the take-over's ttl) expires
// silently. HandoffEvent therefore maps a human reply to
// handoff.HumanMessage, whose grace period (30 minutes by default, the same
// as Munin's claim) covers the claim; conversation.released, an unassign
// and closing the conversation hand it back at once.
//
// The bot's own posts come back as conversation.message.sent by "agent",
// and so do posts by Munin's built-in AI and by any other API key; the
// webhook cannot tell them apart (and the widget feed labels every agent
// row "ai"). HandoffEvent treats every agent post as the bot's own echo,
// which is right when the bot turned Munin's AI off
// (Conversations.SetAgentMode with AgentModeOff, which a bot should do so
// the visitor does not get two replies). A bot that leaves Munin's AI on
// uses an EchoFilter (WithEchoFilter), which remembers the ids SendMessage
// returned, and EchoFilter.HandoffEvent: an agent post it does not know is
// another agent speaking, and the bot stays quiet.
//
// # Admin client: REST or MCP
//
// NewClient takes an admin key. Over REST (the default) the key needs the
// unrestricted scope "*". WithMCP makes the same calls as Munin's MCP tools,
// which a key with narrow scopes (least privilege, such as only "conv:read
// conv:write") may call; the results and errors are the same types. Munin
// offers take-over, release, agent mode, channel archive and activate, and
// a few request fields (SinceMessageID, PreserveAttention, Components,
// NeedsHumanAttention) over REST only: with WithMCP they fail with
// ErrRESTOnly before anything is sent, and Conversations.Get cannot report
// the claim (ConversationDetail.ClaimUnknown).
//
// # Errors
//
// A failed call returns an *APIError with Munin's code, message, request id
// and retry delay. Branch with errors.Is on the sentinels:
//
//	_, err := c.Conversations.SendMessage(ctx, conv, munin.SendMessageRequest{Body: reply})
//	switch {
//	case errors.Is(err, munin.ErrHandoverActive):
//		// a human holds the conversation: stay quiet
//	case errors.Is(err, munin.ErrRateLimited):
//		var apiErr *munin.APIError
//		if errors.As(err, &apiErr) {
//			wait := apiErr.RetryAfter
//			_ = wait
//		}
//	}
//
// Connection errors, 429, 502, 503 and 504 are retried (3 times, waits up
// to 30 s by default; WithRetry). A push is retried safely because every
// message carries a providerMessageId; an agent post is not retried once it
// may have reached Munin. 401 and 403 are never retried. Keys and secrets
// never appear in an error, a log line or a %v: the one-time secrets Munin
// returns are Secret values that print as [REDACTED].
//
// # Differences from Munin's published pages
//
// The older pages ("Set up a chat widget", "Escalate a conversation to a
// human") describe an earlier API. This package follows the current one:
//
//   - Paths are /v1/…; /api/v1/… is gone. WithPathPrefix("api") still
//     reaches a deployment that serves the old prefix.
//   - The MCP tools are conv_create_widget_channel, conv_rotate_widget_key
//     and conv_update_widget_channel (not conv_widget_…), plus
//     conv_rotate_widget_identity_secret.
//   - Creating a widget channel also returns a one-time identity
//     verification secret, and the channel id is in "id".
//   - The origin allowlist is required: an empty one is refused, and a
//     server-side caller must send an allowlisted Origin (WithOrigin is
//     required).
//   - Only "end_user" rows can be pushed; the bot's own replies are posted
//     with Conversations.SendMessage. WidgetMessage therefore has no role.
//   - Widget validation errors are 403 invalid_widget_input, not 400.
//   - providerMessageId is unique across all of Munin, not per
//     conversation, so Push namespaces the ids it generates by session.
//   - A later email does not enrich an existing contact; use UpdateVisitor.
//   - A channel is archived (Channels.Archive), not deactivated; archiving
//     is one-way and its widget keys then get 401.
//   - Munin generates the webhook secret (whsec_…) and shows it once;
//     CreateWebhookRequest has no secret.
//   - The webhook envelope is {type, id, orgId, correlationId, createdAt,
//     payload}; an older {type, payload, occurredAt} delivery still parses,
//     with occurredAt as its CreatedAt.
//   - Deliveries carry x-munin-event and x-munin-delivery-id besides
//     x-munin-signature; the delivery id (one per webhook and event, the
//     same on every retry) is what the handler dedupes on.
//   - Munin now emits conversation.assigned, taken_over, released,
//     handover_requested, handover_resolved and agent_mode_changed (still
//     no "escalated"), and a human's claim blocks the bot's posts with 409
//     handover_active.
//   - The session is sent in the x-munin-session-id header on widget reads,
//     never in the query.
//   - The widget routes are rate limited (60 a minute, 1000 an hour); a 429
//     carries retry-after-public-minute, which becomes APIError.RetryAfter.
//   - Following the conversation list's nextCursor fails with 500 on the
//     current Munin; Conversations.List stops with that error, and a single
//     page of up to 200 (ListConversationsOptions.Limit) is the dependable
//     way to read a window.
package munin
