package fifo

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSetWrapsAndGrows(t *testing.T) {
	t.Parallel()
	s := New(100)
	assert.Equal(t, 100, s.Limit())
	for i := range 250 {
		s.Put(fmt.Sprint(i), int64(i))
		assert.LessOrEqual(t, s.Len(), 100)
		assert.LessOrEqual(t, len(s.ring), 100)
	}
	assert.Equal(t, 100, s.Len())
	for i := range 250 {
		_, ok := s.Get(fmt.Sprint(i))
		assert.Equal(t, i >= 150, ok, "key %d", i)
	}
	// Expiry drops the oldest first, across the wrap.
	s.Expire(199)
	assert.Equal(t, 50, s.Len())
	_, ok := s.Get("199")
	assert.False(t, ok)
	_, ok = s.Get("200")
	assert.True(t, ok)
	s.Expire(1000)
	assert.Zero(t, s.Len())
	assert.Zero(t, s.size)
}

func TestSetRenewedKeyOutlivesItsOldEntry(t *testing.T) {
	t.Parallel()
	s := New(4)
	s.Put("a", 1)
	s.Put("b", 2)
	s.Put("a", 3) // renewed: its first ring entry is now stale
	s.Expire(1)   // drops the stale entry, not the key
	st, ok := s.Get("a")
	assert.True(t, ok)
	assert.EqualValues(t, 3, st)
	s.Expire(2)
	_, ok = s.Get("b")
	assert.False(t, ok)
	s.Expire(3)
	assert.Zero(t, s.Len())
}

func TestSetLimitAtLeastOne(t *testing.T) {
	t.Parallel()
	s := New(0)
	assert.Equal(t, 1, s.Limit())
	s.Put("a", 1)
	s.Put("b", 2)
	assert.Equal(t, 1, s.Len())
	_, ok := s.Get("b")
	assert.True(t, ok)
}
