package moveo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/botbridge/botbridge/moveo"
)

// benchBrainSend is a message:brain_send with a text (two quick replies), a
// carousel of two cards, and a handover response: the page's examples,
// with the page's base fields and context.
var benchBrainSend = []byte(strings.Replace(docBrainSend, `"responses": [`,
	`"responses": [`+docText+`,`+strings.Replace(docCarousel, `"cards": [`, `"cards": [`+benchCard+`,`, 1)+`,`+docHandover+`,`, 1))

const benchCard = `{"title":"Product B","subtitle":"$19.99","media":{"type":"video","url":"https://example.com/product-b.mp4"},
"buttons":[{"type":"webview","label":"Configure","url":"https://example.com/configure-b"},{"type":"postback","label":"Buy Now","value":"buy_product_b"}]}`

// BenchmarkParseEvent parses benchBrainSend into its typed event.
func BenchmarkParseEvent(b *testing.B) {
	ev, err := moveo.ParseEvent(benchBrainSend)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(ev.(*moveo.BrainSendEvent).Output.Responses); n != 4 {
		b.Fatalf("%d responses", n)
	}
	b.SetBytes(int64(len(benchBrainSend)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := moveo.ParseEvent(benchBrainSend); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEventMap decodes the same bytes with encoding/json into a
// map[string]any: what a program without typed events would do, and the
// budget's reference (ParseEvent ≤ 1.0× its time, fewer allocations).
func BenchmarkParseEventMap(b *testing.B) {
	b.SetBytes(int64(len(benchBrainSend)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchBrainSend, &m); err != nil {
			b.Fatal(err)
		}
	}
}
