package actors

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	module     = "github.com/supers-dev/supers"
	protoactor = "github.com/asynkron/protoactor-go"
)

// TestImportRules enforces the package dependency rules of ARCHITECTURE.md.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// forbidden[pkg] lists import prefixes pkg must not depend on directly;
	// leaves are the packages every other may import, whatever its rule.
	leaves := map[string]bool{module + "/config/flock": true, module + "/config/pathsafe": true}
	forbidden := map[string][]string{
		module + "/config":            {module + "/", protoactor, "os/exec"},
		module + "/config/flock":      {module + "/", protoactor},
		module + "/config/pathsafe":   {module + "/", protoactor},
		module + "/logsink":           {module + "/", protoactor},
		module + "/transport":         {module + "/actors", module + "/config", module + "/logsink", protoactor}, // notify: the event schema
		module + "/notify":            {module + "/", protoactor},
		module + "/actors/process":    {module + "/", protoactor},
		module + "/cmd/supers":        {module + "/actors", module + "/logsink", protoactor}, // config is allowed: supers check FILE
		module + "/examples/embedded": {protoactor},
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if !strings.HasPrefix(pkg, module) {
			continue
		}
		seen++
		for _, imp := range strings.Fields(imports) {
			// actors itself, not its subpackages (actors/process,
			// actors/policy, actors/runstate: plain Go).
			if strings.HasPrefix(imp, protoactor) && pkg != module+"/actors" {
				t.Errorf("%s imports %s: only actors may import protoactor", pkg, imp)
			}
			for _, bad := range forbidden[pkg] {
				if strings.HasPrefix(imp, bad) && !leaves[imp] {
					t.Errorf("%s must not import %s", pkg, imp)
				}
			}
		}
	}
	if seen < 7 {
		t.Fatalf("go list saw only %d module packages", seen)
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
