package botbridge_test

import (
	"fmt"

	"github.com/botbridge/botbridge/webhookverify"
)

// The signature Munin sends with every webhook delivery, and its check.
func Example() {
	secret := []byte("whsec_example")
	body := []byte(`{"type":"conversation.message.sent","id":"evt_1"}`)

	signature := webhookverify.Sign(secret, body)
	fmt.Println(webhookverify.Verify(secret, body, signature))
	fmt.Println(webhookverify.Verify(secret, []byte(`{"type":"forged"}`), signature))
	// Output:
	// <nil>
	// webhookverify: signature mismatch
}
