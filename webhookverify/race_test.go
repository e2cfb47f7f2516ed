//go:build race

package webhookverify_test

func init() { raceEnabled = true }
