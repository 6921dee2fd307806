package sam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/idcard"
)

// Dialer opens the line to the reader (a serial port).
type Dialer func() (io.ReadWriteCloser, error)

// ReaderOptions tune a Reader. Zero fields take the defaults.
type ReaderOptions struct {
	Options
	// Poll is the interval between finds while waiting for a card, and
	// between selects while waiting for its removal (default 250ms).
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts to reopen a
	// port that went away (default 200ms and 5s; doubling, with jitter).
	MinBackoff, MaxBackoff time.Duration
	// Rand is the jitter source (default the system's).
	Rand io.Reader
}

// Reader is an idcard.Reader over a SAM reader's serial line. It reopens
// the line with back-off when the device disappears (a USB serial adapter
// unplugged) and comes back.
type Reader struct {
	dial Dialer
	o    ReaderOptions
	port io.ReadWriteCloser
	sess *Session
	// found: WaitCard found a card that has not been read or lost since.
	found  bool
	closed bool
}

// ErrClosed is returned by a Reader's methods after Close.
var ErrClosed = fmt.Errorf("sam: reader closed: %w", idcard.ErrReaderGone)

var (
	_ idcard.Reader = (*Reader)(nil)
	_ idcard.SAM    = (*Reader)(nil)
)

// NewReader opens the line once; an error here means the reader is not
// there at start-up.
func NewReader(dial Dialer, o ReaderOptions) (*Reader, error) {
	o.Options = o.Options.withDefaults()
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Rand == nil {
		o.Rand = entropy.System
	}
	r := &Reader{dial: dial, o: o}
	if err := r.connect(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reader) connect() error {
	p, err := r.dial()
	if err != nil {
		return fmt.Errorf("sam: opening the reader: %v: %w", err, idcard.ErrReaderGone)
	}
	r.port, r.sess = p, NewSession(p, r.o.Options)
	return nil
}

func (r *Reader) disconnect() {
	if r.port != nil {
		r.port.Close()
		r.sess.Close()
		r.port, r.sess = nil, nil
	}
}

// session returns the live session, reopening the port once if it went
// away.
func (r *Reader) session() (*Session, error) {
	if r.closed {
		return nil, ErrClosed
	}
	if r.sess != nil && r.sess.gone != nil {
		r.o.Log.Warn("sam: reader line lost", "err", r.sess.gone)
		r.disconnect()
	}
	if r.sess == nil {
		if err := r.connect(); err != nil {
			return nil, err
		}
		r.o.Log.Info("sam: reader line reopened")
	}
	return r.sess, nil
}

// wait sleeps d on the injected clock.
func (r *Reader) wait(ctx context.Context, d time.Duration) error {
	t := r.o.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sessionWithBackoff reopens the port until it comes back or ctx ends.
func (r *Reader) sessionWithBackoff(ctx context.Context) (*Session, error) {
	backoff := r.o.MinBackoff
	for {
		s, err := r.session()
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, idcard.ErrReaderGone) || r.closed {
			return nil, err
		}
		if ctx.Err() != nil {
			// Say why the wait could not start, not only that it ended.
			return nil, fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		f, ferr := entropy.Float64(r.o.Rand)
		if ferr != nil {
			f = 0.5
		}
		d := time.Duration(float64(backoff) * (0.75 + 0.5*f))
		r.o.Log.Debug("sam: reader absent, retrying", "after", d)
		if werr := r.wait(ctx, d); werr != nil {
			return nil, fmt.Errorf("%w (%w)", err, werr)
		}
		backoff = min(2*backoff, r.o.MaxBackoff)
	}
}

// WaitCard polls 20 01 until a card is found, then selects it. A port that
// goes away is reopened with back-off. Other errors (SAM faults, time-outs,
// corrupt answers after the retries) end the wait: the caller shows the
// state and calls again.
func (r *Reader) WaitCard(ctx context.Context) error {
	for {
		s, err := r.sessionWithBackoff(ctx)
		if err != nil {
			return err
		}
		err = s.Find(ctx)
		if err == nil {
			err = s.Select(ctx)
			if err == nil {
				r.found = true
				return nil
			}
		}
		switch {
		case errors.Is(err, idcard.ErrNoCard):
			// Poll again.
		case errors.Is(err, idcard.ErrReaderGone):
			continue
		default:
			return err
		}
		if err := r.wait(ctx, r.o.Poll); err != nil {
			return err
		}
	}
}

// Read reads the card WaitCard found. A failed read is retried once while
// the card still answers a select; a card that no longer does was taken
// away mid-read (idcard.ErrCardRemoved), or was never there
// (idcard.ErrNoCard, when WaitCard had not found one).
func (r *Reader) Read(ctx context.Context) (*idcard.Card, error) {
	found := r.found
	r.found = false
	s, err := r.session()
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		c, err := s.ReadCard(ctx)
		if err == nil {
			return c, nil
		}
		var se *StatusError
		if !errors.As(err, &se) || se.Status != StatusReadFailed {
			return nil, err
		}
		serr := s.Select(ctx)
		switch {
		case errors.Is(serr, idcard.ErrNoCard) && !found:
			return nil, fmt.Errorf("sam: read: %w", idcard.ErrNoCard)
		case errors.Is(serr, idcard.ErrNoCard):
			return nil, fmt.Errorf("sam: read: %w", idcard.ErrCardRemoved)
		case serr != nil:
			return nil, serr
		case attempt >= 1:
			return nil, err
		}
	}
}

// WaitRemoved polls 20 01 and 20 02 until the read card no longer answers
// (or another card is found in its place).
func (r *Reader) WaitRemoved(ctx context.Context) error {
	for {
		s, err := r.session()
		if err != nil {
			return err
		}
		// A card that was read is not found again until it has left the
		// field: a find that succeeds is another card laid in its place
		// (swapped within one poll), so the read card is gone.
		if s.Find(ctx) == nil {
			return nil
		}
		err = s.Select(ctx)
		switch {
		case errors.Is(err, idcard.ErrNoCard):
			return nil
		case err == nil, errors.Is(err, idcard.ErrFrame), errors.Is(err, idcard.ErrTimeout):
		default:
			return err
		}
		if err := r.wait(ctx, r.o.Poll); err != nil {
			return err
		}
	}
}

// SAMStatus asks the SAM for its status.
func (r *Reader) SAMStatus(ctx context.Context) error {
	s, err := r.session()
	if err != nil {
		return err
	}
	return s.SAMStatus(ctx)
}

// SAMID returns the SAM's identifier.
func (r *Reader) SAMID(ctx context.Context) (string, error) {
	s, err := r.session()
	if err != nil {
		return "", err
	}
	return s.SAMID(ctx)
}

// Close closes the port. Call it once the other methods have returned
// (cancel their context first): the Reader is driven by one goroutine.
func (r *Reader) Close() error {
	r.closed = true
	if r.port == nil {
		return nil
	}
	err := r.port.Close()
	r.sess.Close()
	r.port, r.sess = nil, nil
	return err
}
