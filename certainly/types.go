package certainly

import "encoding/json"

// Claim is the body Certainly POSTs to a third-party system's webhook when
// a conversation reaches a Webhook module that claims a human (the handover
// page, step 1B). Every documented field is here; Raw keeps the body as
// received, with any field Certainly adds.
//
// The page documents the shape by example only. The names below follow it
// exactly; the comments say what each field carries as far as the page
// says. ParseClaim (or ParseEvent) makes one from the raw body; encoded
// with encoding/json, a Claim gives the documented fields back.
type Claim struct {
	// AttachedMedia is the URL of a file the user attached, when any.
	AttachedMedia string `json:"attachedMedia"`
	// Reply is the name of the Certainly variable the webhook's answer is
	// stored in ("VarWebhook" in the page's example).
	Reply string `json:"reply"`
	// BotID is the bot deployment id (botdep_id): the {botId} of the
	// handover and takeover paths.
	BotID string `json:"botId"`
	// Direction is "out" in the page's example: from the bot outwards.
	Direction string `json:"direction"`
	// ExtractedData holds the values the bot extracted from the
	// conversation, as Certainly sent them.
	ExtractedData map[string]json.RawMessage `json:"extractedData"`
	// LastName and FirstName come from Facebook when available.
	LastName  string `json:"lastName"`
	FirstName string `json:"firstName"`
	// SessionID is the conversation's session.
	SessionID string `json:"sessionId"`
	// CustomVariables holds the bot's custom variables, as Certainly sent
	// them.
	CustomVariables map[string]json.RawMessage `json:"customVariables"`
	// From is the sender: "token" in the page's example (the bot's side).
	From string `json:"from"`
	// To is the end user's id: the {userId} of the handover and takeover
	// paths.
	To string `json:"to"`
	// ReplyData is extra reply data, empty in the page's example.
	ReplyData string `json:"replyData"`
	// ModuleID is the flow module that holds the webhook.
	ModuleID string `json:"moduleId"`
	// BotTrainedModelID is the trained model the bot runs.
	BotTrainedModelID string `json:"botTrainedModelId"`
	// Raw is the body exactly as received. It is not sent when a Claim is
	// encoded.
	Raw json.RawMessage `json:"-"`
}

// Interlocutor says who wrote a message that Certainly's message webhook
// delivers.
type Interlocutor string

// The interlocutors. The handover page names only "user" (step 4); the
// others are what a conversation holds besides the user.
const (
	// InterlocutorUser is the end user.
	InterlocutorUser Interlocutor = "user"
	// InterlocutorBot is the Certainly bot.
	InterlocutorBot Interlocutor = "bot"
	// InterlocutorAgent is a human agent (a third-party system's message
	// sent through the handover endpoint).
	InterlocutorAgent Interlocutor = "agent"
)
