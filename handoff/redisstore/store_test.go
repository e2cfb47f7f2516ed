package redisstore_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
	"github.com/botbridge/botbridge/handoff/redisstore"
)

var t0 = time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC)

// humanRecord is a record with every field set, as a human message at at
// leaves it.
func humanRecord(version uint64, at time.Time) handoff.Record {
	r := handoff.Record{
		Version:   version,
		State:     handoff.Human,
		Reason:    handoff.HumanActive,
		Since:     at,
		Until:     at.Add(handoff.DefaultGrace),
		LastHuman: at,
	}
	r.Recent[0] = version ^ 0x5bd1e995
	return r
}

// newStore returns a Store on a fresh miniredis, with the server.
func newStore(t *testing.T, opts ...redisstore.Option) (*redisstore.Store, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	s, err := redisstore.New(miniClient(t, mr), opts...)
	require.NoError(t, err)
	return s, mr
}

func TestStoreContract(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newClient func() redis.UniversalClient) {
		client := newClient()
		handofftest.RunStoreTests(t, func(t *testing.T) handoff.Store {
			s, err := redisstore.New(client, redisstore.WithKeyPrefix(testPrefix(t, client)))
			require.NoError(t, err)
			return s
		})
	})
}

func TestNew(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = client.Close() })
	tests := []struct {
		name    string
		client  redis.UniversalClient
		opts    []redisstore.Option
		wantErr string // "" for none
	}{
		{name: "defaults", client: client},
		{name: "nil client", wantErr: "redisstore: nil client"},
		{name: "nil option", client: client, opts: []redisstore.Option{nil}, wantErr: "nil Option"},
		{name: "empty prefix", client: client, opts: []redisstore.Option{redisstore.WithKeyPrefix("")}},
		{name: "prefix with {", client: client, opts: []redisstore.Option{redisstore.WithKeyPrefix("app{1}:")}, wantErr: "WithKeyPrefix"},
		{name: "prefix with }", client: client, opts: []redisstore.Option{redisstore.WithKeyPrefix("app}:")}, wantErr: "WithKeyPrefix"},
		{name: "idle TTL 1ns", client: client, opts: []redisstore.Option{redisstore.WithIdleTTL(time.Nanosecond)}},
		{name: "idle TTL 0", client: client, opts: []redisstore.Option{redisstore.WithIdleTTL(0)}, wantErr: "WithIdleTTL"},
		{name: "idle TTL negative", client: client, opts: []redisstore.Option{redisstore.WithIdleTTL(-time.Hour)}, wantErr: "WithIdleTTL"},
		{name: "nil clock", client: client, opts: []redisstore.Option{redisstore.WithClock(nil)}, wantErr: "WithClock"},
		{name: "no hint cache", client: client, opts: []redisstore.Option{redisstore.WithHintCache(0)}},
		{name: "negative hint cache", client: client, opts: []redisstore.Option{redisstore.WithHintCache(-1)}, wantErr: "WithHintCache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.opts...)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.NotNil(t, s)
				return
			}
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "redisstore: "), err.Error())
		})
	}
}

// hashTag returns the part of key Redis Cluster hashes: the text between
// the first '{' and the first '}' after it, when not empty (Redis Cluster
// specification, "Hash tags").
func hashTag(key string) string {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if n := strings.IndexByte(key[open+1:], '}'); n > 0 {
			return key[open+1 : open+1+n]
		}
	}
	return key
}

func TestKeyLayout(t *testing.T) {
	s, mr := newStore(t, redisstore.WithKeyPrefix("app:"))
	rec := humanRecord(1_777_000_000_000_000_001, t0)
	_, swapped, err := s.CompareAndSwap(t.Context(), "ccv_1", 0, rec)
	require.NoError(t, err)
	require.True(t, swapped)

	const key = "app:{ccv_1}"
	assert.Equal(t, key, s.Key("ccv_1"))
	assert.Equal(t, []string{key}, mr.Keys())
	assert.Equal(t, "hash", mr.Type(key))
	fields, err := mr.HKeys(key)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v", "r"}, fields)
	assert.Equal(t, "1777000000000000001", mr.HGet(key, "v"))
	want, err := rec.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, string(want), mr.HGet(key, "r"))

	def, err := redisstore.New(miniClient(t, mr))
	require.NoError(t, err)
	assert.Equal(t, "botbridge:handoff:{ccv_1}", def.Key("ccv_1"))
	for _, conv := range []string{"ccv_1", "a:b", "{x", "session 42", "ü"} {
		assert.Equal(t, conv, hashTag(def.Key(conv)), "hash tag of %q", def.Key(conv))
		assert.Equal(t, conv, hashTag(s.Key(conv)), "hash tag of %q", s.Key(conv))
	}
}

// The script may touch only KEYS[1], the conversation's key: that is what
// lets Redis Cluster run it (a script's keys must all be in one slot, and
// must all be declared). miniredis has no cluster mode, so this reads the
// script, then checks the command that goes out declares that one key.
func TestScriptTouchesOnlyItsKey(t *testing.T) {
	src := redisstore.CASSource
	keys := regexp.MustCompile(`KEYS\[[^\]]*\]`).FindAllString(src, -1)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		assert.Equal(t, "KEYS[1]", k)
	}
	assert.Equal(t, len(keys), strings.Count(src, "KEYS"), "KEYS used other than as KEYS[1]")
	calls := regexp.MustCompile(`redis\.p?call\(\s*'(\w+)'\s*,\s*([^,)]+)`).FindAllStringSubmatch(src, -1)
	require.Len(t, calls, strings.Count(src, "call("), "a redis.call the pattern does not parse")
	for _, c := range calls {
		assert.Equal(t, "KEYS[1]", c[2], "the key of %s", c[1])
	}

	mr := miniredis.RunT(t)
	client := miniClient(t, mr)
	rt := countRoundTrips(client)
	s, err := redisstore.New(client)
	require.NoError(t, err)
	_, _, err = s.CompareAndSwap(t.Context(), "ccv_1", 0, humanRecord(1, t0))
	require.NoError(t, err)
	args := rt.lastArgs() // eval <script> <numkeys> <keys...> <args...>
	require.GreaterOrEqual(t, len(args), 4)
	assert.Equal(t, "1", toString(args[2]), "numkeys")
	assert.Equal(t, s.Key("ccv_1"), args[3])
}

func toString(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	return ""
}

func TestDecodeErrors(t *testing.T) {
	valid, err := humanRecord(7, t0).MarshalBinary()
	require.NoError(t, err)
	tests := []struct {
		name   string
		fields []string
	}{
		{"garbage bytes", []string{"v", "7", "r", "not a record"}},
		{"version mismatch", []string{"v", "8", "r", string(valid)}},
		{"version not a number", []string{"v", "seven", "r", string(valid)}},
		{"no bytes", []string{"v", "7"}},
		{"no version", []string{"r", string(valid)}},
		{"empty bytes", []string{"v", "7", "r", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, mr := newStore(t)
			mr.HSet(s.Key("ccv_1"), tt.fields...)

			_, err := s.Get(t.Context(), "ccv_1")
			require.ErrorIs(t, err, handoff.ErrInvalidRecord)
			assert.Contains(t, err.Error(), `redisstore: get "ccv_1": `)

			// A mismatch returns the stored record, which does not decode.
			_, swapped, err := s.CompareAndSwap(t.Context(), "ccv_1", 1, humanRecord(2, t0))
			require.ErrorIs(t, err, handoff.ErrInvalidRecord)
			assert.False(t, swapped)
			assert.Contains(t, err.Error(), `redisstore: compare-and-swap "ccv_1": `)
			_, hinted := s.Hint("ccv_1")
			assert.False(t, hinted, "an undecodable record left a hint")
		})
	}

	t.Run("not a hash", func(t *testing.T) {
		s, mr := newStore(t)
		require.NoError(t, mr.Set(s.Key("ccv_1"), "a string"))
		_, err := s.Get(t.Context(), "ccv_1")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `redisstore: get "ccv_1": WRONGTYPE`)
		_, _, err = s.CompareAndSwap(t.Context(), "ccv_1", 0, humanRecord(2, t0))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `redisstore: compare-and-swap "ccv_1": `)
		assert.Contains(t, err.Error(), "WRONGTYPE")
	})
}

func TestCompareAndSwapRefusesVersionNotAfterExpected(t *testing.T) {
	s, mr := newStore(t)
	for _, tc := range []struct{ expected, next uint64 }{{0, 0}, {5, 5}, {6, 5}} {
		_, swapped, err := s.CompareAndSwap(t.Context(), "ccv_1", tc.expected, humanRecord(tc.next, t0))
		require.Error(t, err)
		assert.False(t, swapped)
		assert.Contains(t, err.Error(), "is not greater than expected version")
	}
	assert.Empty(t, mr.Keys())
}

func TestExpiry(t *testing.T) {
	clock := handofftest.NewClock(t0)
	s, mr := newStore(t, redisstore.WithClock(clock.Now), redisstore.WithIdleTTL(time.Hour))
	ctx := t.Context()
	write := func(conv string, expected uint64, r handoff.Record) {
		t.Helper()
		_, swapped, err := s.CompareAndSwap(ctx, conv, expected, r)
		require.NoError(t, err)
		require.True(t, swapped)
	}

	// The time left until Until, plus the idle TTL.
	write("human", 0, humanRecord(1, t0)) // until t0+30m
	assert.Equal(t, 90*time.Minute, mr.TTL(s.Key("human")))

	// An Until in the past, or none, leaves the idle TTL.
	write("past", 0, humanRecord(1, t0.Add(-2*time.Hour)))
	assert.Equal(t, time.Hour, mr.TTL(s.Key("past")))
	write("bot", 0, handoff.Record{Version: 1, Reason: handoff.HandedBack, Since: t0})
	assert.Equal(t, time.Hour, mr.TTL(s.Key("bot")))

	// An Until centuries away saturates instead of overflowing.
	far := humanRecord(1, t0)
	far.Until = t0.AddDate(200, 0, 0)
	write("far", 0, far)
	assert.Equal(t, far.Until.Sub(t0)+time.Hour, mr.TTL(s.Key("far")))

	// Every write sets the TTL again.
	clock.Advance(20 * time.Minute)
	mr.FastForward(20 * time.Minute)
	assert.Equal(t, 70*time.Minute, mr.TTL(s.Key("human")))
	write("human", 1, humanRecord(2, clock.Now()))
	assert.Equal(t, 90*time.Minute, mr.TTL(s.Key("human")))

	// A record that is not the bot's and has no Until never ends by
	// itself: no TTL, even where there was one.
	waiting := handoff.Record{Version: 3, State: handoff.Pending, Reason: handoff.HandoffPending, Since: clock.Now()}
	write("human", 2, waiting)
	assert.Zero(t, mr.TTL(s.Key("human")))
	assert.True(t, mr.Exists(s.Key("human")))

	// Redis forgets a record when its TTL runs out; it then reads as the
	// bot's conversation.
	write("expiring", 0, humanRecord(1, clock.Now()))
	mr.FastForward(90*time.Minute - time.Millisecond)
	got, err := s.Get(ctx, "expiring")
	require.NoError(t, err)
	assert.Equal(t, uint64(1), got.Version)
	mr.FastForward(time.Millisecond)
	got, err = s.Get(ctx, "expiring")
	require.NoError(t, err)
	assert.Equal(t, handoff.Record{}, got)
}

func TestExpiryRoundsUpToMilliseconds(t *testing.T) {
	s, mr := newStore(t, redisstore.WithClock(handofftest.NewClock(t0).Now), redisstore.WithIdleTTL(1500*time.Microsecond))
	_, swapped, err := s.CompareAndSwap(t.Context(), "ccv_1", 0, handoff.Record{Version: 1})
	require.NoError(t, err)
	require.True(t, swapped)
	assert.Equal(t, 2*time.Millisecond, mr.TTL(s.Key("ccv_1")))
}

func TestHints(t *testing.T) {
	mr := miniredis.RunT(t)
	s, err := redisstore.New(miniClient(t, mr))
	require.NoError(t, err)
	other, err := redisstore.New(miniClient(t, mr)) // another replica
	require.NoError(t, err)
	ctx := t.Context()
	hint := func(conv string) *handoff.Record {
		if r, ok := s.Hint(conv); ok {
			return &r
		}
		return nil
	}

	assert.Nil(t, hint("ccv_1"), "a hint before any read")
	_, err = s.Get(ctx, "ccv_1")
	require.NoError(t, err)
	assert.Equal(t, &handoff.Record{}, hint("ccv_1"), "after reading no record")

	r1, r2, r3 := humanRecord(1, t0), humanRecord(2, t0.Add(time.Minute)), humanRecord(3, t0.Add(2*time.Minute))
	_, _, err = s.CompareAndSwap(ctx, "ccv_1", 0, r1)
	require.NoError(t, err)
	assert.Equal(t, &r1, hint("ccv_1"), "after a swap")

	_, swapped, err := other.CompareAndSwap(ctx, "ccv_1", 1, r2)
	require.NoError(t, err)
	require.True(t, swapped)
	assert.Equal(t, &r1, hint("ccv_1"), "a hint is this Store's: another's write does not change it")
	current, swapped, err := s.CompareAndSwap(ctx, "ccv_1", 1, r3)
	require.NoError(t, err)
	require.False(t, swapped)
	assert.Equal(t, r2, current)
	assert.Equal(t, &r2, hint("ccv_1"), "after a failed swap")

	require.NoError(t, s.Delete(ctx, "ccv_1"))
	assert.Nil(t, hint("ccv_1"), "after a delete")

	t.Run("disabled", func(t *testing.T) {
		s, err := redisstore.New(miniClient(t, mr), redisstore.WithHintCache(0))
		require.NoError(t, err)
		_, err = s.Get(ctx, "ccv_1")
		require.NoError(t, err)
		_, ok := s.Hint("ccv_1")
		assert.False(t, ok)
	})

	t.Run("bounded", func(t *testing.T) {
		s, err := redisstore.New(miniClient(t, mr), redisstore.WithHintCache(2))
		require.NoError(t, err)
		convs := []string{"c1", "c2", "c3", "c4"}
		for _, conv := range convs {
			_, err := s.Get(ctx, conv)
			require.NoError(t, err)
		}
		held := 0
		for _, conv := range convs {
			if _, ok := s.Hint(conv); ok {
				held++
			}
		}
		assert.Equal(t, 2, held)
		_, ok := s.Hint("c4")
		assert.True(t, ok, "the latest conversation read has a hint")
	})
}

func TestErrors(t *testing.T) {
	t.Run("cancelled context", func(t *testing.T) {
		s, _ := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := s.Get(ctx, "ccv_1")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), `redisstore: get "ccv_1": `)
		_, _, err = s.CompareAndSwap(ctx, "ccv_1", 0, humanRecord(1, t0))
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), `redisstore: compare-and-swap "ccv_1": `)
		err = s.Delete(ctx, "ccv_1")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), `redisstore: delete "ccv_1": `)
	})

	// Neither a refused password nor a lost server puts the password in
	// an error.
	t.Run("no password in errors", func(t *testing.T) {
		const password = "s3cret-pw-0x5bd1"
		mr := miniredis.RunT(t)
		mr.RequireAuth(password)
		connect := func(password string) *redisstore.Store {
			client := redis.NewClient(&redis.Options{Addr: mr.Addr(), Password: password, MaxRetries: -1, DialerRetries: 1})
			t.Cleanup(func() { _ = client.Close() })
			s, err := redisstore.New(client)
			require.NoError(t, err)
			return s
		}
		_, err := connect(password+"-wrong").Get(t.Context(), "ccv_1")
		require.Error(t, err)
		assert.NotContains(t, err.Error(), password)

		s := connect(password)
		_, err = s.Get(t.Context(), "ccv_1")
		require.NoError(t, err)
		mr.Close()
		_, err = s.Get(t.Context(), "ccv_1")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `redisstore: get "ccv_1": `)
		assert.NotContains(t, err.Error(), password)
		_, _, err = s.CompareAndSwap(t.Context(), "ccv_1", 0, humanRecord(1, t0))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), password)
	})
}

// The first compare-and-swap after Redis lost its scripts costs the
// documented extra round trip, and works.
func TestScriptCacheLost(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newClient func() redis.UniversalClient) {
		client := newClient()
		s, err := redisstore.New(client, redisstore.WithKeyPrefix(testPrefix(t, client)))
		require.NoError(t, err)
		rt := countRoundTrips(client)
		ctx := t.Context()
		_, _, err = s.CompareAndSwap(ctx, "warm-up", 0, humanRecord(1, t0))
		require.NoError(t, err)

		require.NoError(t, client.ScriptFlush(ctx).Err())
		var swapped bool
		sent := rt.during(func() { _, swapped, err = s.CompareAndSwap(ctx, "ccv_1", 0, humanRecord(1, t0)) })
		require.NoError(t, err)
		assert.True(t, swapped)
		assert.Equal(t, []string{"evalsha", "eval"}, sent)

		sent = rt.during(func() { _, swapped, err = s.CompareAndSwap(ctx, "ccv_1", 1, humanRecord(2, t0)) })
		require.NoError(t, err)
		assert.True(t, swapped)
		assert.Equal(t, []string{"evalsha"}, sent)
	})
}
