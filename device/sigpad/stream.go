package sigpad

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/clock"
)

// Stream is a Pad made from a protocol decoder: a goroutine reads samples
// off the line, stamps them with the clock, builds the strokes and queues
// the samples for Next. Protocol drivers return a *Stream.
type Stream struct {
	info  Info
	read  func() (Sample, error)
	close io.Closer
	clk   clock.Clock
	start time.Time
	// period is the time between two reports at the pad's nominal rate
	// (0: not known), lastT the last sample's time.
	period, lastT int64

	mu     sync.Mutex
	b      *Builder
	q      []Sample
	err    error
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

var _ Pad = (*Stream)(nil)

// maxQueue bounds the samples waiting for Next: a screen that stops
// reading loses the oldest live samples, never the strokes (Signature
// keeps them all).
const maxQueue = 8192

// NewStream starts reading samples with read until it fails; closer is
// closed by Close (it must make a blocked read return). Sample times are
// taken from clk when each sample arrives.
func NewStream(info Info, read func() (Sample, error), closer io.Closer, clk clock.Clock) *Stream {
	return NewPacedStream(info, 0, read, closer, clk)
}

// NewPacedStream is NewStream for a pad that sends rate reports a second
// while the pen is near: a sample is stamped no earlier than one report
// period after the one before, so samples that arrive together (a busy
// machine read the port late, a USB adapter buffered them) keep the time
// the pad took to send them, and a signature is not taken for one written
// too quickly. A pause with no reports (the pen lifted away) still shows
// in the arrival times.
func NewPacedStream(info Info, rate int, read func() (Sample, error), closer io.Closer, clk clock.Clock) *Stream {
	if clk == nil {
		clk = clock.Real{}
	}
	var period int64
	if rate > 0 {
		period = max(1, int64(1000/rate))
	}
	s := &Stream{info: info, read: read, close: closer, clk: clk, start: clk.Now(), period: period, lastT: -1,
		b: NewBuilder(info), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *Stream) loop() {
	defer close(s.done)
	for {
		smp, err := s.read()
		s.mu.Lock()
		if err != nil {
			if s.closed {
				s.err = ErrClosed
			} else {
				s.err = &GoneError{Cause: err}
			}
			s.mu.Unlock()
			s.notify()
			return
		}
		smp.T = s.clk.Now().Sub(s.start).Milliseconds()
		if s.period > 0 && s.lastT >= 0 && smp.T < s.lastT+s.period {
			smp.T = s.lastT + s.period
		}
		s.lastT = smp.T
		smp = s.b.Add(smp)
		if len(s.q) >= maxQueue {
			s.q = s.q[1:]
		}
		s.q = append(s.q, smp)
		s.mu.Unlock()
		s.notify()
	}
}

func (s *Stream) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Info is the pad's description.
func (s *Stream) Info() Info { return s.info }

// Next returns the next queued sample, waiting for one.
func (s *Stream) Next(ctx context.Context) (Sample, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Sample{}, ErrClosed
		}
		if len(s.q) > 0 {
			smp := s.q[0]
			s.q = s.q[1:]
			s.mu.Unlock()
			return smp, nil
		}
		err := s.err
		s.mu.Unlock()
		if err != nil {
			return Sample{}, err
		}
		select {
		case <-ctx.Done():
			return Sample{}, ctx.Err()
		case <-s.wake:
		}
	}
}

// Signature is the strokes received since opening or the last Clear.
func (s *Stream) Signature() Signature {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Signature()
}

// Clear forgets the strokes and the queued samples.
func (s *Stream) Clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.b.Reset()
	s.q = nil
	return nil
}

// Close closes the line and waits for the reader to stop.
func (s *Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var err error
	if s.close != nil {
		err = s.close.Close()
	}
	<-s.done
	s.notify()
	return err
}

// Err is the error that ended the stream, nil while it runs.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Gone is closed when the reader stopped (pad gone or closed).
func (s *Stream) Gone() <-chan struct{} { return s.done }

// IsGone reports whether err means the pad went away.
func IsGone(err error) bool { return errors.Is(err, ErrPadGone) }
