package cmd

import (
	"bytes"
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
// complete debug=2 dump of a million goroutines is ~250 MB, and each stops
// the world. Requests for the same profile and debug level that come while
// a dump is taken wait for the next one and share it: it is taken once into
// memory, and each client's own handler sends it from those immutable bytes
// at that client's pace, so a slow client delays neither the other clients
// of its dump nor, beyond a bounded wait, the next dump. A request whose
// client leaves before its dump starts costs nothing more; when every
// client of a dump has left, it is not taken.
//
// Memory: at most maxDumpBuffers dumps' bytes are alive at once (a debug=2
// dump is sent from the buffer it was taken into, with no copy). A dump's
// bytes are let go when the last of its clients has been sent them (or
// failed). A new dump waits for the previous dump's bytes to be let go,
// but not for its slow clients: a client still reading slowAfter after
// another client of its dump was sent all of it, or slowAfter per client
// of its dump after it was taken (sending to n clients at once takes up
// to n times as long as to one), is slow, and the new dump is taken into
// a buffer of its own. So many fast clients cost about one dump (the
// clients that came during a dump wait for its last bytes to go out, then
// reuse its buffer), and a slow client delays the next dump by a bounded
// time. When maxDumpBuffers are held, a new dump waits for one to be let
// go. A stalled client is cut off by the chunk deadline
// ([sendChunkTimeout]); a slow one keeps its dump's bytes until it is done.
type sharedDumps struct {
	sem     chan struct{} // held while a dump is taken
	buffers chan struct{} // one held for each dump's bytes still being sent
	mu      sync.Mutex
	last    *dumpBytes             // the latest dump taken
	pending map[dumpKey]*dumpBatch // the next dump of each kind, open to more clients
}

// maxDumpBuffers is how many dumps' bytes may be alive at once: two, so
// that one slow client does not hold up every dump after its own.
const maxDumpBuffers = 2

// slowAfter is how long after a dump was taken its clients may take to
// read it before the next dump stops waiting for them: 4 times what
// taking it took, at least a second.
func slowAfter(took time.Duration) time.Duration { return max(time.Second, 4*took) }

type dumpKey struct {
	profile dump.Profile
	debug   dump.Debug
}

// dumpBatch is the clients of one dump.
type dumpBatch struct {
	key     dumpKey
	clients []*dumpClient // guarded by sharedDumps.mu until the dump starts
}

// A dumpClient's state: it waits, then either its dump is taken for it or
// it leaves first.
const (
	clientWaiting int32 = iota
	clientTaken
	clientGone
)

type dumpClient struct {
	state atomic.Int32
	body  *dumpBytes    // set before done is closed, when state is clientTaken
	done  chan struct{} // closed when the dump was taken
}

// dumpBytes is one dump as taken, shared by its clients, and the error
// dump.Write returned after writing b (b is whatever was written: an error
// that comes after the last byte must not cut a response short).
type dumpBytes struct {
	b        []byte
	err      error
	readers  atomic.Int32  // clients not yet done with b
	release  func()        // gives the buffer back, once readers is 0
	released chan struct{} // closed once b is let go
	grace    time.Duration // slowAfter of what taking it took
	slow     time.Time     // when its clients still reading are slow (grace × clients after it was taken)
	first    chan struct{} // closed when the first client was sent all of b
	once     sync.Once
}

// sent is called by each client that was sent all of b.
func (d *dumpBytes) sent() { d.once.Do(func() { close(d.first) }) }

// done is called by each client when it has sent b or given up.
func (d *dumpBytes) done() {
	if d.readers.Add(-1) == 0 {
		d.b = nil
		d.release()
		close(d.released)
	}
}

// wait returns when d's bytes are let go, or when its clients still
// reading are slow.
func (d *dumpBytes) wait() {
	t := time.NewTimer(time.Until(d.slow))
	defer t.Stop()
	select {
	case <-d.released:
		return
	case <-t.C:
		return
	case <-d.first:
	}
	t.Reset(d.grace)
	select {
	case <-d.released:
	case <-t.C:
	}
}

func newSharedDumps() *sharedDumps {
	return &sharedDumps{
		sem:     make(chan struct{}, 1),
		buffers: make(chan struct{}, maxDumpBuffers),
		pending: map[dumpKey]*dumpBatch{},
	}
}

// serve writes profile at debug to w, sharing the dump with the other
// clients that wait for the same one. It returns the dump's error, the
// error of writing it to w, or the request context's error if the client
// left before its dump started. stopping reports whether the server is
// stopping (then a dump already taken is still sent, under the deadlines
// that shutdown ends).
func (s *sharedDumps) serve(w http.ResponseWriter, r *http.Request, profile dump.Profile, debug dump.Debug, stopping func() bool) error {
	c := &dumpClient{done: make(chan struct{})}
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
	case <-r.Context().Done():
		if c.state.CompareAndSwap(clientWaiting, clientGone) {
			return r.Context().Err()
		}
		<-c.done // taken for it already: it owns a share of the bytes
	}
	d := c.body
	defer d.done()
	rc := http.NewResponseController(w)
	if err := send(r, rc, w, d.b, stopping); err != nil {
		return err
	}
	d.sent()
	if d.err != nil {
		return d.err
	}
	// The rest (net/http's buffer, the end of the chunked body) is
	// written when the handler returns, under the last deadline.
	return rc.Flush()
}

// take waits for a buffer and its turn, then takes b's dump once into
// memory and hands it to every client still there.
func (s *sharedDumps) take(b *dumpBatch) {
	s.buffers <- struct{}{}
	release := func() { <-s.buffers }
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	// Under the slot: the dump taken before this one is s.last.
	s.mu.Lock()
	prev := s.last
	s.mu.Unlock()
	if prev != nil {
		prev.wait()
	}
	s.mu.Lock()
	delete(s.pending, b.key) // from now on, newcomers wait for the next dump
	clients := b.clients
	s.mu.Unlock()
	var live []*dumpClient
	for _, c := range clients {
		if c.state.CompareAndSwap(clientWaiting, clientTaken) {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		release()
		return
	}
	start := time.Now()
	var d *dumpBytes
	if b.key.profile == dump.ProfileGoroutine && b.key.debug == dump.DebugStacks {
		// The large one: sent from the buffer it was taken into, not a
		// copy, which goes back to the dump package when let go.
		text, _, back := dump.TakeGoroutineText()
		d = &dumpBytes{b: text, release: func() { back(); release() }}
	} else {
		// The others come from pprof's writers, in small pieces: a
		// record per distinct stack (or per leaked goroutine).
		var buf bytes.Buffer
		_, err := dump.Write(&buf, b.key.profile, b.key.debug)
		d = &dumpBytes{b: buf.Bytes(), err: err, release: release}
	}
	d.released, d.first = make(chan struct{}), make(chan struct{})
	d.grace = slowAfter(time.Since(start))
	d.slow = time.Now().Add(d.grace * time.Duration(len(live)))
	d.readers.Store(int32(len(live)))
	s.mu.Lock()
	s.last = d
	s.mu.Unlock()
	for _, c := range live {
		c.body = d
		close(c.done)
	}
}

// errClientGone ends the sending of a dump to a client that left.
var errClientGone = errors.New("the client left before its dump was sent")

// send writes p to w in chunks, each under its own write deadline. A
// client that left is not sent the rest (unless the server is stopping:
// then every request's context is done, and the dump is sent until
// shutdown closes the connection).
func send(r *http.Request, rc *http.ResponseController, w http.ResponseWriter, p []byte, stopping func() bool) error {
	for len(p) > 0 {
		if r.Context().Err() != nil && !stopping() {
			return errClientGone
		}
		n := min(len(p), sendChunk)
		if err := rc.SetWriteDeadline(time.Now().Add(sendChunkTimeout)); err != nil {
			return err
		}
		if _, err := w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
