package moveotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// The brain is Moveo's AI agent. The fake has a scriptable one: each user
// message of a session the desk does not own is given to the Brain, and
// what it returns is delivered as the output.responses of one
// message:brain_send event.

// Brain answers a user message with the responses of a message:brain_send
// event, each a JSON object with a "type" (moveo-webhook-event-payloads.txt,
// "Response types"); TextResponse and HandoverResponse build the common
// ones. Returning no responses sends no event: the brain stays silent. A
// handover response hands the session to the desk after the event is
// sent, so the brain answers no more messages until the conversation is
// closed.
//
// The server calls a Brain from the request's goroutine, before answering
// the message's 202, so one may call the Server's inspection methods. A
// Brain that panics or returns a response that is not a JSON object fails
// the test (NewServer) and is answered by a 500.
type Brain func(in BrainInput) []json.RawMessage

// BrainInput is the user message a Brain answers.
type BrainInput struct {
	SessionID         string
	ExternalSessionID string
	// RequestID is the user message's request_id; the brain_send event
	// carries it too.
	RequestID   string
	Text        string
	Attachments []Attachment
	// Context is the session's context after the message's context was
	// merged in.
	Context map[string]any
	// History is the session's messages before this one, oldest first.
	History []Message
}

// EchoBrain is the default Brain: it answers the text with the same text,
// and each attachment with a response of its type and URL.
func EchoBrain(in BrainInput) []json.RawMessage {
	var out []json.RawMessage
	if in.Text != "" {
		out = append(out, TextResponse(in.Text))
	}
	for _, a := range in.Attachments {
		out = append(out, mustJSON(struct {
			Type string `json:"type"`
			URL  string `json:"url"`
			Name string `json:"name,omitempty"`
		}{a.Type, a.URL, a.Filename}))
	}
	return out
}

// QuickReply is an option of a text response: a button with a label whose
// text the channel sends back as a user message.
type QuickReply struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// TextResponse returns a "text" response with optional quick replies.
func TextResponse(text string, options ...QuickReply) json.RawMessage {
	return mustJSON(struct {
		Type    string       `json:"type"`
		Text    string       `json:"text"`
		Options []QuickReply `json:"options,omitempty"`
	}{"text", text, options})
}

// HandoverResponse returns a "handover" response: text is shown during the
// transfer; deskID and departmentID are optional ("" leaves them out).
func HandoverResponse(text, deskID, departmentID string) json.RawMessage {
	return mustJSON(struct {
		Type         string `json:"type"`
		Text         string `json:"text,omitempty"`
		DeskID       string `json:"desk_id,omitempty"`
		DepartmentID string `json:"department_id,omitempty"`
	}{"handover", text, deskID, departmentID})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the package's own types are marshalled
	}
	return b
}

// handover is what a handover response asks for.
type handover struct {
	deskID, departmentID string
}

// runBrain calls b and checks its answer. It returns the responses, the
// handover asked for (nil for none) and an error for a broken Brain.
func (s *Server) runBrain(b Brain, in BrainInput) (responses []json.RawMessage, h *handover, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the Brain panicked: %v\n%s", p, debug.Stack())
		}
	}()
	for i, r := range b(in) {
		var buf bytes.Buffer
		var head map[string]any
		if json.Compact(&buf, r) != nil || json.Unmarshal(buf.Bytes(), &head) != nil || head == nil {
			return nil, nil, fmt.Errorf("the Brain's response %d is not a JSON object: %.200s", i, r)
		}
		typ, ok := head["type"].(string)
		if !ok {
			return nil, nil, fmt.Errorf("the Brain's response %d has no string type: %.200s", i, r)
		}
		if typ == "handover" && h == nil {
			desk, _ := head["desk_id"].(string)
			dept, _ := head["department_id"].(string)
			h = &handover{desk, dept}
		}
		responses = append(responses, json.RawMessage(buf.Bytes()))
	}
	return responses, h, nil
}
