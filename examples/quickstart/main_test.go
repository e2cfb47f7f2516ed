package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartRunsOffline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, nil, &out))
	got := out.String()
	assert.Contains(t, got, "signed delivery                    → 204 No Content")
	assert.Contains(t, got, "handler got conversation.message.sent: conversation conv_7, author user")
	assert.Contains(t, got, "tampered body, original signature  → 401 Unauthorized")
	assert.Contains(t, got, "no signature header                → 401 Unauthorized")
	assert.Contains(t, got, "signature from another secret      → 401 Unauthorized")
	assert.Contains(t, got, "OK: only the genuine delivery reached the handler.")
	assert.NotContains(t, got, demoSecret)
}

func TestQuickstartRejectsArguments(t *testing.T) {
	t.Parallel()
	assert.ErrorContains(t, run(context.Background(), []string{"-x"}, &bytes.Buffer{}), "no arguments expected")
}
