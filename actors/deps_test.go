package actors

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module     = "github.com/supers-dev/supers"
	protoactor = "github.com/asynkron/protoactor-go"
)

// TestImportRules enforces the package dependency rules of ARCHITECTURE.md:
// each package of the module may import, of the module, only what its row
// of the table lists, on every OS it is built for.
func TestImportRules(t *testing.T) {
	// allowed[pkg] is pkg's row of ARCHITECTURE.md's table, relative to the
	// module: anything else of the module is refused. Test files are not
	// held to it (actors' tests build fixtures with config/flock).
	allowed := map[string][]string{
		"actors":          {"config", "logsink", "transport", "notify", "actors/process", "actors/policy", "actors/runstate"},
		"actors/process":  {"config/pathsafe"},
		"actors/policy":   {"config"},
		"actors/runstate": {"actors/process", "config/flock", "config/pathsafe"},
		"cmd/superd":      {"actors", "actors/runstate", "config", "config/flock", "config/pathsafe", "logsink", "transport"},
		"cmd/supers":      {"transport", "config", "notify"}, // config: supers check FILE
		"config":          {"config/flock", "config/pathsafe"},
		"config/flock":    {},
		"config/pathsafe": {},
		"logsink":         {"config/flock", "config/pathsafe"},
		"notify":          {},
		"transport":       {"notify", "config/flock", "config/pathsafe"}, // notify: the event schema
	}
	// Rows that stand for every package under a directory.
	prefixes := map[string][]string{
		"examples/":       {"actors", "config", "transport"},
		"cmd/superbench/": {}, // it builds and drives the binaries
	}
	rule := func(rel string) ([]string, bool) {
		if r, ok := allowed[rel]; ok {
			return r, true
		}
		for p, r := range prefixes {
			if strings.HasPrefix(rel+"/", p) {
				return r, true
			}
		}
		return nil, false
	}
	seen := map[string]bool{}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, module+"/...")
		cmd.Env = append(os.Environ(), "GOOS="+goos)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, imports, _ := strings.Cut(line, ":")
			rel, ok := strings.CutPrefix(pkg, module+"/")
			if !ok {
				continue
			}
			seen[rel] = true
			row, known := rule(rel)
			if !known {
				t.Errorf("%s has no row in ARCHITECTURE.md's table (add it there and here)", pkg)
			}
			for _, imp := range strings.Fields(imports) {
				// actors itself, not its subpackages (actors/process,
				// actors/policy, actors/runstate: plain Go).
				if strings.HasPrefix(imp, protoactor) && rel != "actors" {
					t.Errorf("%s imports %s (GOOS=%s): only actors may import protoactor", pkg, imp, goos)
				}
				if rel == "config" && imp == "os/exec" {
					t.Errorf("%s imports os/exec (GOOS=%s)", pkg, goos)
				}
				dep, ok := strings.CutPrefix(imp, module+"/")
				if known && ok && !slices.Contains(row, dep) {
					may := "nothing of the module"
					if len(row) > 0 {
						may = strings.Join(row, ", ")
					}
					t.Errorf("%s imports %s (GOOS=%s): its row of ARCHITECTURE.md allows %s", pkg, imp, goos, may)
				}
			}
		}
	}
	// A row whose package is gone (renamed, moved) would hold nothing.
	for rel := range allowed {
		if !seen[rel] {
			t.Errorf("go list did not see %s/%s, which has a row", module, rel)
		}
	}
	// cmd/supers must not even link protoactor indirectly.
	deps, err := exec.Command("go", "list", "-deps", module+"/cmd/supers").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(deps), protoactor) {
		t.Error("cmd/supers links protoactor")
	}
}

// TestNoProtoactorInExportedAPI checks that no exported declaration of this
// package shows a protoactor type.
func TestNoProtoactorInExportedAPI(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		aliases := map[string]bool{}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, protoactor) {
				alias := filepath.Base(path)
				if imp.Name != nil {
					alias = imp.Name.Name
				}
				aliases[alias] = true
			}
		}
		leaks := func(n ast.Node) bool {
			found := false
			ast.Inspect(n, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && aliases[id.Name] {
						found = true
					}
				}
				return !found
			})
			return found
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil && !exportedRecv(d.Recv) {
					continue
				}
				checked++
				if leaks(d.Type) {
					t.Errorf("%s: exported %s shows a protoactor type", fset.Position(d.Pos()), d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						checked++
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fld := range st.Fields.List {
								// An embedded field is named after its
								// type (an exported protoactor type, if it
								// shows one), whose fields and methods it
								// promotes.
								if len(fld.Names) == 0 && leaks(fld.Type) {
									t.Errorf("%s: exported type %s embeds a protoactor type", fset.Position(fld.Pos()), s.Name.Name)
								}
								for _, n := range fld.Names {
									if n.IsExported() && leaks(fld.Type) {
										t.Errorf("%s: exported field %s.%s shows a protoactor type", fset.Position(n.Pos()), s.Name.Name, n.Name)
									}
								}
							}
						} else if leaks(s.Type) {
							t.Errorf("%s: exported type %s shows a protoactor type", fset.Position(s.Pos()), s.Name.Name)
						}
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							checked++
							if s.Type != nil {
								if leaks(s.Type) {
									t.Errorf("%s: exported %s shows a protoactor type", fset.Position(n.Pos()), n.Name)
								}
								continue
							}
							// Its type is inferred from its value: without
							// type-checking, one that mentions protoactor
							// at all is refused (var X = actor.NewPID(...)).
							values := s.Values
							if len(values) == len(s.Names) {
								values = values[i : i+1]
							}
							for _, v := range values {
								if leaks(v) {
									t.Errorf("%s: exported %s, of the type of a value that mentions protoactor, may show a protoactor type", fset.Position(n.Pos()), n.Name)
									break
								}
							}
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no exported declaration found")
	}
}

func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	t := fl.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}
