package altabots

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// auto-reply timers and the sends they start must end with Handler.Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
