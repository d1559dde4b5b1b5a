package main

import (
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

func TestAnnotate(t *testing.T) {
	const text = "[Service]\nExecStart=/bin/true\nRestart=sometimes\n"
	errs := []transport.ConfigError{
		{File: "/etc/super/web.service", Line: 3, Message: "/etc/super/web.service:3: [Service] Restart: invalid value\x1b[2J"},
		{File: "/etc/super/web.service", Message: "/etc/super/web.service: [Service] User: required key is missing"},
	}
	got, added := annotate(text, "web.service", errs)
	lines := strings.Split(got, "\n")
	if added != 5 || !strings.HasSuffix(got, "\n"+text) || len(lines) != added+4 {
		t.Fatalf("added %d:\n%s", added, got)
	}
	for _, l := range lines[:added] {
		if !strings.HasPrefix(l, editMarker+" ") {
			t.Errorf("line %q lacks the marker", l)
		}
	}
	// Sorted by line, the error of no line last (as package config
	// orders them); the line numbers count the added lines.
	if lines[3] != editMarker+"   web.service:8: [Service] Restart: invalid value?[2J" ||
		lines[4] != editMarker+"   web.service: [Service] User: required key is missing" || lines[7] != "Restart=sometimes" {
		t.Errorf("annotation:\n%s", got)
	}
	if s := stripAnnotation(got); s != text {
		t.Errorf("stripped %q", s)
	}
}

func TestStripAnnotation(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"a\nb":                           "a\nb",
		editMarker + " x\n" + editMarker: "",
		editMarker + "\n" + editMarker + " y\nkeep\n" + editMarker + " too\n": "keep\n" + editMarker + " too\n",
		"# supers-editor\n":        "# supers-editor\n",
		"\n" + editMarker + " x\n": "\n" + editMarker + " x\n",
	} {
		if got := stripAnnotation(in); got != want {
			t.Errorf("stripAnnotation(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditorCommand(t *testing.T) {
	for _, tc := range []struct {
		visual, editor string
		want           []string
	}{
		{"", "", []string{defaultEditor}},
		{"  ", "", []string{defaultEditor}},
		{"", "nano", []string{"nano"}},
		{"code --wait", "nano", []string{"code", "--wait"}},
		{"", `'/opt/my editor/ed' -n "a b"`, []string{"/opt/my editor/ed", "-n", "a b"}},
	} {
		a := &app{getenv: func(k string) string { return map[string]string{"VISUAL": tc.visual, "EDITOR": tc.editor}[k] }}
		got, err := a.editorCommand()
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("VISUAL=%q EDITOR=%q: %q, %v", tc.visual, tc.editor, got, err)
		}
	}
	a := &app{getenv: func(k string) string { return map[string]string{"VISUAL": "'x"}[k] }}
	if _, err := a.editorCommand(); err == nil || !strings.HasPrefix(err.Error(), "$VISUAL: ") {
		t.Errorf("unterminated quote: %v", err)
	}
}
