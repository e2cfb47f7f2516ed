package certainlytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// End users and the bot's mode per user (the handover page, steps 2–6).
// The real end user talks to Certainly through the web chat widget's
// WebSocket; the fake has no widget, and the test speaks for the user with
// UserSays and UserAsksForHuman instead.

// Mode is the bot's mode for one end user.
type Mode string

// The modes of the handover page, step 2.
const (
	// ModeNormal: the bot answers the user. Every user starts here, and a
	// takeover brings them back.
	ModeNormal Mode = "normal"
	// ModeListen: a third-party system handed the conversation over; the
	// bot answers nothing and forwards the user's messages to the message
	// webhook.
	ModeListen Mode = "listen"
)

// Bot answers what the user said in normal mode. The text it returns is
// recorded in the user's transcript with interlocutor bot and returned by
// UserSays; "" means the bot says nothing. It is called from UserSays's
// goroutine, without the server's lock held, so it may call the Server's
// inspection methods.
type Bot func(userID, text string) string

// EchoBot is the default Bot: it answers "Bot: you said " and the text.
func EchoBot(_, text string) string { return "Bot: you said " + text }

// Reply is what happened to a message the user sent with UserSays.
type Reply struct {
	// Mode is the bot's mode for the user when the message arrived.
	Mode Mode
	// Text is the bot's answer in normal mode; "" in listen mode or when
	// the Bot said nothing.
	Text string
	// Delivery is the message webhook call made in listen mode; nil in
	// normal mode.
	Delivery *Delivery
}

type user struct {
	id         string
	sessionID  string
	mode       Mode
	transcript []Message
	claimEnds  []string
	claims     int
	createdAt  time.Time
}

// userLocked returns the user with id, creating it in normal mode on first
// mention.
func (s *Server) userLocked(id string) *user {
	u := s.users[id]
	if u == nil {
		u = &user{id: id, sessionID: fakeserver.NewUUID(), mode: ModeNormal, createdAt: s.clock.Now()}
		s.users[id] = u
		s.userOrder = append(s.userOrder, u)
	}
	return u
}

func (s *Server) appendLocked(u *user, who certainly.Interlocutor, text string) {
	u.transcript = append(u.transcript, Message{Interlocutor: who, Text: text, At: s.clock.Now()})
	s.notifyLocked()
}

// UserSays has the end user userID send text through the chat widget. The
// message is recorded in the user's transcript. In normal mode the Bot
// answers: its answer is recorded and returned in Reply.Text. In listen
// mode the bot says nothing and the server POSTs the message webhook
// (WithWebhooks) with {"interlocutor": "user", "message": text, "botId",
// "userId", "sessionId"}, synchronously, and returns once it answered: a
// *DeliveryError when it did not answer 2xx, ErrNoWebhook when no message
// webhook is set. WithEveryMessage also posts the normal-mode exchange. The
// user is created on first mention.
func (s *Server) UserSays(ctx context.Context, userID, text string) (*Reply, error) {
	if err := checkID(userID); err != nil {
		return nil, fmt.Errorf("certainlytest: UserSays: userID %w", err)
	}
	if text == "" {
		return nil, errors.New("certainlytest: UserSays: text is empty")
	}
	if !utf8.ValidString(text) {
		return nil, errors.New("certainlytest: UserSays: text is not valid UTF-8")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	u := s.userLocked(userID)
	s.appendLocked(u, certainly.InterlocutorUser, text)
	mode, sessionID, bot := u.mode, u.sessionID, s.bot
	s.mu.Unlock()

	if mode == ModeNormal {
		s.echo(ctx, certainly.InterlocutorUser, text, userID, sessionID)
		answer := bot(userID, text)
		if answer != "" {
			s.mu.Lock()
			s.appendLocked(u, certainly.InterlocutorBot, answer)
			s.mu.Unlock()
			s.echo(ctx, certainly.InterlocutorBot, answer, userID, sessionID)
		}
		return &Reply{Mode: ModeNormal, Text: answer}, nil
	}
	d, err := s.deliver(ctx, WebhookMessage, s.cfg.messageURL, userID, s.messageJSON(certainly.InterlocutorUser, text, userID, sessionID))
	if err != nil {
		return nil, err
	}
	return &Reply{Mode: ModeListen, Delivery: d}, nil
}

// messageJSON is the message webhook's body.
func (s *Server) messageJSON(who certainly.Interlocutor, text, userID, sessionID string) []byte {
	// A struct of strings always encodes.
	body, _ := json.Marshal(messageBody{Interlocutor: who, Message: text, BotID: s.botID, UserID: userID, SessionID: sessionID})
	return body
}

// echo posts a normal-mode message to the message webhook under
// WithEveryMessage; a failure shows in Deliveries only.
func (s *Server) echo(ctx context.Context, who certainly.Interlocutor, text, userID, sessionID string) {
	if s.cfg.everyMsg && s.cfg.messageURL != "" {
		_, _ = s.deliver(ctx, WebhookMessage, s.cfg.messageURL, userID, s.messageJSON(who, text, userID, sessionID))
	}
}

// UserAsksForHuman has the conversation of userID reach the flow module
// whose Webhook claims a human: the server POSTs the claim webhook
// (WithWebhooks) with the body of the handover page, step 1B, and returns
// once it answered: a *DeliveryError when it did not answer 2xx,
// ErrNoWebhook when no claim webhook is set. The bot stays in normal mode
// until the program calls the handover route. The user is created on first
// mention.
func (s *Server) UserAsksForHuman(ctx context.Context, userID string) error {
	if err := checkID(userID); err != nil {
		return fmt.Errorf("certainlytest: UserAsksForHuman: userID %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	u := s.userLocked(userID)
	u.claims++
	s.notifyLocked()
	sessionID := u.sessionID
	s.mu.Unlock()

	body, err := json.Marshal(claimBody{
		AttachedMedia: "", Reply: "VarWebhook", BotID: s.botID, Direction: "out",
		ExtractedData: map[string]any{}, LastName: "", FirstName: "", SessionID: sessionID,
		CustomVariables: map[string]any{}, From: "token", To: userID, ReplyData: "",
		ModuleID: s.moduleID, BotTrainedModelID: s.trainedModelID,
	})
	if err != nil {
		return fmt.Errorf("certainlytest: UserAsksForHuman: %w", err)
	}
	_, err = s.deliver(ctx, WebhookClaim, s.cfg.claimURL, userID, body)
	return err
}

// claimBody is the claim webhook's body, with the fields in the order of
// the handover page, step 1B. The first and last names come from Facebook
// when available; a web chat user has none.
type claimBody struct {
	AttachedMedia     string         `json:"attachedMedia"`
	Reply             string         `json:"reply"`
	BotID             string         `json:"botId"`
	Direction         string         `json:"direction"`
	ExtractedData     map[string]any `json:"extractedData"`
	LastName          string         `json:"lastName"`
	SessionID         string         `json:"sessionId"`
	CustomVariables   map[string]any `json:"customVariables"`
	From              string         `json:"from"`
	FirstName         string         `json:"firstName"`
	To                string         `json:"to"`
	ReplyData         string         `json:"replyData"`
	ModuleID          string         `json:"moduleId"`
	BotTrainedModelID string         `json:"botTrainedModelId"`
}

// messageBody is the message webhook's body. Certainly does not publish
// its schema beyond "a JSON with interlocutor user" (step 4); these names
// are the fake's guess, the ones certainly.ParseMessage reads first.
type messageBody struct {
	Interlocutor certainly.Interlocutor `json:"interlocutor"`
	Message      string                 `json:"message"`
	BotID        string                 `json:"botId"`
	UserID       string                 `json:"userId"`
	SessionID    string                 `json:"sessionId"`
}

// chatConfig is the answer of GET …/config/. Certainly does not publish
// the schema; the fake answers a few fields of its choice.
func (s *Server) chatConfig() any {
	return map[string]any{"botId": s.botID, "name": "certainlytest bot", "language": "en"}
}

// modeBody is the answer of the handover and takeover routes, which
// Certainly does not document.
type modeBody struct {
	BotID  string `json:"botId"`
	UserID string `json:"userId"`
	Mode   Mode   `json:"mode"`
}

// handover answers GET …/handover/{userId}/: the bot goes to listen mode.
func (s *Server) handover(c *call) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(c.userID)
	u.mode = ModeListen
	s.notifyLocked()
	return http.StatusOK, modeBody{BotID: s.botID, UserID: u.id, Mode: u.mode}
}

// agentMessage answers POST …/handover/{userId}/ {"message": …}: the
// agent's message goes into the user's transcript.
func (s *Server) agentMessage(c *call) (int, any, *apiError) {
	text, err := decodeAgentMessage(c.body)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(c.userID)
	s.appendLocked(u, certainly.InterlocutorAgent, text)
	return http.StatusOK, struct {
		BotID   string `json:"botId"`
		UserID  string `json:"userId"`
		Message string `json:"message"`
	}{s.botID, u.id, text}, nil
}

// decodeAgentMessage reads the agent message body of the handover page,
// step 5: a JSON object whose "message" is a non-empty string.
func decodeAgentMessage(body []byte) (string, *apiError) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		return "", &apiError{status: http.StatusBadRequest, detail: "JSON parse error - the body must be a JSON object"}
	}
	raw, ok := in["message"]
	if !ok || string(raw) == "null" {
		return "", &apiError{status: http.StatusBadRequest, detail: "message is required"}
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", &apiError{status: http.StatusBadRequest, detail: "message must be a string"}
	}
	if text == "" {
		return "", &apiError{status: http.StatusBadRequest, detail: "message is required"}
	}
	return text, nil
}

// takeover answers GET …/takeover/{userId}/[?ClaimEnd=…]: the bot resumes.
// With a ClaimEnd the bot moves on to the next module of the flow, which
// the transcript shows as a bot message.
func (s *Server) takeover(c *call) (int, any) {
	claimEnd := c.r.URL.Query().Get("ClaimEnd")
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(c.userID)
	u.mode = ModeNormal
	u.claimEnds = append(u.claimEnds, claimEnd)
	if claimEnd != "" {
		s.appendLocked(u, certainly.InterlocutorBot, "Moving on to the next module: "+claimEnd)
	}
	s.notifyLocked()
	return http.StatusOK, modeBody{BotID: s.botID, UserID: u.id, Mode: u.mode}
}
