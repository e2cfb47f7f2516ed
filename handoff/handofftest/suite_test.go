package handofftest_test

import (
	"testing"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

// Every case writing to one store, as they would to a shared backend: their
// conversations never meet.
func TestMemoryStoreShared(t *testing.T) {
	t.Parallel()
	s := handoff.NewMemoryStore()
	handofftest.RunStoreTests(t, func(*testing.T) handoff.Store { return s })
}
