package altabots

import (
	"context"
	"net/http"
	"testing"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// noopDesk accepts every call.
type noopDesk struct{}

func (noopDesk) Establish(context.Context, *EstablishRequest) error { return nil }
func (noopDesk) Chat(context.Context, *ChatRequest) error           { return nil }
func (noopDesk) Close(context.Context, *CloseRequest) error         { return nil }

// BenchmarkHandlerEstablish serves the handoff page's establish body:
// route, method, bearer token (constant-time), Content-Type, body read
// through the cap, decode and validation, a no-op Desk, and the success
// answer. Budget: ≤ 15 µs/op.
//
//	go test -run '^$' -bench BenchmarkHandlerEstablish -benchmem -count 6 ./altabots/
func BenchmarkHandlerEstablish(b *testing.B) {
	h, err := NewHandler(noopDesk{}, WithAuthenticator(bearer(b)))
	if err != nil {
		b.Fatal(err)
	}
	clienttest.BenchServe(b, h, http.MethodPost, DefaultEstablishPath,
		http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + testToken}},
		[]byte(docEstablish), http.StatusOK)
}

// BenchmarkParseEstablish is the decoding share of the above.
func BenchmarkParseEstablish(b *testing.B) {
	clienttest.BenchParse(b, []byte(docEstablish), ParseEstablish)
}
