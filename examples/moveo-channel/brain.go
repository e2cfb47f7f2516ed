package main

import (
	"encoding/json"
	"strings"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

// demoBrain stands in for the AI agent configured in Moveo, offline: it
// answers with one of each kind of response a channel must render.
func demoBrain(in moveotest.BrainInput) []json.RawMessage {
	text := strings.ToLower(in.Text)
	switch {
	case strings.Contains(text, "human"):
		return []json.RawMessage{moveotest.HandoverResponse("Sure, let me transfer you to a colleague.", "", "support")}
	case strings.Contains(text, "shoes"):
		return []json.RawMessage{
			moveotest.TextResponse("Here are this week's favourites:"),
			raw(map[string]any{"type": "carousel", "cards": []map[string]any{
				{"title": "Trail Runner", "subtitle": "€89", "buttons": []map[string]any{{"type": "postback", "label": "Buy", "value": "buy trail"}}},
				{"title": "City Walker", "subtitle": "€69", "buttons": []map[string]any{{"type": "url", "label": "Details", "url": "https://shop.example/walker"}}},
			}}),
		}
	case strings.Contains(text, "order"):
		return []json.RawMessage{
			moveotest.TextResponse("Order 1042 is on its way. Here is the invoice and the tracking page."),
			raw(map[string]any{"type": "file", "url": "https://shop.example/invoices/1042.pdf", "name": "invoice-1042.pdf"}),
			raw(map[string]any{"type": "webview", "url": "https://track.example/1042", "label": "Track parcel"}),
		}
	default:
		return []json.RawMessage{moveotest.TextResponse("Hi! I'm the shop's assistant. What can I do for you?",
			moveotest.QuickReply{Label: "Show me shoes", Text: "Show me shoes"},
			moveotest.QuickReply{Label: "Where is my order?", Text: "Where is my order?"},
			moveotest.QuickReply{Label: "Talk to a human", Text: "I want to talk to a human"})}
	}
}

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // a literal above that does not encode is a bug in this file
	}
	return b
}
