package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportHTML checks report --html on the command line: a page on
// stdout for -, and for bad input one line, exit status 2 and no file.
func TestReportHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := gsys(t, "park", "-n", "3", "-r", "waiting for godot", "--dumps", "1")
	wantExit(t, r, 0)
	dumpFile := filepath.Join(dir, "g.txt")
	if err := os.WriteFile(dumpFile, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}

	r = gsys(t, "report", "--html", "-", dumpFile)
	wantExit(t, r, 0)
	if !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || !strings.Contains(r.stdout, `<tr data-state="waiting for godot">`) {
		t.Errorf("report --html - did not print the page:\n%v", r)
	}

	page := filepath.Join(dir, "out.html")
	for _, tc := range []struct {
		name  string
		args  []string
		names []string
	}{
		{"no such input", []string{"--html", page, filepath.Join(dir, "missing.txt")}, []string{"missing.txt"}},
		{"input not a dump", []string{"--html", page, "/etc/hostname"}, []string{"/etc/hostname"}},
		{"directory missing", []string{"--html", filepath.Join(dir, "nodir", "x.html"), dumpFile}, []string{filepath.Join(dir, "nodir", "x.html")}},
		{"with json", []string{"--html", page, "--json", dumpFile}, []string{"--html", "--json"}},
		{"output a directory", []string{"--html", dir, dumpFile}, []string{dir, "directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gsys(t, append([]string{"report"}, tc.args...)...)
			wantExit(t, r, 2)
			wantOneLine(t, r, tc.names...)
			if r.stdout != "" {
				t.Errorf("stdout not empty:\n%v", r)
			}
			left, _ := filepath.Glob(filepath.Join(dir, "*.html*"))
			left2, _ := filepath.Glob(filepath.Join(dir, ".*.html*"))
			if len(left)+len(left2) != 0 {
				t.Errorf("files left behind: %v %v", left, left2)
			}
		})
	}
}

// TestReportHTMLRewrites: the page the user names is rewritten by a second
// run, as an output file of most tools is (park's dumps never replace).
func TestReportHTMLRewrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "out.html")
	if err := os.WriteFile(page, []byte("an older page"), 0o644); err != nil {
		t.Fatal(err)
	}
	dumps := []string{"../dump/testdata/go1.26/blocked.debug2.txt", "../dump/testdata/go1.26/blocked.debug1.txt"}
	for _, in := range dumps {
		r := gsys(t, "report", "--html", page, in)
		wantExit(t, r, 0)
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
			t.Fatalf("report --html %s left %q", in, b[:min(len(b), 40)])
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestReportSeveralDumpsRewrite: the files report writes from several
// dumps (a series' page, the merged view's protobuf) are named by the user
// too, and rewritten by a second run like the page of one dump; a directory
// in their place is bad input, said as such.
func TestReportSeveralDumpsRewrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dumps := []string{"../dump/testdata/go1.26/blocked.debug2.txt", "../dump/testdata/go1.26/blocked.debug1.txt"}
	for _, c := range []struct {
		name, flag, file, start string
		args                    []string
	}{
		{"series page", "--html", "series.html", "<!DOCTYPE html>", nil},
		{"merged protobuf", "--out", "merged.pb.gz", "\x1f\x8b", []string{"--to", "pprof"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.file)
			if err := os.WriteFile(out, []byte("an older file"), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append(append([]string{"report"}, c.args...), c.flag, out)
			for run := 1; run <= 2; run++ {
				r := gsys(t, append(args, dumps...)...)
				wantExit(t, r, 0)
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(b), c.start) {
					t.Fatalf("run %d of report %s %s: the file starts %q, want %q", run, c.flag, c.file, b[:min(len(b), 16)], c.start)
				}
			}
			r := gsys(t, append(append([]string{"report"}, c.args...), append([]string{c.flag, dir}, dumps...)...)...)
			wantExit(t, r, 2)
			if !strings.Contains(r.stderr, "is a directory") {
				t.Errorf("report %s DIR: want it said to be a directory:\n%v", c.flag, r)
			}
		})
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
