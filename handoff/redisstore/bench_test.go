package redisstore_test

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/redisstore"
)

// benchCallers is how many goroutines call at once, as redis-benchmark's
// -c 32 opens 32 connections. BENCHMARKS.md compares the ops/s of these
// benchmarks with redis-benchmark -t get -c 32 on the same Redis.
const benchCallers = 32

// benchSetup returns a client of the Redis at $BOTBRIDGE_REDIS_URL with a
// connection per caller, a Controller on it, and benchCallers
// conversations, each with a record, each caller's own. It skips without a
// Redis.
func benchSetup(b *testing.B) (redis.UniversalClient, *handoff.Controller, *redisstore.Store, []string) {
	b.Helper()
	opts := realRedisOptions(b)
	opts.PoolSize = benchCallers
	client := redis.NewClient(opts)
	b.Cleanup(func() { _ = client.Close() })
	prefix := testPrefix(b, client)
	store, err := redisstore.New(client, redisstore.WithKeyPrefix(prefix))
	if err != nil {
		b.Fatal(err)
	}
	ctl, err := handoff.New(store)
	if err != nil {
		b.Fatal(err)
	}
	convs := make([]string, benchCallers)
	for i := range convs {
		convs[i] = "ccv_" + strconv.Itoa(i)
		// Also loads the script and fills the hints.
		if _, err := ctl.Observe(b.Context(), handoff.Event{Conversation: convs[i], Kind: handoff.HumanMessage}); err != nil {
			b.Fatal(err)
		}
	}
	// GOMAXPROCS × parallelism goroutines: at least benchCallers.
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	return client, ctl, store, convs
}

// runParallel runs op for b.N iterations over the callers, each caller on
// its own conversation, and reports operations per second.
func runParallel(b *testing.B, convs []string, op func(conv string) error) {
	var caller atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		conv := convs[int(caller.Add(1)-1)%len(convs)]
		for pb.Next() {
			if err := op(conv); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkDecide is a Decide per operation: one HMGET and a decode.
func BenchmarkDecide(b *testing.B) {
	_, ctl, _, convs := benchSetup(b)
	ctx := b.Context()
	runParallel(b, convs, func(conv string) error {
		_, err := ctl.Decide(ctx, conv)
		return err
	})
}

// BenchmarkObserve is an Observe of a human message that extends the
// grace period per operation: one EVALSHA, each caller writing its own
// conversation, so every hint is current.
func BenchmarkObserve(b *testing.B) {
	_, ctl, _, convs := benchSetup(b)
	ctx := b.Context()
	runParallel(b, convs, func(conv string) error {
		tr, err := ctl.Observe(ctx, handoff.Event{Conversation: conv, Kind: handoff.HumanMessage})
		if err == nil && tr.Effect != handoff.Applied {
			b.Errorf("effect %s: the benchmark measures writes", tr.Effect)
		}
		return err
	})
}

// BenchmarkHMGETFloor is the HMGET that Decide sends, by itself: what
// go-redis and Redis cost without the Store and the Controller.
func BenchmarkHMGETFloor(b *testing.B) {
	client, _, store, convs := benchSetup(b)
	ctx := b.Context()
	runParallel(b, convs, func(conv string) error {
		return client.HMGet(ctx, store.Key(conv), "v", "r").Err()
	})
}
