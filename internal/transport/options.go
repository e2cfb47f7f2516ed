package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// The setters below are what every vendor package's common options do:
// WithBaseURL, WithHTTPClient, WithLogger, WithUserAgent, WithRetry and
// WithTimeout are one line each around them, so the checks and their error
// texts are the same for every vendor. Errors name the option.

// SetBaseURL is WithBaseURL. The URL itself is checked by New.
func (cfg *Config) SetBaseURL(baseURL string) error {
	if baseURL == "" {
		return errors.New("WithBaseURL: empty URL")
	}
	cfg.BaseURL = baseURL
	return nil
}

// SetHTTPClient is WithHTTPClient.
func (cfg *Config) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		return errors.New("WithHTTPClient: nil client")
	}
	cfg.HTTPClient = hc
	return nil
}

// SetLogger is WithLogger; nil keeps the client silent.
func (cfg *Config) SetLogger(logger *slog.Logger) error {
	cfg.Logger = logger
	return nil
}

// SetUserAgent is WithUserAgent. New refuses a line break in it.
func (cfg *Config) SetUserAgent(product string) error {
	cfg.UserAgent = product
	return nil
}

// SetRetry is WithRetry: maxRetries retries after the first attempt (0
// turns retries off), and no wait longer than maxWait, a server's
// Retry-After included.
func (cfg *Config) SetRetry(maxRetries int, maxWait time.Duration) error {
	if maxRetries < 0 {
		return fmt.Errorf("WithRetry: max %d is negative", maxRetries)
	}
	if maxWait <= 0 {
		return fmt.Errorf("WithRetry: max wait %s is not positive", maxWait)
	}
	cfg.RetryMax = maxRetries
	cfg.RetryWaitMax = maxWait
	cfg.RetryWaitMin = min(cfg.RetryWaitMin, maxWait)
	return nil
}

// SetTimeout is WithTimeout; zero leaves the bound to the context.
func (cfg *Config) SetTimeout(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("WithTimeout: %s is negative", d)
	}
	cfg.Timeout = d
	return nil
}
