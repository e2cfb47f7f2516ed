package handoff_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// Budgets (BENCHMARKS.md): Decide on the memory store ≤ 300 ns/op and 0
// allocs/op for an existing conversation; Observe of a human message
// ≤ 1 µs/op; a million conversations ≤ 250 MB of heap.

// tickingClock returns a clock that moves 1 µs forward at every reading,
// so each observed human message is new and extends the grace period.
func tickingClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Microsecond) }
}

func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	ctl, err := handoff.New(handoff.NewMemoryStore())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ctl.Observe(ctx, handoff.Event{ID: "cvm_1", Conversation: "ccv_1", Kind: handoff.HumanMessage}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d, err := ctl.Decide(ctx, "ccv_1")
		if err != nil || d.Allow {
			b.Fatal("want a human-owned conversation", err)
		}
	}
}

func BenchmarkDecideParallel(b *testing.B) {
	ctx := context.Background()
	ctl, err := handoff.New(handoff.NewMemoryStore())
	if err != nil {
		b.Fatal(err)
	}
	convs := make([]string, 1024)
	for i := range convs {
		convs[i] = fmt.Sprintf("ccv_%d", i)
		if _, err := ctl.Observe(ctx, handoff.Event{Conversation: convs[i], Kind: handoff.HumanMessage}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := ctl.Decide(ctx, convs[i%len(convs)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkObserveHumanMessage(b *testing.B) {
	ctx := context.Background()
	ctl, err := handoff.New(handoff.NewMemoryStore(), handoff.WithClock(tickingClock()))
	if err != nil {
		b.Fatal(err)
	}
	ev := handoff.Event{Conversation: "ccv_1", Kind: handoff.HumanMessage}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tr, err := ctl.Observe(ctx, ev)
		if err != nil || tr.Effect != handoff.Applied {
			b.Fatal("every message must extend the grace period", tr.Effect, err)
		}
	}
}

// BenchmarkMemoryMillion fills a memory store with a million
// conversations, each owned by a human (the largest record: three times
// set and an event fingerprint), and reports the heap they hold.
func BenchmarkMemoryMillion(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	var perConv float64
	for range b.N {
		b.StopTimer()
		before := heapInUse()
		store := handoff.NewMemoryStore()
		ctl, err := handoff.New(store)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := range n {
			// A 26-byte id, like a vendor's, made afresh as a decoded
			// webhook would: the store keeps it, so it is counted.
			conv := fmt.Sprintf("ccv_%022d", i)
			ev := handoff.Event{ID: "cvm_1", Conversation: conv, Kind: handoff.HumanMessage}
			if _, err := ctl.Observe(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if store.Len() != n {
			b.Fatalf("store holds %d records", store.Len())
		}
		perConv = float64(heapInUse()-before) / n
		runtime.KeepAlive(store)
	}
	b.ReportMetric(perConv, "heap-B/conv")
	b.ReportMetric(perConv*n/1e6, "heap-MB/1M")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
