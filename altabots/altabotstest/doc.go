// Package altabotstest is a fake AltaBots.ai for testing a human-service
// desk built with package altabots: a real HTTP server on 127.0.0.1, in
// memory, shaped like net/http/httptest.
//
// It plays both sides AltaBots plays against a desk: the bot platform that
// hands conversations over and calls the desk's three endpoints
// (establish, chat, close), and the API the desk answers through (POST
// /v1/human/message/receive and POST /v1/human/close).
//
// NewServer starts one for a test and closes it when the test ends; New
// starts one for a program. The server has one agent (bot), whose id
// BotID returns, and one API key, which APIKey returns. WithDesk tells it
// where the desk is and how to authenticate to it:
//
//	clock := altabotstest.NewClock(t0)
//	s := altabotstest.NewServer(t, altabotstest.WithClock(clock),
//		altabotstest.WithDesk(endpoint.URL, func(r *http.Request) {
//			r.Header.Set("Authorization", "Bearer "+deskToken)
//		}))
//	client, _ := altabots.NewClient(s.APIKey(), altabots.WithBaseURL(s.URL))
//	auth, _ := webhookverify.BearerToken(deskToken)
//	h, _ := altabots.NewHandler(desk, altabots.WithAuthenticator(auth),
//		altabots.WithClock(clock), // one clock for the fake and the handler
//		altabots.WithAutoReply(client, "An agent will be with you shortly.", 45*time.Second))
//	// endpoint is an httptest.Server serving h.
//
// The fake needs the endpoint's URL and the client needs the fake's: start
// the endpoint first with a handler that calls h once it is built (see the
// package Example).
//
// # Playing the bot platform
//
// Escalate opens a conversation and calls the desk's establish endpoint
// with the handoff page's body (conversation_id, timestamp in
// milliseconds on the server's Clock, email, bot_id, body, user_info);
// UserSays calls chat; Timeout and UserCloses call close with type TIMEOUT
// and USER_CLOSED. Each waits for the desk's answer and returns a
// *DeskCallError unless it was HTTP 200 with {"code":0,…}:
//
//	conv, err := s.Escalate(ctx, altabotstest.User{Email: "bob@gmail.com"},
//		altabots.Message{Text: "human service", Type: altabots.Question})
//	err = s.UserSays(ctx, conv.ID, "My order never arrived.")
//	err = s.UserCloses(ctx, conv.ID)
//
// # The first-reply deadline
//
// Once the desk accepted a conversation, its first reply must arrive
// through /v1/human/message/receive within the reply deadline (60 seconds,
// WithReplyDeadline), on the server's Clock. If none has when the Clock
// reaches the deadline, the conversation ends (StateEndedNoReply, reason
// ReasonNoReply) and the fake calls the desk's close endpoint with type
// TIMEOUT. With a Clock from NewClock nothing happens until the test moves
// it; WaitReplies and WaitClosed wait without sleeping:
//
//	clock.Advance(45 * time.Second)            // the handler's auto reply is due
//	replies, err := s.WaitReplies(ctx, conv.ID, 1)
//	clock.Advance(16 * time.Second)            // past the deadline: nothing more happens
//
//	clock.Advance(61 * time.Second)            // for a desk that never replies
//	ended, err := s.WaitClosed(ctx, conv.ID)   // StateEndedNoReply; the desk got TIMEOUT
//
// # Serving AltaBots' API
//
// Both routes want "Authorization: Bearer <APIKey>" (else 401
// {"code":40127,"message":"authentication failed"}), Content-Type
// application/json, and the fields the page marks required:
// conversation_id and timestamp (a positive whole number of
// milliseconds), plus body for a reply. A refusal is 400 {"code":40000}
// with a message naming the field ("timestamp is required"); a reply or
// close for a conversation that is unknown, refused or ended is 400
// {"code":40000,"message":"conversation not found or closed"}. Success is
// 200 {"code":0,"message":"success"}. A desk close ends the conversation
// (StateClosed, reason ReasonDesk).
//
// Authenticated calls count against the key's quota (DefaultRateLimit per
// DefaultRateWindow, WithRateLimit): every answer carries
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (seconds
// until the window ends), and a call over the quota gets 429
// {"code":42900,"message":"rate limit exceeded"} with Retry-After.
//
// # Inspection and faults
//
// Conversations and Conversation return the conversations with their
// state, transcript, user messages, replies and deadline; Requests returns
// what the API received (the key redacted), DeskCalls what the fake sent
// the desk with the answers (the desk's credential redacted). All are
// copies. FailNext answers one of the two routes with an error before
// processing it; like the other vendor fakes' FailNext, it panics on an
// unknown route or a status that is not a 4xx or 5xx:
//
//	s.FailNext(altabotstest.RouteMessageReceive, http.StatusServiceUnavailable, 1)
//
// WithLatency slows every answer of the API.
//
// # Differences from the real AltaBots
//
//   - One agent, one API key, no LLM: the transcript is whatever the test
//     passes to Escalate, and users only do what the test makes them do.
//   - AltaBots does not say what it sends the desk when the first-reply
//     deadline passes; the fake calls the close endpoint with type
//     TIMEOUT and the deadline as timestamp. The deadline starts when the
//     desk's establish answer arrives, and a reply sent while the
//     establish call is still under way counts. A reply exactly at the
//     deadline is late.
//   - The desk's answer counts as accepted only when it is HTTP 200 with a
//     JSON object whose code is the number 0; AltaBots documents no
//     success code and nothing about retries, so the fake never retries a
//     call to the desk, and a refused establish ends the conversation
//     (StateRefused).
//   - Error answers are the fake's choice where AltaBots documents none:
//     401 (not 200) for a bad key, 400 for a missing field and for an
//     unknown or ended conversation, 404/405/413 with codes 40400, 40500
//     and 41300, and a 429 with code 42900.
//   - The quota is one fixed window per server that starts with the first
//     counted call; AltaBots documents per-plan quotas (100 a day free,
//     1,000 an hour pro) and the headers, not the windows. Faults and
//     refused keys do not count. X-RateLimit-Reset is in seconds from now.
//   - The fake closes nothing on its own other than by the deadline, and
//     does not echo a desk's close back to the desk.
//   - Ids are 24 hex characters; the handoff page's examples have a
//     conversation id with a "g" in it and a 25-character bot_id.
//   - Everything is in memory and gone at Close.
package altabotstest
