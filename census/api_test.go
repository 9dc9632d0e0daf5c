package census_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// census's users never import package linked: no exported name of census
// (a function's parameters and results, a type, an exported field or an
// interface's method) is given in linked's types.
func TestAPINamesNoLinkedType(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && (d.Recv == nil || exportedRecv(d.Recv)) {
					noLinked(t, fset, d.Name.Name, d.Type)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							noLinked(t, fset, s.Name.Name, exportedPart(s.Type))
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Type != nil {
								noLinked(t, fset, n.Name, s.Type)
							}
						}
					}
				}
			}
		}
	}
}

func exportedRecv(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

// exportedPart drops a struct's unexported fields, which users cannot name.
func exportedPart(typ ast.Expr) ast.Node {
	st, ok := typ.(*ast.StructType)
	if !ok {
		return typ
	}
	var kept []ast.Node
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 || f.Names[0].IsExported() {
			kept = append(kept, f.Type)
		}
	}
	return nodes(kept)
}

type nodes []ast.Node

func (ns nodes) Pos() token.Pos { return token.NoPos }
func (ns nodes) End() token.Pos { return token.NoPos }

func noLinked(t *testing.T, fset *token.FileSet, name string, n ast.Node) {
	t.Helper()
	var walk []ast.Node
	if ns, ok := n.(nodes); ok {
		walk = ns
	} else {
		walk = []ast.Node{n}
	}
	for _, n := range walk {
		ast.Inspect(n, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "linked" {
					t.Errorf("%s: exported %s is given in linked.%s: census's users would have to import linked", fset.Position(sel.Pos()), name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
