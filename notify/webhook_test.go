package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// request is what a test receiver saw of one attempt.
type request struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a real HTTP server on loopback that records every request
// and answers the n-th (from 1) with respond.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, request{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

func status(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[min(n, len(codes))-1])
	}
}

// fastConfig is a config whose retries wait milliseconds.
func fastConfig(url string) WebhookConfig {
	return WebhookConfig{Name: "test", URL: url, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond}
}

func newTestWebhook(t *testing.T, cfg WebhookConfig) *Webhook {
	t.Helper()
	w, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// signature computes a Standard Webhooks v1 signature independently.
func signature(secret []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestParseSecret(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789")
	got, err := ParseSecret("whsec_" + base64.StdEncoding.EncodeToString(raw))
	if err != nil || !bytes.Equal(got, raw) {
		t.Errorf("whsec_: %q, %v", got, err)
	}
	got, err = ParseSecret("plain secret")
	if err != nil || string(got) != "plain secret" {
		t.Errorf("raw: %q, %v", got, err)
	}
	if _, err := ParseSecret(""); err == nil {
		t.Error("empty secret accepted")
	}
	_, err = ParseSecret("whsec_not*base64!")
	if err == nil || strings.Contains(err.Error(), "not*base64") {
		t.Errorf("bad whsec_: %v", err)
	}
}

func TestNewWebhookRejects(t *testing.T) {
	cases := map[string]WebhookConfig{
		"no name":      {URL: "http://example.com/"},
		"no url":       {Name: "a"},
		"ftp":          {Name: "a", URL: "ftp://example.com/"},
		"no host":      {Name: "a", URL: "http:///path"},
		"empty secret": {Name: "a", URL: "http://example.com/", Secrets: [][]byte{{}}},
		"CA not PEM":   {Name: "a", URL: "https://example.com/", CA: []byte("not a certificate")},
		"negative":     {Name: "a", URL: "http://example.com/", Timeout: -time.Second},
	}
	for name, cfg := range cases {
		if _, err := NewWebhook(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err := NewWebhook(WebhookConfig{Name: "a", URL: "http://user:hunter2@[::1/"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad URL error leaks or is nil: %v", err)
	}
}

func TestWebhookHeadersAndSignatures(t *testing.T) {
	rc := newReceiver(t, status(http.StatusNoContent))
	raw := []byte("raw-secret")
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("decoded-secret-bytes"))
	decoded, err := ParseSecret(whsec)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(rc.URL + "/hook")
	cfg.Secrets = [][]byte{raw, decoded}
	cfg.UserAgent = "supers/9.9"
	w := newTestWebhook(t, cfg)

	e := NewEvent(TypeStart, "web")
	e.PID = 42
	if err := w.Notify(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	h, body := reqs[0].header, reqs[0].body
	want, _ := json.Marshal(e)
	if !bytes.Equal(body, want) {
		t.Errorf("body = %s, want %s", body, want)
	}
	for k, v := range map[string]string{
		"Content-Type":   "application/json",
		"User-Agent":     "supers/9.9",
		"X-Supers-Event": "start",
		"Webhook-Id":     e.ID,
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	ts := h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Second {
		t.Errorf("webhook-timestamp = %q", ts)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	wantSigs := []string{signature(raw, e.ID, ts, body), signature([]byte("decoded-secret-bytes"), e.ID, ts, body)}
	if len(sigs) != 2 || sigs[0] != wantSigs[0] || sigs[1] != wantSigs[1] {
		t.Errorf("webhook-signature = %q, want %q", sigs, wantSigs)
	}
}

func TestWebhookUnsignedWithoutSecrets(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK))
	w := newTestWebhook(t, fastConfig(rc.URL))
	if err := w.Notify(context.Background(), NewEvent(TypeStop, "web")); err != nil {
		t.Fatal(err)
	}
	if h := rc.requests()[0].header; h.Get("webhook-signature") != "" || h.Get("User-Agent") != DefaultUserAgent {
		t.Errorf("headers = %v", h)
	}
}

func TestWebhookRetriesUntilSuccess(t *testing.T) {
	rc := newReceiver(t, status(500, 503, 200, 500))
	secret := []byte("k")
	cfg := fastConfig(rc.URL)
	cfg.Secrets = [][]byte{secret}
	w := newTestWebhook(t, cfg)
	e := NewEvent(TypeExit, "web")
	if err := w.Notify(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3", len(reqs))
	}
	for i, r := range reqs {
		if id := r.header.Get("webhook-id"); id != e.ID {
			t.Errorf("attempt %d: webhook-id %q, want %q", i+1, id, e.ID)
		}
		ts := r.header.Get("webhook-timestamp")
		if got := r.header.Get("webhook-signature"); got != signature(secret, e.ID, ts, r.body) {
			t.Errorf("attempt %d: bad signature", i+1)
		}
	}
}

func TestWebhookGivesUpAfterRetries(t *testing.T) {
	rc := newReceiver(t, status(502))
	cfg := fastConfig(rc.URL)
	cfg.Retries = 2
	w := newTestWebhook(t, cfg)
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 502 {
		t.Fatalf("err = %v, want a 502 StatusError", err)
	}
	if n := len(rc.requests()); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", n)
	}
}

func TestWebhookNoRetryOn4xx(t *testing.T) {
	rc := newReceiver(t, status(400))
	w := newTestWebhook(t, fastConfig(rc.URL))
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 {
		t.Fatalf("err = %v, want a 400 StatusError", err)
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestWebhookRetryAfter(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := fastConfig(rc.URL)
	cfg.BackoffMax = 5 * time.Second // the cap must not cut the 1 s asked for
	w := newTestWebhook(t, cfg)
	if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); err != nil {
		t.Fatal(err)
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, Retry-After asked for 1s", gap)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              -1,
		"junk":                          -1,
		"-3":                            -1,
		"0":                             0,
		"7":                             7 * time.Second,
		"Sun, 01 Jun 2025 12:00:30 GMT": 30 * time.Second,
		"Sun, 01 Jun 2025 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	if got := parseRetryAfter("99999999999999", now); got != 24*time.Hour {
		t.Errorf("huge Retry-After = %v", got)
	}
}

func TestBackoff(t *testing.T) {
	base, ceil := 100*time.Millisecond, time.Second
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		// The wait is random (jitter), so that webhooks failing together
		// do not retry in step: 50 samples, each uniform over [want/2,
		// want], are not all the same, and fall in both halves of that
		// range (all in one: a chance of 2 in 2^50).
		seen := map[time.Duration]bool{}
		low, high := 0, 0
		for range 50 {
			d := backoff(base, ceil, n)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
			if d < want*3/4 {
				low++
			} else {
				high++
			}
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) gave the same wait 50 times: no jitter", n)
		}
		if low == 0 || high == 0 {
			t.Errorf("backoff(%d): %d of 50 waits below %v, %d at or above it: the jitter does not cover [%v, %v]", n, low, want*3/4, high, want/2, want)
		}
	}
	if d := backoff(base, ceil, 1000); d > ceil {
		t.Errorf("backoff(1000) = %v overflows", d)
	}
}

func TestWebhookRedirectNotFollowed(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	w := newTestWebhook(t, fastConfig(rc.URL+"/hook"))
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("err = %v, want a 307 StatusError", err)
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (redirect not followed, not retried)", n)
	}
}

func TestWebhookTimeout(t *testing.T) {
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // hang until the client gives up
	})
	cfg := fastConfig(rc.URL)
	cfg.Timeout = 100 * time.Millisecond
	cfg.Retries = 1
	w := newTestWebhook(t, cfg)
	start := time.Now()
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d attempts, want 2 (a timeout is retried)", n)
	}
}

func TestWebhookLargeResponseNotReadFully(t *testing.T) {
	stopped := make(chan int64, 1)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		var sent int64
		defer func() { stopped <- sent }()
		for sent < 1<<30 { // 1 GiB: far more than the client reads
			n, err := w.Write(chunk)
			sent += int64(n)
			if err != nil || r.Context().Err() != nil {
				return
			}
		}
	})
	cfg := fastConfig(rc.URL)
	cfg.Timeout = 10 * time.Second
	w := newTestWebhook(t, cfg)
	start := time.Now()
	if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
	select {
	case sent := <-stopped:
		if sent >= 1<<30 {
			t.Errorf("the whole body was read")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the receiver is still writing: the body was not closed")
	}
}

func TestWebhookRefusesLinkLocalAtDial(t *testing.T) {
	for _, u := range []string{
		"http://169.254.0.1:9/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:169.254.169.254]:80/",
		"http://0.0.0.0:9/",
	} {
		cfg := fastConfig(u)
		cfg.Timeout = 10 * time.Second
		w := newTestWebhook(t, cfg)
		start := time.Now()
		err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
		if !errors.Is(err, ErrAddressRefused) {
			t.Errorf("%s: err = %v, want ErrAddressRefused", u, err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("%s: took %v: the refusal must come before connecting, without retries", u, el)
		}
	}
}

func TestWebhookDenyPrivate(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK))
	w := newTestWebhook(t, fastConfig(rc.URL))
	if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); err != nil {
		t.Fatalf("loopback refused by default: %v", err)
	}
	// By host name, so the check is seen to apply to the resolved address.
	_, port, _ := strings.Cut(strings.TrimPrefix(rc.URL, "http://"), ":")
	for _, u := range []string{rc.URL, "http://localhost:" + port + "/"} {
		cfg := fastConfig(u)
		cfg.DenyPrivate = true
		w := newTestWebhook(t, cfg)
		if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); !errors.Is(err, ErrAddressRefused) {
			t.Errorf("%s with DenyPrivate: err = %v, want ErrAddressRefused", u, err)
		}
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("receiver saw %d requests, want 1", n)
	}
}

func TestCheckAddr(t *testing.T) {
	always := []string{"169.254.169.254", "fe80::1", "::ffff:169.254.0.1", "0.0.0.0", "0.1.2.3", "::",
		"224.0.0.1", "ff02::1", "255.255.255.255"}
	private := []string{"127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00:ec2::254",
		"100.100.100.200", "::ffff:10.0.0.1"}
	public := []string{"93.184.216.34", "2606:2800:220:1::", "::ffff:8.8.8.8"}
	for _, s := range always {
		for _, deny := range []bool{false, true} {
			if checkAddr(mustAddr(t, s), deny) == nil {
				t.Errorf("%s allowed (denyPrivate=%v)", s, deny)
			}
		}
	}
	for _, s := range private {
		if err := checkAddr(mustAddr(t, s), false); err != nil {
			t.Errorf("%s refused by default: %v", s, err)
		}
		if err := checkAddr(mustAddr(t, s), true); !errors.Is(err, ErrAddressRefused) {
			t.Errorf("%s allowed with denyPrivate", s)
		}
	}
	for _, s := range public {
		if err := checkAddr(mustAddr(t, s), true); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
}

func TestWebhookTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the expected handshake failure
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// Not trusted: a verification failure, not retried.
	w := newTestWebhook(t, fastConfig(srv.URL))
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) {
		t.Fatalf("err = %v, want a certificate verification error", err)
	}

	cfg := fastConfig(srv.URL)
	cfg.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	w = newTestWebhook(t, cfg)
	if err := w.Notify(context.Background(), NewEvent(TypeExit, "web")); err != nil {
		t.Fatalf("with CA: %v", err)
	}
}

func TestWebhookCancelAbortsWait(t *testing.T) {
	rc := newReceiver(t, status(500))
	cfg := fastConfig(rc.URL)
	cfg.BackoffBase, cfg.BackoffMax = time.Minute, time.Minute
	w := newTestWebhook(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Notify(ctx, NewEvent(TypeExit, "web")) }()
	waitFor(t, func() bool { return len(rc.requests()) == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Notify still waiting after cancel")
	}
}

func TestWebhookNoSecretsInErrorsOrLogs(t *testing.T) {
	rc := newReceiver(t, status(500))
	var logs syncBuffer
	cfg := fastConfig(strings.Replace(rc.URL, "http://", "http://user:pa55word@", 1) + "/hook?token=tok3n")
	cfg.Secrets = [][]byte{[]byte("s3cret-bytes")}
	cfg.Retries = 1
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	w := newTestWebhook(t, cfg)
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	if err == nil {
		t.Fatal("want an error")
	}
	// And a transport error, which net/http reports with the URL.
	rc.Close()
	err2 := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	if err2 == nil {
		t.Fatal("want an error from a closed receiver")
	}
	all := err.Error() + "\n" + err2.Error() + "\n" + logs.String()
	for _, secret := range []string{"pa55word", "tok3n", "s3cret"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked:\n%s", secret, all)
		}
	}
	if !strings.Contains(logs.String(), "webhook=test") || !strings.Contains(logs.String(), "500") {
		t.Errorf("failures not logged with name and reason:\n%s", logs.String())
	}
}

func TestWebhookFilterSkips(t *testing.T) {
	rc := newReceiver(t, status(200))
	cfg := fastConfig(rc.URL)
	cfg.Filter = Filter{Events: []string{TypeFatal}}
	w := newTestWebhook(t, cfg)
	if err := w.Notify(context.Background(), NewEvent(TypeStart, "web")); err != nil {
		t.Fatal(err)
	}
	if err := w.Notify(context.Background(), NewEvent(TypeFatal, "web")); err != nil {
		t.Fatal(err)
	}
	reqs := rc.requests()
	if len(reqs) != 1 || reqs[0].header.Get("X-Supers-Event") != TypeFatal {
		t.Errorf("requests = %d, want only the fatal event", len(reqs))
	}
}
