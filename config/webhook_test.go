package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestWebhookHidesSecrets(t *testing.T) {
	w := Webhook{
		Name:     "ops",
		URL:      "https://user:" + leak + "@hooks.example.com:8443/services/" + leak + "?token=" + leak + "#" + leak,
		Events:   []string{"exit"},
		Services: []string{"web"},
		Secrets:  []string{"whsec_" + leak},
		Timeout:  time.Second,
		Retries:  2,
		CAFile:   "/etc/ca.pem",
	}
	d := &Daemon{Webhooks: []Webhook{w}}
	want := `Webhook{Name:"ops" URL:https://hooks.example.com:8443/... Events:[exit] Services:[web] Secrets:1 redacted Timeout:1s Retries:2 DenyPrivate:false CAFile:"/etc/ca.pem"}`
	if got := w.String(); got != want {
		t.Errorf("String:\n%s\nwant\n%s", got, want)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %[1]v"} {
		for _, v := range []any{w, &w, d, *d, []Webhook{w}} {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("hooks", "hook", w, "ptr", &w, "daemon", d, "list", d.Webhooks)
		out = append(out, buf.String())
	}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(data))
	for _, s := range out {
		if strings.Contains(s, leak) {
			t.Errorf("shows a secret: %s", s)
		}
		if !strings.Contains(s, "ops") {
			t.Errorf("does not show the webhook: %s", s)
		}
	}

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "hook", w)
	if want := `hook.name=ops hook.url=https://hooks.example.com:8443/... hook.events=[exit] hook.services=[web] hook.secrets=1 hook.timeout=1s hook.retries=2 hook.deny_private=false hook.ca_file=/etc/ca.pem`; !strings.Contains(buf.String(), want) {
		t.Errorf("LogValue: %s\nwant %s", buf.String(), want)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"http://h":                  "http://h",
		"https://h:1/":              "https://h:1",
		"https://h/p":               "https://h/...",
		"https://u@h":               "https://h/...",
		"http://h?q":                "http://h/...",
		"http://h#f":                "http://h/...",
		"http://h/%zz":              "<redacted>",
		"/path/only":                "<redacted>",
		"HTTPS://H.example.com/x/y": "https://H.example.com/...",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
