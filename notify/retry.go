package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryable reports whether a failed attempt is worth another: connection
// errors, timeouts, 408, 429 and 5xx are; other statuses, a refused
// address and a certificate that does not verify are not.
func retryable(err error) bool {
	var se *StatusError
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &se):
		return se.StatusCode == http.StatusRequestTimeout ||
			se.StatusCode == http.StatusTooManyRequests ||
			se.StatusCode >= 500
	case errors.Is(err, ErrAddressRefused), errors.As(err, &cve):
		return false
	default:
		return true
	}
}

// backoff returns the wait before retry n (from 0): base doubled n times,
// capped at max, then a random point in its upper half (jitter, so that
// several webhooks failing together do not retry in step).
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for range n {
		if d >= max/2 {
			d = max
			break
		}
		d *= 2
	}
	d = min(d, max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// as a duration from now; negative when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return -1
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second) // the caller caps it further
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// sleepUntil waits d, or until ctx is done or stop is closed (a nil stop
// never is), whichever comes first, and returns ctx's error if it is done.
func sleepUntil(ctx context.Context, d time.Duration, stop <-chan struct{}) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-stop:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// stopped reports whether stop is closed (a nil stop never is).
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
