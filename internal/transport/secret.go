package transport

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Secret prints as.
const redacted = "[REDACTED]"

// Secret holds a credential (an API key, a token, a webhook secret) so that
// nothing prints it by accident: every fmt verb, slog and encoding/json show
// "[REDACTED]", and when a Secret sits in an unexported field, where fmt
// walks by reflection without calling methods, all it reaches is a pointer.
// Value is the one way to read it.
type Secret struct{ value *string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: &s} }

// Value returns the credential itself, for the one place that sends it.
func (s Secret) Value() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports whether s holds no credential (or an empty one).
func (s Secret) IsZero() bool { return s.Value() == "" }

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]".
func (s Secret) GoString() string { return redacted }

// Format prints "[REDACTED]" under every verb.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue keeps the credential out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON keeps the credential out of JSON output.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// UnmarshalJSON reads the secret from a JSON string, so a vendor's one-time
// secret can be decoded straight into a Secret field.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = NewSecret(v)
	return nil
}
