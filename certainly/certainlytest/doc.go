// Package certainlytest is a fake Certainly for tests and examples: one bot
// deployment behind a real HTTP server on 127.0.0.1, in memory, shaped like
// net/http/httptest.
//
// NewServer starts one for a test and closes it when the test ends; New
// starts one for a program. The server has one bot deployment, whose id and
// API token BotID and Token return, and the program's two webhook URLs,
// set with WithWebhooks:
//
//	receiver := httptest.NewServer(handler) // the program's certainly.NewWebhookHandler
//	s := certainlytest.NewServer(t, certainlytest.WithWebhooks(receiver.URL, receiver.URL,
//		certainlytest.BearerAuth("webhook-secret")))
//	c, _ := certainly.NewClient(s.Token(), certainly.WithBaseURL(s.URL))
//
// # What it does
//
// It answers the chat REST routes of the handover flow under
// /webbot/api/webchat (certainly-handover-flow.txt, certainly-api-notes.md),
// with Django REST framework's {"detail": "…"} error bodies:
//
//	GET  {botId}/config/               the chat configuration; no token needed
//	GET  {botId}/handover/{userId}/    the bot goes to listen mode for the user
//	POST {botId}/handover/{userId}/    {"message": "…"}: an agent message to the user
//	GET  {botId}/takeover/{userId}/    the bot resumes; ?ClaimEnd=… moves on to the next module
//
// The handover and takeover routes want "Authorization: bearer <token>"
// (401 otherwise); another bot id is 404; an agent message without a
// non-empty string "message" is 400 {"detail": "message is required"}.
// Ids in the path are unescaped one segment at a time, so ids holding "/",
// "?", spaces or ".." work when escaped (certainly.NewClient escapes them).
//
// The end user has no widget here: the test speaks for them. UserSays
// records what the user writes; in normal mode the Bot answers (EchoBot by
// default, WithBot and SetBot script it), in listen mode the bot says
// nothing and the server POSTs the message webhook
// {"interlocutor":"user","message":…,"botId":…,"userId":…,"sessionId":…}.
// UserAsksForHuman POSTs the claim webhook with the body of the handover
// page, step 1B. Both wait for the webhook's answer and return a
// *DeliveryError when it is not 2xx:
//
//	reply, _ := s.UserSays(ctx, "user-1", "Where is my order?") // reply.Text: the bot's answer
//	_ = s.UserAsksForHuman(ctx, "user-1")                       // the program's handler calls Handover
//	_ = s.WaitMode(ctx, "user-1", certainlytest.ModeListen)
//	_, _ = s.UserSays(ctx, "user-1", "Hello?")                  // delivered to the message webhook
//
// # Time and asynchronous code
//
// Transcript messages, requests and webhook calls are timestamped with the
// server's Clock. WithClock(NewClock(t0)) freezes it; give the same Clock's
// Now to the code under test (certainly.RelayConfig.Now) and Advance it to
// run out a grace period. WaitMode and WaitAgentMessages wait, without
// sleeping or polling on a timer, for code that calls the fake from its own
// goroutine, such as a relay that takes a conversation back by itself.
//
// # Inspection and faults
//
// Users and User return each user's mode, transcript (user, bot and agent
// messages with their interlocutor), ClaimEnds (one entry per takeover) and
// claim count; AgentMessages the agent's texts; Requests the requests
// received, with the token cut off; Deliveries the webhook calls with their
// status and answer, with the webhook credential cut off. FailNext answers
// a route (RouteConfig, RouteHandover, RouteSend, RouteTakeover) with an
// error before processing it; WithLatency slows every answer.
//
// # Differences from the real Certainly
//
//   - No WebSocket widget (GET {botId}/): UserSays and UserAsksForHuman
//     stand in for the end user and for the flow module that claims a
//     human. The bot is a function, not a trained flow; a takeover with a
//     ClaimEnd adds the bot message "Moving on to the next module: <value>".
//   - Webhooks are called synchronously, once, without retries, from the
//     goroutine of UserSays or UserAsksForHuman, with the Webhook Builder's
//     5 s timeout (WithDeliveryTimeout); the error comes back to the caller.
//     The webhook's answer is not stored in the Reply variable (VarWebhook).
//     Webhook URLs may be http:// and loopback.
//   - By default the message webhook carries the user's messages in listen
//     mode only, the ones a relay acts on; Certainly's notes say it carries
//     every conversation message, which WithEveryMessage does for the
//     user's and the bot's messages in normal mode. Agent messages are
//     never posted.
//   - The message webhook's schema is the fake's guess: Certainly documents
//     only "a JSON with interlocutor user". The claim body has the page's
//     fields; firstName and lastName are empty (they come from Facebook),
//     attachedMedia and replyData are empty, extractedData and
//     customVariables are {}.
//   - Authentication of the handover and takeover routes is not documented
//     by Certainly. The fake enforces the chat REST API's "Authorization:
//     bearer <bot API token>" (the scheme compared case-insensitively;
//     WithAuthScheme and WithoutAuthorization change it) and answers 401
//     {"detail": "Authentication credentials were not provided."} or
//     {"detail": "Invalid token."}, checked before the bot id as Django REST
//     framework does.
//   - A path without its trailing slash is 404, as in Django without
//     APPEND_SLASH; the real service may redirect a GET instead. Django
//     resolves routes on the decoded path, so the real service may not
//     route an id holding an escaped "/"; the fake does.
//   - The answers of the handover, agent message and takeover routes are
//     undocumented: the fake answers 200 with {"botId", "userId", "mode"} or
//     {"botId", "userId", "message"}; config answers {"botId", "name",
//     "language"}. An agent message is accepted in normal mode too.
//   - Users are created on first mention, by UserSays, UserAsksForHuman or
//     a route that names them, and never expire; ids are any non-empty UTF-8 without
//     control characters. The bot id has 6 digits and the token 40 hex
//     characters unless set: Certainly documents neither format.
//   - One bot deployment, no rate limits, everything in memory and gone at
//     Close.
package certainlytest
