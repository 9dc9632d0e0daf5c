package cmd

import (
	"cmp"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gsysint-demo/dump"
)

// reportInput is one input of report: a file, stdin or a URL.
type reportInput struct {
	arg    string // the path, "-" or the URL
	source string // its source's name: host:port, file name, or --label-source's
	// shown is how the output names it: a URL without its password.
	shown string
	// parkDir is the directory written by park -o that the input is a
	// dump of, if it is one.
	parkDir string
}

// parkDumpName matches the names park -o DIR gives its dumps (dumpName:
// goroutine-0001.txt, goroutine-0001.debug1.txt, goroutineleak-0002.pb.gz)
// and its censuses (censusName: census-0003.json, census-0003.pb.gz),
// capturing the number.
var parkDumpName = regexp.MustCompile(`^(?:goroutine|goroutineleak|census)-(\d+)(?:\.txt|\.debug1\.txt|\.pb\.gz|\.json)$`)

// inputSet is report's inputs, expanded.
type inputSet struct {
	ins []reportInput
	// distinct: the inputs are different processes (several hosts, a
	// directory of other files than park's, --label-source).
	distinct bool
}

// expandInputs expands report's arguments: a directory into its files
// (park's dumps in the order park wrote them; any other files, sorted by
// name, as dumps of different processes); and names each input's source.
// named maps an input, as given, to its --label-source name.
func expandInputs(args []string, named map[string]string) (*inputSet, error) {
	set := &inputSet{distinct: len(named) > 0}
	hosts := map[string]bool{}
	for _, arg := range args {
		if isURL(arg) {
			u, err := url.Parse(arg)
			if err != nil || u.Host == "" {
				return nil, usagef("report: %q: not a URL: want http(s)://HOST:PORT/...", arg)
			}
			hosts[u.Host] = true
			set.ins = append(set.ins, reportInput{arg: arg, source: cmp.Or(named[arg], u.Host), shown: u.Redacted()})
			continue
		}
		if arg == "" || arg == "-" {
			set.ins = append(set.ins, reportInput{arg: "-", source: cmp.Or(named[arg], "stdin")})
			continue
		}
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			// A missing file is reported when it is read, with the others.
			set.ins = append(set.ins, reportInput{arg: arg, source: cmp.Or(named[arg], filepath.Base(arg))})
			continue
		}
		files, park, err := dirInputs(arg)
		if err != nil {
			return nil, err
		}
		if !park {
			set.distinct = true
		}
		for _, f := range files {
			in := reportInput{arg: f, source: cmp.Or(named[f], named[arg], filepath.Base(f))}
			if park {
				in.parkDir = arg
				in.source = cmp.Or(named[arg], filepath.Base(filepath.Clean(arg)))
			}
			set.ins = append(set.ins, in)
		}
	}
	if len(hosts) > 1 {
		set.distinct = true
	}
	for name := range named {
		found := false
		for _, in := range set.ins {
			found = found || in.arg == name || filepath.Dir(in.arg) == filepath.Clean(name)
		}
		if !found {
			return nil, usagef("report: --label-source ...=%s: no such input: want one of the inputs given", name)
		}
	}
	return set, nil
}

// dirInputs lists the dumps in dir: park's, in the order park wrote them,
// if there are any (other files are left out); else every regular file
// whose name does not start with a dot, sorted by name.
func dirInputs(dir string) (files []string, park bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, usagef("report: %v: want a readable directory", err)
	}
	type numbered struct {
		n    int
		path string
	}
	var parks []numbered
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if m := parkDumpName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			parks = append(parks, numbered{n, path})
		}
		files = append(files, path)
	}
	if len(parks) > 0 {
		slices.SortStableFunc(parks, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
		files = files[:0]
		for _, p := range parks {
			files = append(files, p.path)
		}
		return files, true, nil
	}
	if len(files) == 0 {
		return nil, false, usagef("report: %s: no files in the directory: want dumps (park -o %s writes them)", dir, dir)
	}
	return files, false, nil
}

// latestOfEach keeps, of the dumps of each park -o directory, the last:
// in a merged view a directory is one process, seen as it is now.
func latestOfEach(ins []reportInput) []reportInput {
	var kept []reportInput
	for i, in := range ins {
		if in.parkDir != "" && i+1 < len(ins) && ins[i+1].parkDir == in.parkDir {
			continue
		}
		kept = append(kept, in)
	}
	return kept
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// parseLabelSources reads --label-source NAME=INPUT values.
func parseLabelSources(values []string) (map[string]string, error) {
	named := map[string]string{}
	for _, v := range values {
		name, input, ok := strings.Cut(v, "=")
		if !ok || name == "" || input == "" {
			return nil, usagef("report: --label-source %q: want NAME=INPUT, e.g. api=http://127.0.0.1:6060/debug/pprof/goroutine?debug=2", v)
		}
		named[input] = name
	}
	return named, nil
}

// readInput reads the dumps of one input, all groups kept.
func readInput(e *env, in reportInput, opt dump.Options, atContext bool, timeout time.Duration) ([]*dump.Summary, error) {
	r, name, closeIn, err := openReportInput(e, in.arg, timeout)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	sums, err := dump.ReadDumps(r, opt, atContext)
	if err := bodyError(r, name); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, usagef("report: %s: %v", name, err)
	}
	return sums, nil
}

// readInputs reads the inputs, at most parallel at once, and hands each
// one's dumps or error to done (called from several goroutines). An input
// not read within timeout is given up with an error; its reading is left
// to end by itself (a URL's fetch has a timeout of its own).
func readInputs(e *env, ins []reportInput, opt dump.Options, q *seriesRequest,
	done func(i int, sums []*dump.Summary, err error)) {
	parallel, timeout := q.parallel, q.timeout
	sem := make(chan struct{}, max(1, parallel))
	var wg sync.WaitGroup
	for i, in := range ins {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			type result struct {
				sums []*dump.Summary
				err  error
			}
			ch := make(chan result, 1)
			go func() {
				sums, err := readInput(e, in, opt, q.splitContext, q.timeout)
				ch <- result{sums, err}
			}()
			timer := time.NewTimer(timeout)
			defer timer.Stop()
			select {
			case r := <-ch:
				done(i, r.sums, r.err)
			case <-timer.C:
				done(i, nil, fmt.Errorf("report: %s: not read within --timeout %v", in.arg, timeout))
			}
		})
	}
	wg.Wait()
}
