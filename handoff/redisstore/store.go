package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/botbridge/botbridge/handoff"
)

// The fields of a record's hash.
const (
	fieldVersion = "v" // the version, in decimal
	fieldRecord  = "r" // handoff.Record.MarshalBinary
)

// casScript is the compare-and-swap: one script, so the comparison and the
// write are atomic, and one key, KEYS[1], so Redis Cluster runs it on the
// node that holds the conversation.
//
// ARGV: 1 the expected version ("0": no record), 2 the next version, 3 the
// next record's bytes, 4 the key's TTL in milliseconds ("0": no TTL).
// It returns 1 when it stored the record, and otherwise the stored version
// and bytes ("0" and "" when there is no record), so the caller can retry
// without reading again.
var casScript = redis.NewScript(casSource)

const casSource = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'r')
local v = cur[1] or '0'
if v ~= ARGV[1] then
	return {v, cur[2] or ''}
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
if ARGV[4] == '0' then
	redis.call('PERSIST', KEYS[1])
else
	redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
`

// Store is a [handoff.Store] that keeps its records in Redis, so that bot
// replicas sharing the Redis share the conversations' owners. It also
// implements [handoff.Hinter]. It is safe for concurrent use.
type Store struct {
	client   redis.UniversalClient
	prefix   string
	idleTTL  time.Duration
	now      func() time.Time
	hintSize int
	hints    *hintCache // nil when disabled
}

var (
	_ handoff.Store  = (*Store)(nil)
	_ handoff.Hinter = (*Store)(nil)
)

// New returns a Store that keeps records through client, which may be a
// single-node, Sentinel or Cluster client. The Store does not close the
// client. A nil client or a bad option is an error.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	s := &Store{
		client:   client,
		prefix:   DefaultKeyPrefix,
		idleTTL:  DefaultIdleTTL,
		now:      time.Now,
		hintSize: DefaultHintCache,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("redisstore: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	s.hints = newHintCache(s.hintSize)
	return s, nil
}

// Key returns the Redis key of conversation's record: the prefix, then the
// conversation in braces, which makes the conversation the key's Redis
// Cluster hash tag.
func (s *Store) Key(conversation string) string {
	return s.prefix + "{" + conversation + "}"
}

// Get returns the record of conversation, or the zero Record when Redis
// holds none. It costs one round trip (HMGET). Bytes that are not a record,
// or a record whose version is not the one stored beside it, give an error
// wrapping [handoff.ErrInvalidRecord].
func (s *Store) Get(ctx context.Context, conversation string) (handoff.Record, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Record{}, fmt.Errorf("redisstore: get %q: %w", conversation, err)
	}
	vals, err := s.client.HMGet(ctx, s.Key(conversation), fieldVersion, fieldRecord).Result()
	if err != nil {
		return handoff.Record{}, fmt.Errorf("redisstore: get %q: %w", conversation, err)
	}
	if len(vals) != 2 {
		return handoff.Record{}, fmt.Errorf("redisstore: get %q: HMGET returned %d values, not 2", conversation, len(vals))
	}
	v, _ := vals[0].(string)
	b, _ := vals[1].(string)
	r, err := decode(v, b)
	if err != nil {
		return handoff.Record{}, fmt.Errorf("redisstore: get %q: %w", conversation, err)
	}
	s.hints.put(conversation, r)
	return r, nil
}

// CompareAndSwap stores next as the record of conversation if the stored
// version is expected, as [handoff.Store] says. It costs one round trip
// (EVALSHA of a script that compares and writes), and one more the first
// time after Redis lost its script cache (the EVAL that reloads it). A
// mismatch returns the stored record from the same round trip.
//
// The key's TTL becomes the time left until next.Until plus the idle TTL;
// a record that is not the bot's and has no Until never ends by itself, so
// it gets no TTL.
func (s *Store) CompareAndSwap(ctx context.Context, conversation string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	fail := func(err error) (handoff.Record, bool, error) {
		return handoff.Record{}, false, fmt.Errorf("redisstore: compare-and-swap %q: %w", conversation, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if next.Version <= expected {
		return fail(fmt.Errorf("next version %d is not greater than expected version %d", next.Version, expected))
	}
	b, err := next.MarshalBinary()
	if err != nil {
		return fail(err)
	}
	res, err := casScript.Run(ctx, s.client, []string{s.Key(conversation)},
		strconv.FormatUint(expected, 10), strconv.FormatUint(next.Version, 10), b, s.ttlMillis(&next)).Result()
	if err != nil {
		return fail(err)
	}
	switch res := res.(type) {
	case int64:
		if res != 1 {
			return fail(fmt.Errorf("script returned %d", res))
		}
		s.hints.put(conversation, next)
		return next, true, nil
	case []any:
		if len(res) != 2 {
			return fail(fmt.Errorf("script returned %d values, not 2", len(res)))
		}
		v, _ := res[0].(string)
		b, _ := res[1].(string)
		if v == "0" && b == "" {
			v = "" // no record
		}
		current, err := decode(v, b)
		if err != nil {
			return fail(err)
		}
		s.hints.put(conversation, current)
		return current, false, nil
	}
	return fail(fmt.Errorf("script returned a %T", res))
}

// Delete removes the record of conversation (DEL, one round trip).
func (s *Store) Delete(ctx context.Context, conversation string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", conversation, err)
	}
	// Forget the hint first: should DEL fail after Redis applied it, a
	// hint that outlived the record would only cost a round trip, but
	// there is no reason to keep one.
	s.hints.remove(conversation)
	if err := s.client.Del(ctx, s.Key(conversation)).Err(); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", conversation, err)
	}
	return nil
}

// Hint returns the record this Store last read or wrote for conversation,
// which may be out of date, and false when it has none (or the hint cache
// is disabled). It does not touch Redis. [handoff.Controller] uses it to
// store an event in one round trip.
func (s *Store) Hint(conversation string) (handoff.Record, bool) {
	return s.hints.get(conversation)
}

// ttlMillis returns the TTL of a key holding r, in milliseconds, as a
// decimal string: "0" for none.
func (s *Store) ttlMillis(r *handoff.Record) string {
	if r.Until.IsZero() && r.State != handoff.Bot {
		return "0"
	}
	left := max(r.Until.Sub(s.now()), 0) // Sub saturates
	ttl := time.Duration(math.MaxInt64)
	if left < ttl-s.idleTTL {
		ttl = left + s.idleTTL
	}
	ms := ttl / time.Millisecond
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return strconv.FormatInt(int64(ms), 10)
}

// decode returns the record stored as version v and bytes b; both empty
// mean no record.
func decode(v, b string) (handoff.Record, error) {
	if v == "" && b == "" {
		return handoff.Record{}, nil
	}
	var r handoff.Record
	if err := r.UnmarshalBinary([]byte(b)); err != nil {
		return handoff.Record{}, err
	}
	if strconv.FormatUint(r.Version, 10) != v {
		return handoff.Record{}, fmt.Errorf("%w: version %d, but the key's version field is %q", handoff.ErrInvalidRecord, r.Version, v)
	}
	return r, nil
}
