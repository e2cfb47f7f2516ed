package altabotstest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchReply is a desk reply as the altabots client sends it.
const benchReply = `{"conversation_id":"67d8db020fa31d1ef64f53d0","timestamp":1742265090895,"body":"Hi, I'm Dana. Let me look into your order."}`

func BenchmarkParseServed(b *testing.B) {
	raw := []byte(benchReply)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseServed(raw, true); err != nil {
			b.Fatal(err.message)
		}
	}
}

// BenchmarkServeReply is one reply through the API's handler: log, key,
// quota, decode, record.
func BenchmarkServeReply(b *testing.B) {
	s, err := New(WithRateLimit(1<<62, DefaultRateWindow))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := &conversation{id: "67d8db020fa31d1ef64f53d0", state: StateActive}
	s.convs[c.id] = c
	s.order = append(s.order, c)
	auth := "Bearer " + s.APIKey()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, pathMessageReceive, strings.NewReader(benchReply))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.serveAPI(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Body.String())
		}
	}
}
