package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// superd must keep the linker's dead-code elimination of methods: a call of
// reflect's Method or MethodByName with a name known only at run time,
// anywhere in the program (kong's parser, google.golang.org/protobuf before
// 1.36.12 under Go 1.26), makes the linker keep every exported method of
// every type used as an interface, 2 MB of superd's 12, resident for most
// of it. The linker marks such functions <ReflectMethod> in -dumpdep.
func TestSuperdKeepsDeadCodeElimination(t *testing.T) {
	cmd := exec.Command("go", "build", "-ldflags=-dumpdep", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -ldflags=-dumpdep: %v\n%.2000s", err, out)
	}
	var marked []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "<ReflectMethod>") {
			marked = append(marked, line)
		}
	}
	if len(marked) > 0 {
		if len(marked) > 20 {
			marked = marked[:20]
		}
		t.Errorf("superd reaches a method lookup by a name known only at run time, which keeps every exported method in the binary; the first edges:\n%s", strings.Join(marked, "\n"))
	}
}
