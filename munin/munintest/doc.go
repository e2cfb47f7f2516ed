// Package munintest is a fake Munin for tests and examples: a real HTTP
// server on 127.0.0.1, in memory, shaped like net/http/httptest.
//
// NewServer starts one for a test and closes it when the test ends; New
// starts one for a program. The server has one org with two users (the
// owner, who created AdminKey, and a support agent who acts through
// Dashboard), an unrestricted admin key, and a widget channel whose key,
// identity secret and origin allowlist Channel returns:
//
//	s := munintest.NewServer(t)
//	ch := s.Channel()
//	w, _ := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(s.URL),
//		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(ch.ID))
//	admin, _ := munin.NewClient(s.AdminKey(), munin.WithBaseURL(s.URL))
//	mcpAdmin, _ := munin.NewClient(s.AdminKey(), munin.WithBaseURL(s.URL), munin.WithMCP(s.MCPURL()))
//
// # What it does
//
// It answers the routes of munin-api-reference.md with Munin's paths,
// statuses and error bodies: the widget API (push with conversation upsert
// per session, providerMessageId idempotency across all messages, contact
// matching, the Origin allowlist, identity verification, the feed with its
// cursor and Munin's authorKind labels), the conversation routes (claims,
// handover_active, agent_reply_race, request-handover, agent mode,
// assignment, status), widget channels (key rotation with 401 for old
// keys, archive), webhooks (subscriptions, deliveries, event types),
// whoami and healthz. MCP is served at MCPURL by the official Go MCP SDK
// with Munin's tool names, inputs and outputs. REST and MCP share one
// service, so a rule holds the same way on both.
//
// Every event is delivered to the subscriptions that want it, signed as
// Munin signs (webhookverify.Sign with the whole "whsec_…" secret), and
// retried on a non-2xx answer, a network error or a timeout with the same
// delivery id and body.
//
// # Time and deliveries
//
// Claims, createdAt, the rate-limit windows and the retry schedule follow
// the server's Clock. WithClock(NewClock(t0)) freezes it; Clock().Advance
// moves it and starts the retries that became due. WaitDeliveries waits,
// without sleeping, until no delivery has an attempt in flight or due, so a
// test reads Deliveries (or its receiver's log) right after:
//
//	s.Dashboard().Reply(conversationID, "Hi, Sam here")
//	s.WaitDeliveries(ctx)            // the first attempts are done
//	s.Clock().Advance(30 * time.Second)
//	s.WaitDeliveries(ctx)            // the first retries are done
//
// # Inspection and faults
//
// Conversations, Conversation, ConversationBySession, Contacts, Requests,
// Events and Deliveries return copies of what the server holds or
// received. FailNext answers a route with an error before processing it;
// FailNextAfterCommit processes the request and then answers the error (the
// case that proves a retry is idempotent); DropNext and DropNextAfterCommit
// close the connection instead; WithLatency slows every answer.
//
// # Differences from real Munin
//
//   - Webhook URLs may be http:// and may point at loopback or private
//     addresses, so an httptest.Server can receive deliveries; Munin requires
//     https:// and refuses private, loopback and reserved addresses.
//   - Deliveries are attempted at once, each in its own goroutine, instead of
//     by a worker polling every 5 s; the retry schedule has no jitter
//     (WithDeliverySchedule sets it; Munin's is 30/60/120/240 s + ≤10 %). A
//     secret rotated between attempts signs the later ones, as in Munin.
//   - One org, in memory, gone at Close. Ids have Munin's shapes but mean
//     nothing elsewhere. Rate limits are per server (Munin: per replica).
//   - Every message gets its own ingestion time, a millisecond after the
//     previous one when the clock has not moved, so the widget feed's
//     exclusive cursor never skips a row. Likewise, on a frozen Clock a
//     post counts as newer than one made before it at the same createdAt,
//     so sinceMessageId's agent_reply_race fires as it would on Munin.
//   - Following GET /v1/conversations' nextCursor answers 500, as Munin does
//     at the reference commit (§7); the fake keeps that bug on purpose so
//     clients are tested against it. Use limit (≤ 200) to read a window.
//   - No background jobs: snoozed conversations do not wake up, idle ones do
//     not auto-close, Munin's AI never replies on its own (Dashboard.AIReply
//     posts as it would), and no curator or CRM jobs run or emit events
//     (Emit can send any event type to test that receivers ignore it).
//   - Only the conversation events of §3.3 are emitted. The internal ones
//     Munin sends alongside to subscribers with events [] (such as
//     api_key.minted and api_key.revoked on a key rotation, end_user.created
//     for a new visitor) are not, so such a subscriber gets fewer
//     deliveries than from Munin; Emit sends them when a test needs them.
//   - Not served: delegated tokens (mn_dlg_), the realtime WebSocket, POST
//     /v1/widget/conversations, voice, attachments, topics, drafts beyond
//     request-handover's suggestedReply, translations, and the other ~170 MCP
//     tools; such paths answer NestJS's 404 and unknown tools "Unknown tool".
//   - Concurrent first pushes of one session never race into Munin's 500:
//     the fake serialises all writes.
//   - The MCP server is stateless (a new session per request), which is what
//     Munin does too; server-to-client requests are not supported.
//   - Validation messages follow zod 4's English texts for the limits the
//     fake checks; rarely hit rules may word an issue differently.
package munintest
