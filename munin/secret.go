package munin

import "github.com/botbridge/botbridge/internal/transport"

// Secret is a one-time credential Munin hands out (a widget key, an
// identity verification secret, a webhook secret). Every fmt verb, slog
// and encoding/json print it as [REDACTED], so logging a CreatedWidget or
// a WebhookWithSecret cannot leak it. Value returns it.
type Secret = transport.Secret

// NewSecret wraps s in a Secret.
func NewSecret(s string) Secret { return transport.NewSecret(s) }
