package main

import (
	"go/parser"
	"go/token"
	"io"
	"regexp"
	"strings"
	"testing"
)

// The package doc listed the commands without usage, logs with one NAME
// and without --both, and left usage out of the exit codes 3 and 4 that
// its --help gives; a blank line before "package main" kept it from being
// the package's doc at all (go doc showed none). Every command of the grammar must be in its list of
// commands, and each whose --help says it exits 3 or 4 in that code's
// list of commands.
func TestPackageDocNamesEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(f.Doc.Text()), " ")
	section := func(start, end string) string {
		_, after, ok := strings.Cut(doc, start)
		before, _, ok2 := strings.Cut(after, end)
		if !ok || !ok2 {
			t.Fatalf("no %q...%q in the package doc:\n%s", start, end, doc)
		}
		return before
	}
	commands := section("Commands: ", " The socket defaults")
	notRunning := section("; 3 ", ": a named service is not running")
	unknown := section("; 4 ", ": a named service is unknown")

	var grammar cli
	k, err := newParser(&grammar, io.Discard, io.Discard, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range k.Model.Children {
		if node.Hidden {
			continue
		}
		word := regexp.MustCompile(`\b` + node.Name + `\b`)
		if !word.MatchString(commands) {
			t.Errorf("%s is not among the package doc's commands: %q", node.Name, commands)
		}
		if strings.Contains(node.Help, "3 if") && !word.MatchString(notRunning) {
			t.Errorf("%s exits 3 (%q), the package doc's exit status 3 is for %q", node.Name, node.Help, notRunning)
		}
		if strings.Contains(node.Help, "4 if") && !word.MatchString(unknown) {
			t.Errorf("%s exits 4 (%q), the package doc's exit status 4 is for %q", node.Name, node.Help, unknown)
		}
	}
	if !strings.Contains(commands, "logs [-f] [-n N|all] [--stderr|--both] NAME...") {
		t.Errorf("logs in the package doc's commands: %q", commands)
	}
}
