package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

// intents are what the offline AI agent answers, by a word of the user's
// message, first match first. Between them they use each of the nine
// response types Moveo documents, so the channel has to render them all.
var intents = []struct {
	word   string
	answer []moveo.Response
}{
	{"human", []moveo.Response{
		// A handover response makes the fake give the conversation to its
		// desk, as Moveo does: the AI agent answers no more.
		moveo.Handover{Text: "Sure, let me transfer you to a colleague.", DepartmentID: "support"},
	}},
	{"shoes", []moveo.Response{
		moveo.Text{Text: "Here are this week's favourites:"},
		moveo.Pause{},
		moveo.Carousel{Cards: []moveo.Card{{
			Title: "Trail Runner", Subtitle: "€89",
			Media: &moveo.CardMedia{Type: "image", URL: "https://shop.example/img/trail.jpg"},
			Buttons: []moveo.CardButton{
				{Type: moveo.ButtonPostback, Label: "Buy", Value: "buy trail runner"},
				{Type: moveo.ButtonURL, Label: "Details", URL: "https://shop.example/trail"},
			},
		}, {
			Title: "City Walker", Subtitle: "€69",
			Buttons: []moveo.CardButton{
				{Type: moveo.ButtonPostback, Label: "Buy", Value: "buy city walker"},
				{Type: moveo.ButtonWebview, Label: "Size guide", URL: "https://shop.example/sizes"},
			},
		}}},
	}},
	{"buy trail runner", []moveo.Response{ // the first card's postback
		moveo.Text{Text: "Added to your cart. Here it is from the side:"},
		moveo.Image{URL: "https://shop.example/img/trail-side.jpg", Name: "Trail Runner, side view"},
	}},
	{"buy city walker", []moveo.Response{
		moveo.Text{Text: "Added to your cart. Here it is from the side:"},
		moveo.Image{URL: "https://shop.example/img/walker-side.jpg", Name: "City Walker, side view"},
	}},
	{"lace", []moveo.Response{
		moveo.Video{URL: "https://shop.example/video/lacing.mp4", Name: "Lacing tutorial"},
		moveo.Audio{URL: "https://shop.example/audio/fit.mp3", Name: "Fitting tips from our shoe expert"},
	}},
	{"order", []moveo.Response{
		moveo.Text{Text: "Order 1042 is on its way. Here are the invoice and the tracking page."},
		moveo.File{URL: "https://shop.example/invoices/1042.pdf", Name: "invoice-1042.pdf", Size: ptr(int64(48213))},
		moveo.Webview{URL: "https://track.example/1042", Label: "Track parcel", Height: moveo.WebviewTall},
	}},
}

// greeting is the answer to everything else: a text with quick replies.
var greeting = moveo.Text{Text: "Hi! I'm the shop's assistant. What can I do for you?", Options: []moveo.QuickReply{
	{Label: "Show me shoes", Text: "Show me shoes"},
	{Label: "Where is my order?", Text: "Where is my order?"},
	{Label: "Talk to a human", Text: "I want to talk to a human"},
}}

// demoBrain returns the AI agent that the fake Moveo runs offline, in
// place of the one configured in Moveo's console. The answers are encoded
// once, here, so that a mistake in them is an error at start-up.
func demoBrain() (moveotest.Brain, error) {
	encode := func(rs ...moveo.Response) ([]json.RawMessage, error) {
		out := make([]json.RawMessage, len(rs))
		for i, r := range rs {
			b, err := json.Marshal(r)
			if err != nil {
				return nil, fmt.Errorf("demo brain: %s response: %w", r.ResponseType(), err)
			}
			out[i] = b
		}
		return out, nil
	}
	answers := make([][]json.RawMessage, len(intents))
	for i, in := range intents {
		var err error
		if answers[i], err = encode(in.answer...); err != nil {
			return nil, err
		}
	}
	hello, err := encode(greeting)
	if err != nil {
		return nil, err
	}
	return func(in moveotest.BrainInput) []json.RawMessage {
		text := strings.ToLower(in.Text)
		for i, intent := range intents {
			if strings.Contains(text, intent.word) {
				return slices.Clone(answers[i])
			}
		}
		return slices.Clone(hello)
	}, nil
}

func ptr[T any](v T) *T { return &v }
