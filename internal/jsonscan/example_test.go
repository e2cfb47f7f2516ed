package jsonscan_test

import (
	"fmt"
	"strings"

	"github.com/botbridge/botbridge/internal/jsonscan"
)

// A webhook parser's first look at a body: what it is, and whether it is
// safe to decode.
func Example() {
	const maxDepth = 64
	for _, body := range []string{
		`{"interlocutor":"user","message":"Where is my parcel?"}`,
		` [{"interlocutor":"user"}]`,
		strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100),
		`botId=b&to=u`,
	} {
		data := []byte(body)
		fmt.Printf("kind %q, too deep: %v\n", jsonscan.Kind(data), jsonscan.DeeperThan(data, maxDepth))
	}
	// Output:
	// kind "object", too deep: false
	// kind "array", too deep: false
	// kind "object", too deep: true
	// kind "", too deep: false
}
