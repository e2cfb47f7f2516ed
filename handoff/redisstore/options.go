package redisstore

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Defaults for the options.
const (
	// DefaultKeyPrefix starts every key the Store writes.
	DefaultKeyPrefix = "botbridge:handoff:"
	// DefaultIdleTTL is how long a record is kept after its Until has
	// passed.
	DefaultIdleTTL = 24 * time.Hour
	// DefaultHintCache is how many conversations' hints a Store keeps.
	DefaultHintCache = 10000
)

// Option configures a [Store] in [New]. An Option that returns an error
// makes New fail; the error names the option.
type Option func(*Store) error

// WithKeyPrefix sets what every key starts with (default
// [DefaultKeyPrefix]), to keep several applications or environments apart
// in one Redis. The prefix must not contain '{' or '}': the key's Redis
// Cluster hash tag is the conversation, and a brace in the prefix would
// make the prefix the tag.
func WithKeyPrefix(prefix string) Option {
	return func(s *Store) error {
		if strings.ContainsAny(prefix, "{}") {
			return fmt.Errorf("redisstore: WithKeyPrefix(%q): the prefix must not contain '{' or '}'", prefix)
		}
		s.prefix = prefix
		return nil
	}
}

// WithIdleTTL sets how long a record is kept once its Until has passed
// (default [DefaultIdleTTL]); d must be positive. Every write sets the
// key's expiry to the time left until the record's Until plus d, rounded
// up to the millisecond. A forgotten record reads as a conversation the bot
// owns, which is what such a record says by then.
func WithIdleTTL(d time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return fmt.Errorf("redisstore: WithIdleTTL(%s): the idle time must be positive", d)
		}
		s.idleTTL = d
		return nil
	}
}

// WithClock sets the clock the Store computes expiries from (default
// time.Now). Tests that move a fake Redis's time forward (such as
// miniredis's FastForward) pass a fake clock here too.
func WithClock(now func() time.Time) Option {
	return func(s *Store) error {
		if now == nil {
			return errors.New("redisstore: WithClock: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithHintCache sets how many conversations the Store remembers the latest
// record of, for [Store.Hint] (default [DefaultHintCache]); 0 disables the
// cache. When it is full, a new conversation takes the place of an
// arbitrary one.
func WithHintCache(n int) Option {
	return func(s *Store) error {
		if n < 0 {
			return fmt.Errorf("redisstore: WithHintCache(%d): the size must not be negative", n)
		}
		s.hintSize = n
		return nil
	}
}
