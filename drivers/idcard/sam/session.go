package sam

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
)

// Commands.
const (
	CmdSAM     = 0x11 // PARA FF: SAM status
	CmdSAMID   = 0x12 // PARA FF: SAM id
	CmdCard    = 0x20 // PARA 01 find, 02 select
	CmdRead    = 0x30 // PARA 01 text+photo, 10 +fingerprint, 03 appended address
	ParaSAM    = 0xFF
	ParaFind   = 0x01
	ParaSelect = 0x02
	ParaRead   = 0x01
	ParaReadFP = 0x10
	ParaAddr   = 0x03
)

// Options tune a Session. Zero fields take the defaults.
type Options struct {
	// Timeout is how long an answer may take to arrive completely
	// (default 2s; a 30 01 answer is 1295 bytes, 113 ms at 115200 baud,
	// plus the card's own read time).
	Timeout time.Duration
	// Settle is how long the line must stay quiet after a time-out before
	// the next request goes out (default 150ms).
	Settle time.Duration
	// Retries is how often a request is sent again after a corrupt answer
	// or a checksum complaint from the reader (default 2).
	Retries int
	// Fingerprint reads with 30 10 instead of 30 01.
	Fingerprint bool
	Clock       clock.Clock
	Log         *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Settle <= 0 {
		o.Settle = 150 * time.Millisecond
	}
	if o.Retries <= 0 {
		o.Retries = 2
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	return o
}

type chunk struct {
	b   []byte
	err error
}

// Session speaks the SAM protocol over one io.ReadWriter (a serial port, a
// pty, a pipe in tests). A goroutine reads the line; the session's methods
// wait for its bytes with the injected clock. Not safe for concurrent use.
type Session struct {
	w     io.Writer
	o     Options
	in    chan chunk
	done  chan struct{}
	buf   []byte
	gone  error
	stale bool
}

// NewSession starts reading rw. Close the underlying port to stop the
// reading goroutine, then call Close.
func NewSession(rw io.ReadWriter, o Options) *Session {
	s := &Session{w: rw, o: o.withDefaults(), in: make(chan chunk, 64), done: make(chan struct{})}
	go s.readLoop(rw)
	return s
}

// Close stops handing bytes to the session (the reading goroutine ends when
// its Read returns).
func (s *Session) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

func (s *Session) readLoop(r io.Reader) {
	for {
		b := make([]byte, 2048)
		n, err := r.Read(b)
		if n > 0 {
			select {
			case s.in <- chunk{b: b[:n]}:
			case <-s.done:
				return
			}
		}
		if err != nil {
			select {
			case s.in <- chunk{err: err}:
			case <-s.done:
			}
			return
		}
	}
}

// take moves a chunk into the buffer; it returns the line's error.
func (s *Session) take(c chunk) error {
	if c.err != nil {
		s.gone = fmt.Errorf("sam: reading the line: %v: %w", c.err, idcard.ErrReaderGone)
		return s.gone
	}
	s.buf = append(s.buf, c.b...)
	return nil
}

// drain drops what has arrived so far.
func (s *Session) drain() error {
	for {
		select {
		case c := <-s.in:
			if err := s.take(c); err != nil {
				return err
			}
		default:
			s.buf = s.buf[:0]
			return nil
		}
	}
}

// settle waits until the line has been quiet for Settle (at most Timeout),
// dropping what comes: the late answer to a request that timed out.
func (s *Session) settle(ctx context.Context) error {
	limit := s.o.Clock.NewTimer(s.o.Timeout)
	defer limit.Stop()
	for {
		quiet := s.o.Clock.NewTimer(s.o.Settle)
		select {
		case c := <-s.in:
			quiet.Stop()
			if err := s.take(c); err != nil {
				return err
			}
			s.buf = s.buf[:0]
		case <-quiet.C():
			s.buf = s.buf[:0]
			return nil
		case <-limit.C():
			quiet.Stop()
			s.buf = s.buf[:0]
			return nil
		case <-ctx.Done():
			quiet.Stop()
			return ctx.Err()
		}
	}
}

// readAnswer waits for the next complete frame.
func (s *Session) readAnswer(ctx context.Context, deadline clock.Timer) (Response, error) {
	for {
		body, n, err := Next(s.buf)
		if err == nil {
			r, perr := ParseResponse(body)
			rest := copy(s.buf, s.buf[n:])
			s.buf = s.buf[:rest]
			if perr != nil {
				return Response{}, fmt.Errorf("%w: %w", idcard.ErrFrame, perr)
			}
			r.Data = append([]byte(nil), r.Data...)
			return r, nil
		}
		rest := copy(s.buf, s.buf[n:])
		s.buf = s.buf[:rest]
		if errors.Is(err, ErrChecksum) {
			return Response{}, fmt.Errorf("%w: %w", idcard.ErrFrame, err)
		}
		if errors.Is(err, ErrLength) {
			continue // a false preamble: scan on
		}
		select {
		case c := <-s.in:
			if err := s.take(c); err != nil {
				return Response{}, err
			}
		case <-deadline.C():
			s.stale = true
			return Response{}, fmt.Errorf("sam: no complete answer within %v: %w", s.o.Timeout, idcard.ErrTimeout)
		case <-ctx.Done():
			s.stale = true
			return Response{}, ctx.Err()
		}
	}
}

// Exchange sends a request and returns the answer, whatever its status.
// It sends again, up to Retries times, after a corrupt answer or the
// reader's complaint about a corrupt request; fits says whether an answer
// can be the one to this request (others are late answers, dropped).
func (s *Session) Exchange(ctx context.Context, cmd, para byte, fits func(Response) bool) (Response, error) {
	if s.gone != nil {
		return Response{}, s.gone
	}
	req := Request(cmd, para)
	var last error
	for attempt := 0; attempt <= s.o.Retries; attempt++ {
		if s.stale {
			if err := s.settle(ctx); err != nil {
				return Response{}, err
			}
			s.stale = false
		}
		if err := s.drain(); err != nil {
			return Response{}, err
		}
		if _, err := s.w.Write(req); err != nil {
			s.gone = fmt.Errorf("sam: writing %02X %02X: %v: %w", cmd, para, err, idcard.ErrReaderGone)
			return Response{}, s.gone
		}
		deadline := s.o.Clock.NewTimer(s.o.Timeout)
		r, err := s.readAnswer(ctx, deadline)
		for err == nil && fits != nil && !fits(r) {
			s.o.Log.Debug("sam: dropped an answer that does not fit", "cmd", cmd, "status", r.Status.String())
			r, err = s.readAnswer(ctx, deadline)
		}
		deadline.Stop()
		switch {
		case err == nil && (r.Status == StatusChecksum || r.Status == StatusLength):
			last = &StatusError{cmd, para, r.Status}
		case errors.Is(err, idcard.ErrFrame):
			last = err
			s.stale = true // the rest of a broken answer may still come
		case err != nil:
			return Response{}, err
		default:
			return r, nil
		}
		s.o.Log.Debug("sam: retrying", "cmd", cmd, "attempt", attempt+1, "err", last)
	}
	return Response{}, fmt.Errorf("sam: command %02X %02X: %d attempts: %w", cmd, para, s.o.Retries+1, last)
}

// statusIn makes a fits function accepting the given statuses and every
// error status (an error status fits any command).
func statusIn(ok ...Status) func(Response) bool {
	return func(r Response) bool {
		switch r.Status {
		case StatusOK, StatusCardFound, StatusFindFailed, StatusSelectFailed:
			for _, s := range ok {
				if r.Status == s {
					return true
				}
			}
			return false
		}
		return true
	}
}

func (s *Session) simple(ctx context.Context, cmd, para byte, fits func(Response) bool, want Status) (Response, error) {
	r, err := s.Exchange(ctx, cmd, para, fits)
	if err != nil {
		return r, err
	}
	if r.Status != want {
		return r, &StatusError{cmd, para, r.Status}
	}
	return r, nil
}

// Find asks for a card in the field: nil when one was found, an error
// wrapping idcard.ErrNoCard when none.
func (s *Session) Find(ctx context.Context) error {
	_, err := s.simple(ctx, CmdCard, ParaFind, statusIn(StatusCardFound, StatusFindFailed), StatusCardFound)
	return err
}

// Select selects the card found: nil when it answers, idcard.ErrNoCard when
// no card lies in the field.
func (s *Session) Select(ctx context.Context) error {
	_, err := s.simple(ctx, CmdCard, ParaSelect, statusIn(StatusOK, StatusSelectFailed), StatusOK)
	return err
}

// ReadCard reads the selected card (30 01, or 30 10 with Fingerprint) and
// parses it. A 41 answer is returned as is (see Reader.Read for the
// removal check).
func (s *Session) ReadCard(ctx context.Context) (*idcard.Card, error) {
	para := byte(ParaRead)
	if s.o.Fingerprint {
		para = ParaReadFP
	}
	fits := func(r Response) bool {
		if r.Status != StatusOK {
			return statusIn()(r)
		}
		return len(r.Data) >= 4 && binary.BigEndian.Uint16(r.Data) == idcard.TextSize
	}
	r, err := s.simple(ctx, CmdRead, para, fits, StatusOK)
	if err != nil {
		return nil, err
	}
	c, err := idcard.ParseChipData(r.Data, s.o.Fingerprint)
	if err != nil {
		return nil, fmt.Errorf("sam: card data: %w", err)
	}
	return c, nil
}

// SAMStatus asks the SAM for its status.
func (s *Session) SAMStatus(ctx context.Context) error {
	_, err := s.simple(ctx, CmdSAM, ParaSAM, statusIn(StatusOK), StatusOK)
	return err
}

// SAMID asks the SAM for its identifier.
func (s *Session) SAMID(ctx context.Context) (string, error) {
	fits := func(r Response) bool { return r.Status != StatusOK && statusIn()(r) || len(r.Data) == 16 }
	r, err := s.simple(ctx, CmdSAMID, ParaSAM, fits, StatusOK)
	if err != nil {
		return "", err
	}
	return FormatSAMID(r.Data)
}

// FormatSAMID prints the 16 bytes of a 12 FF answer the way vendors do.
func FormatSAMID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("sam: SAM id: %d bytes, want 16: %w", len(b), idcard.ErrFrame)
	}
	le := binary.LittleEndian
	return fmt.Sprintf("%02d.%02d-%08d-%010d-%010d", le.Uint16(b), le.Uint16(b[2:]), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])), nil
}
