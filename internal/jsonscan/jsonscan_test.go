package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, want string }{
		{`{"botId":"b"}`, "object"},
		{" \t\r\n{}", "object"},
		{`[1]`, "array"},
		{`"x"`, "string"},
		{`true`, "boolean"},
		{`false`, "boolean"},
		{`null`, "null"},
		{`-1`, "number"},
		{`0.5`, "number"},
		{`9e3`, "number"},
		{``, ""},
		{" \n ", ""},
		{`botId=b&to=u`, ""},
		{`}`, ""},
		{"\v{}", ""}, // vertical tab is not JSON white space
		{"\u00a0{}", ""},
	} {
		assert.Equal(t, tt.want, Kind([]byte(tt.raw)), "%q", tt.raw)
	}
}

func TestTrimSpace(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `{ }`, string(TrimSpace([]byte(" \t\r\n{ }"))))
	assert.Equal(t, `x `, string(TrimSpace([]byte(`x `))), "only the start")
	assert.Empty(t, TrimSpace([]byte("  ")))
	assert.Empty(t, TrimSpace(nil))
	assert.Equal(t, "\v1", string(TrimSpace([]byte("\v1"))))
}

func TestIsNull(t *testing.T) {
	t.Parallel()
	assert.True(t, IsNull(nil), "a missing field")
	assert.True(t, IsNull([]byte{}))
	assert.True(t, IsNull([]byte("null")))
	assert.False(t, IsNull([]byte(`"null"`)))
	assert.False(t, IsNull([]byte(" null")), "decoders hand over values without white space")
	assert.False(t, IsNull([]byte("0")))
}

func TestDeeperThan(t *testing.T) {
	t.Parallel()
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tt := range []struct {
		name  string
		data  string
		limit int
		want  bool
	}{
		{"flat object", `{"botId":"b","to":"u"}`, 1, false},
		{"object in an array", `[{"a":1}]`, 2, false},
		{"object in an array, limit 1", `[{"a":1}]`, 1, true},
		{"at the limit", nested(64), 64, false},
		{"one over", nested(65), 64, true},
		{"brackets in strings", `{"a":"[[[[[[[[{{{{{{{{"}`, 2, false},
		{"escaped quote keeps the string open", `{"a":"\"[[[[[[[["}`, 2, false},
		{"escaped backslash ends the string", `{"a":"\\","b":[[[]]]}`, 3, true},
		{"siblings are not nesting", `[[],[],[],[],[],[]]`, 2, false},
		{"many brackets, shallow", `[` + strings.Repeat(`[],`, 100) + `[]]`, 2, false},
		{"empty", ``, 0, false},
		{"scalar", `1`, 0, false},
		{"limit 0", `{}`, 0, true},
	} {
		assert.Equal(t, tt.want, DeeperThan([]byte(tt.data), tt.limit), tt.name)
	}
}

// The seeds of FuzzDeeperThan: vendor payloads of every shape the parsers
// see, and the hostile ones the guard is for.
var seeds = []string{
	// Certainly's claim (certainly-handover-flow.txt, step 1B).
	`{"attachedMedia":"url_to_the_file","reply":"VarWebhook","botId":"","direction":"out","extractedData":{ },` +
		`"lastName":"last_name taken from facebook if available","sessionId":"","customVariables":{ },"from":"token",` +
		`"firstName":"first_name taken from facebook if available","to":"user_id","replyData":"","moduleId":"","botTrainedModelId":""}`,
	`{"interlocutor":"user","message":"Where is my parcel?","botId":"b","userId":"u"}`,
	`{"event_type":"message:brain_send","output":{"responses":[{"type":"text","texts":["Hi"]},{"type":"carousel","cards":[{"title":"[x]"}]}]}}`,
	`{"type":"conversation.message.sent","payload":{"message":{"body":"say \"[\" and \\"}}}`,
	strings.Repeat("[", 200),
	strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat("}", 100),
	`]]]][[[[`,
	`"\`,
	``,
	`[1E700,{"n":-1e-700}]`, // valid JSON that overflows a float64
}

// maxDepth is how deeply a valid JSON value nests, measured by
// encoding/json's tokenizer. Numbers stay text, so one that overflows a
// float64 (1E700) is still valid JSON here, as it is to json.Valid.
func maxDepth(t *testing.T, data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return deepest
		}
		require.NoError(t, err)
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			deepest = max(deepest, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// FuzzDeeperThan checks DeeperThan against encoding/json's own reading of
// every valid input, at limits around its true depth, and that it never
// panics and is monotonic in the limit on any input.
func FuzzDeeperThan(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for limit := range 8 {
			if DeeperThan(data, limit+1) {
				assert.True(t, DeeperThan(data, limit), "deeper than %d but not than %d", limit+1, limit)
			}
		}
		if !json.Valid(data) || len(data) > 1<<16 {
			return
		}
		d := maxDepth(t, data)
		for _, limit := range []int{0, d - 1, d, d + 1, 64} {
			if limit >= 0 {
				assert.Equal(t, d > limit, DeeperThan(data, limit), "depth %d, limit %d", d, limit)
			}
		}
	})
}

// FuzzKind checks Kind against what encoding/json decodes from every valid
// input.
func FuzzKind(f *testing.F) {
	for _, s := range append(seeds, `"x"`, ` true`, `null`, `-0.5e3`, `[]`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind := Kind(data)
		assert.Contains(t, []string{"", "object", "array", "string", "boolean", "null", "number"}, kind)
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // 1E700 is a number even though no float64 holds it
		if dec.Decode(&v) != nil || dec.InputOffset() != int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			return
		}
		want := "null"
		switch v.(type) {
		case map[string]any:
			want = "object"
		case []any:
			want = "array"
		case string:
			want = "string"
		case bool:
			want = "boolean"
		case json.Number:
			want = "number"
		}
		assert.Equal(t, want, kind)
	})
}
