package altabotstest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that Close leaves no goroutine behind: no call to the
// desk, no first-reply timer, no handler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
