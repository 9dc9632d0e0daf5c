package cmd

import (
	"bufio"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"gsysint-demo/dump"
)

// How a dump is sent to each client: in chunks, each with a write deadline
// of its own, so that a large dump to a slow client goes through, and a
// client that takes more than sendChunkTimeout over one chunk (less than
// ~13 KB/s) is closed.
const (
	sendChunk        = 256 << 10
	sendChunkTimeout = 20 * time.Second
)

// sharedDumps takes the dumps the --http server sends, one at a time: a
// complete debug=2 dump of a million goroutines is ~250 MB, each dump in
// flight holds its own, and each stops the world. Requests for the same
// profile and debug level that come while a dump is taken or sent wait for
// the next one and share it: it is taken once and written to each of them
// from the same bytes. A request whose client leaves before its dump starts
// costs nothing more; when every client of a dump has left, it is not taken.
type sharedDumps struct {
	sem     chan struct{} // held while a dump is taken and sent
	mu      sync.Mutex
	pending map[dumpKey]*dumpBatch // the next dump of each kind, open to more clients
}

type dumpKey struct {
	profile dump.Profile
	debug   dump.Debug
}

// dumpBatch is the clients of one dump.
type dumpBatch struct {
	key     dumpKey
	clients []*dumpClient // guarded by sharedDumps.mu until the dump starts
}

// A dumpClient's state: it waits, then either the dump is sent to it or it
// leaves first. Whoever moves it out of waiting owns its ResponseWriter.
const (
	clientWaiting int32 = iota
	clientSending
	clientGone
)

type dumpClient struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	state  atomic.Int32
	failed bool          // a write failed or timed out: nothing more is sent
	err    error         // the dump's error, set before done is closed
	done   chan struct{} // closed when the dump was sent to it (or failed)
}

func newSharedDumps() *sharedDumps {
	return &sharedDumps{sem: make(chan struct{}, 1), pending: map[dumpKey]*dumpBatch{}}
}

// serve writes profile at debug to w, sharing the dump with the other
// clients that wait for the same one. It returns the dump's error, or the
// request context's error if the client left before its dump started.
func (s *sharedDumps) serve(w http.ResponseWriter, r *http.Request, profile dump.Profile, debug dump.Debug) error {
	c := &dumpClient{w: w, rc: http.NewResponseController(w), done: make(chan struct{})}
	key := dumpKey{profile, debug}
	s.mu.Lock()
	b := s.pending[key]
	if b == nil {
		b = &dumpBatch{key: key}
		s.pending[key] = b
		go s.take(b)
	}
	b.clients = append(b.clients, c)
	s.mu.Unlock()

	select {
	case <-c.done:
		return c.err
	case <-r.Context().Done():
		if c.state.CompareAndSwap(clientWaiting, clientGone) {
			return r.Context().Err()
		}
		// The dump is being written to w: the writes to a client that
		// left fail, or time out, and w is not to be touched after this
		// handler returns.
		<-c.done
		return c.err
	}
}

// take waits for its turn, then takes b's dump once and writes it to every
// client still there.
func (s *sharedDumps) take(b *dumpBatch) {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	s.mu.Lock()
	delete(s.pending, b.key) // from now on, newcomers wait for the next dump
	clients := b.clients
	s.mu.Unlock()
	var live []*dumpClient
	for _, c := range clients {
		if c.state.CompareAndSwap(clientWaiting, clientSending) {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return
	}
	// pprof's writers write in small pieces: each write to the fan-out
	// is at least 64 KiB. The debug=2 text comes in one write.
	bw := bufio.NewWriterSize(&fanout{clients: live}, 64<<10)
	_, err := dump.Write(bw, b.key.profile, b.key.debug)
	// Flushed whatever the error: one that comes after the last byte (the
	// goroutines could not be counted) must not cut the last 64 KiB off a
	// response that then ends as if whole.
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	for _, c := range live {
		if err == nil && !c.failed {
			// The rest (net/http's buffer, the end of the chunked body) is
			// written when the handler returns, under the last deadline.
			if c.rc.Flush() != nil {
				c.failed = true
			}
		}
		c.err = err
		close(c.done)
	}
}

// errClientsGone ends a dump whose every client left or stalled.
var errClientsGone = errors.New("every client of this dump left or stopped reading")

// fanout writes to every client that has not failed, at once.
type fanout struct{ clients []*dumpClient }

func (f *fanout) Write(p []byte) (int, error) {
	var wg sync.WaitGroup
	for _, c := range f.clients {
		if !c.failed {
			wg.Go(func() { c.failed = c.send(p) != nil })
		}
	}
	wg.Wait()
	for _, c := range f.clients {
		if !c.failed {
			return len(p), nil
		}
	}
	return 0, errClientsGone
}

// send writes p to c in chunks, each under its own write deadline.
func (c *dumpClient) send(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), sendChunk)
		if err := c.rc.SetWriteDeadline(time.Now().Add(sendChunkTimeout)); err != nil {
			return err
		}
		if _, err := c.w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
