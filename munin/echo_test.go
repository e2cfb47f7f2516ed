package munin_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/botbridge/botbridge/munin"
)

func TestEchoFilterRemembers(t *testing.T) {
	f := munin.NewEchoFilter(8)
	assert.False(t, f.Contains(evtMsg))
	f.Remember(evtMsg)
	assert.True(t, f.Contains(evtMsg))
	assert.False(t, f.Contains("cvm_other"))
	f.Remember(evtMsg)
	assert.Equal(t, 1, f.Len(), "remembering twice keeps one")

	f.Remember("")
	assert.False(t, f.Contains(""), "empty ids are ignored")
	assert.Equal(t, 1, f.Len())
}

func TestEchoFilterForgetsOldestFirst(t *testing.T) {
	f := munin.NewEchoFilter(3)
	for _, id := range []string{"cvm_1", "cvm_2", "cvm_3"} {
		f.Remember(id)
	}
	f.Remember("cvm_1") // not renewed
	f.Remember("cvm_4")
	assert.False(t, f.Contains("cvm_1"))
	for _, id := range []string{"cvm_2", "cvm_3", "cvm_4"} {
		assert.True(t, f.Contains(id), id)
	}
	assert.Equal(t, 3, f.Len())
}

func TestEchoFilterDefaultCapacity(t *testing.T) {
	for _, capacity := range []int{0, -1} {
		f := munin.NewEchoFilter(capacity)
		for i := range munin.DefaultEchoCapacity + 1 {
			f.Remember(fmt.Sprintf("cvm_%d", i))
		}
		assert.Equal(t, munin.DefaultEchoCapacity, f.Len())
		assert.False(t, f.Contains("cvm_0"))
		assert.True(t, f.Contains("cvm_1"))
		assert.True(t, f.Contains(fmt.Sprintf("cvm_%d", munin.DefaultEchoCapacity)))
	}
}

func TestEchoFilterNil(t *testing.T) {
	var f *munin.EchoFilter
	f.Remember(evtMsg)
	assert.False(t, f.Contains(evtMsg))
	assert.Zero(t, f.Len())
}

func TestEchoFilterContainsDoesNotAllocate(t *testing.T) {
	f := munin.NewEchoFilter(0)
	f.Remember(evtMsg)
	id := evtMsg
	allocs := testing.AllocsPerRun(1000, func() {
		if !f.Contains(id) || f.Contains("cvm_missing") {
			t.Fatal("wrong answer")
		}
	})
	assert.Zero(t, allocs)
}

func TestEchoFilterConcurrent(t *testing.T) {
	f := munin.NewEchoFilter(64)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 500 {
				f.Remember(fmt.Sprintf("cvm_%d_%d", w, i))
			}
		}()
		go func() {
			defer wg.Done()
			for i := range 500 {
				f.Contains(fmt.Sprintf("cvm_%d_%d", w, i))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 64, f.Len())
	assert.True(t, f.Contains("cvm_0_499") || f.Contains("cvm_1_499") || f.Contains("cvm_2_499") || f.Contains("cvm_3_499"))
}
