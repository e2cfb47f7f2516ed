package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Real Redis: set BOTBRIDGE_REDIS_URL (redis://host:port/db, password
// included if any) to run the tests and benchmarks that need one. CI also
// sets BOTBRIDGE_REQUIRE_REDIS=1, which turns their skip into a failure, so
// a CI run never passes without having talked to Redis.
const (
	envRedisURL     = "BOTBRIDGE_REDIS_URL"
	envRequireRedis = "BOTBRIDGE_REQUIRE_REDIS"
)

// realRedis returns a new client of the Redis at $BOTBRIDGE_REDIS_URL,
// closed when tb ends. Without the variable it skips tb, or fails it when
// BOTBRIDGE_REQUIRE_REDIS=1. The URL may hold a password, so it is never
// printed.
func realRedis(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	client := redis.NewClient(realRedisOptions(tb))
	tb.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("%s: PING: %v", envRedisURL, err)
	}
	return client
}

// realRedisOptions returns the client options $BOTBRIDGE_REDIS_URL gives,
// skipping or failing tb as realRedis does.
func realRedisOptions(tb testing.TB) *redis.Options {
	tb.Helper()
	raw := os.Getenv(envRedisURL)
	if raw == "" {
		if os.Getenv(envRequireRedis) == "1" {
			tb.Fatalf("%s=1 but %s is not set: this run must test against a real Redis", envRequireRedis, envRedisURL)
		}
		tb.Skipf("needs a real Redis: set %s=redis://127.0.0.1:6379/0", envRedisURL)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		// A *url.Error quotes the whole URL, password included: keep only
		// what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		tb.Fatalf("%s is not a Redis URL: %v", envRedisURL, err)
	}
	return opts
}

// miniClient returns a new client of mr, closed when tb ends.
func miniClient(tb testing.TB, mr *miniredis.Miniredis) redis.UniversalClient {
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// A backend is a Redis to run a test against. server starts (or finds) one
// and returns a function that makes clients of it.
type backend struct {
	name   string
	server func(t *testing.T) (newClient func() redis.UniversalClient)
}

var backends = []backend{
	{"miniredis", func(t *testing.T) func() redis.UniversalClient {
		mr := miniredis.RunT(t)
		return func() redis.UniversalClient { return miniClient(t, mr) }
	}},
	{"redis", func(t *testing.T) func() redis.UniversalClient {
		t.Helper()
		realRedis(t) // skips or fails before the test starts
		return func() redis.UniversalClient { return realRedis(t) }
	}},
}

// forEachBackend runs test as a subtest per backend.
func forEachBackend(t *testing.T, test func(t *testing.T, newClient func() redis.UniversalClient)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.server(t)) })
	}
}

// testPrefix returns a key prefix no other test run uses, and deletes the
// keys under it when tb ends, so tests can share a real Redis with each
// other and with anything else.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	tb.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "botbridge-test:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("cleaning up %s*: %v", prefix, err)
			return
		}
		for chunk := range slices.Chunk(keys, 500) {
			if err := client.Del(ctx, chunk...).Err(); err != nil {
				tb.Errorf("cleaning up %s*: %v", prefix, err)
				return
			}
		}
	})
	return prefix
}

// roundTrips is a go-redis hook that counts the commands and pipelines a
// client sends: one each is one round trip. A new connection's handshake
// is a pipeline too, which is why the tests warm their clients up first.
type roundTrips struct {
	mu   sync.Mutex
	sent []string // a command's name, or "pipeline(names...)"
	args [][]any  // the arguments of each command sent alone
}

func countRoundTrips(client redis.UniversalClient) *roundTrips {
	rt := &roundTrips{}
	client.AddHook(rt)
	return rt
}

func (rt *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (rt *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		rt.mu.Lock()
		rt.sent = append(rt.sent, cmd.Name())
		rt.args = append(rt.args, slices.Clone(cmd.Args()))
		rt.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (rt *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, len(cmds))
		for i, cmd := range cmds {
			names[i] = cmd.Name()
		}
		rt.mu.Lock()
		rt.sent = append(rt.sent, "pipeline("+strings.Join(names, " ")+")")
		rt.mu.Unlock()
		return next(ctx, cmds)
	}
}

// during returns what f sent.
func (rt *roundTrips) during(f func()) []string {
	rt.mu.Lock()
	rt.sent, rt.args = nil, nil
	rt.mu.Unlock()
	f()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.sent)
}

// lastArgs returns the arguments of the last command sent alone.
func (rt *roundTrips) lastArgs() []any {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.args) == 0 {
		return nil
	}
	return rt.args[len(rt.args)-1]
}
