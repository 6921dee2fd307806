package samsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
)

// Faults the simulator can play, for Fault. One-shot faults apply to the
// next exchange they concern and then clear; lasting ones stay until
// Fault("none").
var lasting = map[string]bool{"slow": true, "trickle": true, "checksum": true, "read-failed": true}

var faults = map[string]string{
	"none":             "clear every fault",
	"no-card":          "take the card away (same as Remove)",
	"remove-mid-read":  "one-shot: the next read answers 41 and the card leaves the field",
	"checksum":         "lasting: every answer has a wrong checksum",
	"checksum-once":    "one-shot: the next answer has a wrong checksum",
	"garbage":          "one-shot: noise and a false preamble before the next answer",
	"slow":             "lasting: every answer comes SlowDelay late (beyond the driver's time-out)",
	"trickle":          "lasting: answers come in 16-byte pieces, TrickleGap apart",
	"sam-unauthorised": "one-shot: the next find answers 66 (SAM not authorised)",
	"sam-selftest":     "one-shot: the next SAM status answers 60 (self-test failed)",
	"read-failed":      "lasting: reads answer 41 with the card still there",
}

// FaultKinds lists the faults, sorted.
func FaultKinds() []string {
	out := make([]string, 0, len(faults))
	for k := range faults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FaultHelp describes a fault.
func FaultHelp(kind string) string { return faults[kind] }

// ErrUnknownFault is returned by Fault for a kind not in FaultKinds.
var ErrUnknownFault = errors.New("samsim: unknown fault")

// Options tune a Simulator.
type Options struct {
	Clock clock.Clock
	Log   *slog.Logger
	// SlowDelay is the delay of the "slow" fault (default 3s).
	SlowDelay time.Duration
	// TrickleGap is the pause between pieces of the "trickle" fault
	// (default 5ms).
	TrickleGap time.Duration
	// SAMID is the 16 bytes the SAM id command answers.
	SAMID [16]byte
	// Fingerprint is the data a 30 10 read returns (may be empty).
	Fingerprint []byte
}

// Simulator is a SAM card reader that answers frames on a line: the real
// protocol, with cards laid on it and faults scripted by the caller.
type Simulator struct {
	o     Options
	cards []SimCard

	mu       sync.Mutex
	laid     int             // index of the card in the field, -1 for none
	readDone bool            // the laid card was read: find fails until it is laid again
	active   map[string]bool // faults in play
	answered int
	received int
	served   chan struct{} // closed and replaced after every answer
}

// New makes a simulator with cards (none laid).
func New(cards []SimCard, o Options) *Simulator {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = 3 * time.Second
	}
	if o.TrickleGap <= 0 {
		o.TrickleGap = 5 * time.Millisecond
	}
	if o.SAMID == ([16]byte{}) {
		// 05.01-20260101-0000012345-0000067890
		o.SAMID = [16]byte{5, 0, 1, 0, 0x05, 0x25, 0x35, 0x01, 0x39, 0x30, 0, 0, 0x32, 0x09, 0x01, 0}
	}
	return &Simulator{o: o, cards: cards, laid: -1, active: map[string]bool{}, served: make(chan struct{})}
}

// Cards lists the card labels.
func (s *Simulator) Cards() []string {
	out := make([]string, len(s.cards))
	for i, c := range s.cards {
		out[i] = c.Label
	}
	return out
}

// Card returns card i.
func (s *Simulator) Card(i int) (SimCard, error) {
	if i < 0 || i >= len(s.cards) {
		return SimCard{}, fmt.Errorf("samsim: card %d: have %d cards (0..%d)", i, len(s.cards), len(s.cards)-1)
	}
	return s.cards[i], nil
}

// Lay puts card i in the field.
func (s *Simulator) Lay(i int) error {
	if _, err := s.Card(i); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.laid, s.readDone = i, false
	return nil
}

// Remove takes the card away.
func (s *Simulator) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.laid, s.readDone = -1, false
	return nil
}

// Fault scripts a fault (see FaultKinds).
func (s *Simulator) Fault(kind string) error {
	if _, ok := faults[kind]; !ok {
		return fmt.Errorf("%w %q (known: %v)", ErrUnknownFault, kind, FaultKinds())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch kind {
	case "none":
		s.active = map[string]bool{}
	case "no-card":
		s.laid, s.readDone = -1, false
	default:
		s.active[kind] = true
	}
	return nil
}

// FaultKinds lists the faults Fault accepts.
func (s *Simulator) FaultKinds() []string { return FaultKinds() }

// WaitIdle waits until every request received so far has been answered.
func (s *Simulator) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		idle, ch := s.received == s.answered, s.served
		s.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Served returns a channel closed after the next answer is written and the
// number of answers written so far: tests wait on it instead of sleeping.
func (s *Simulator) Served() (<-chan struct{}, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served, s.answered
}

func (s *Simulator) take(kind string) bool {
	if !s.active[kind] {
		return false
	}
	if !lasting[kind] {
		delete(s.active, kind)
	}
	return true
}

// Answer computes the answer frame to one request body (the protocol
// without the line: the unit the tests and "kioskctl card sim-frame" use).
func (s *Simulator) Answer(body []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(body) < 2 {
		return sam.Answer(sam.StatusLength, nil)
	}
	cmd, para := body[0], body[1]
	switch {
	case cmd == sam.CmdSAM && para == sam.ParaSAM:
		if s.take("sam-selftest") {
			return sam.Answer(sam.StatusSAMSelfTest, nil)
		}
		return sam.Answer(sam.StatusOK, nil)
	case cmd == sam.CmdSAMID && para == sam.ParaSAM:
		return sam.Answer(sam.StatusOK, s.o.SAMID[:])
	case cmd == sam.CmdCard && para == sam.ParaFind:
		if s.take("sam-unauthorised") {
			return sam.Answer(sam.StatusSAMUnauthorised, nil)
		}
		if s.laid < 0 || s.readDone {
			return sam.Answer(sam.StatusFindFailed, make([]byte, 4))
		}
		return sam.Answer(sam.StatusCardFound, make([]byte, 4))
	case cmd == sam.CmdCard && para == sam.ParaSelect:
		if s.laid < 0 {
			return sam.Answer(sam.StatusSelectFailed, make([]byte, 8))
		}
		return sam.Answer(sam.StatusOK, make([]byte, 8))
	case cmd == sam.CmdRead && (para == sam.ParaRead || para == sam.ParaReadFP):
		if s.laid < 0 {
			return sam.Answer(sam.StatusReadFailed, nil)
		}
		if s.take("remove-mid-read") {
			s.laid, s.readDone = -1, false
			return sam.Answer(sam.StatusReadFailed, nil)
		}
		if s.take("read-failed") {
			return sam.Answer(sam.StatusReadFailed, nil)
		}
		var fp []byte
		if para == sam.ParaReadFP {
			fp = append([]byte{}, s.o.Fingerprint...)
		}
		data, err := idcard.EncodeChipData(s.cards[s.laid].Card, fp)
		if err != nil {
			s.o.Log.Error("samsim: encoding the card", "err", err)
			return sam.Answer(sam.StatusReadFailed, nil)
		}
		s.readDone = true
		return sam.Answer(sam.StatusOK, data)
	case cmd == sam.CmdRead && para == sam.ParaAddr:
		if s.laid < 0 {
			return sam.Answer(sam.StatusReadFailed, nil)
		}
		return sam.Answer(sam.StatusNoContent, nil)
	}
	return sam.Answer(sam.StatusCommand, nil)
}

// Serve answers the requests that arrive on rw until ctx ends or rw fails.
func (s *Simulator) Serve(ctx context.Context, rw io.ReadWriter) error {
	var buf []byte
	b := make([]byte, 4096)
	for {
		n, err := rw.Read(b)
		buf = append(buf, b[:n]...)
		for {
			body, used, ferr := sam.Next(buf)
			var ans []byte
			switch {
			case ferr == nil:
				ans = s.Answer(body)
			case errors.Is(ferr, sam.ErrChecksum):
				ans = sam.Answer(sam.StatusChecksum, nil)
			case errors.Is(ferr, sam.ErrLength):
				ans = sam.Answer(sam.StatusLength, nil)
			}
			buf = buf[used:]
			if ans == nil {
				break
			}
			s.mu.Lock()
			s.received++
			s.mu.Unlock()
			if werr := s.send(ctx, rw, ans); werr != nil {
				return werr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("samsim: reading the line: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (s *Simulator) wait(ctx context.Context, d time.Duration) error {
	t := s.o.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send writes an answer, playing the line faults.
func (s *Simulator) send(ctx context.Context, w io.Writer, ans []byte) error {
	s.mu.Lock()
	slow, trickle := s.take("slow"), s.take("trickle")
	corrupt := s.take("checksum") || s.take("checksum-once")
	garbage := s.take("garbage")
	s.mu.Unlock()
	if corrupt {
		ans = append([]byte(nil), ans...)
		ans[len(ans)-1] ^= 0x5A
	}
	if garbage {
		ans = append([]byte{0x00, 0x13, 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x42, 0xAA, 0xAA}, ans...)
	}
	if slow {
		if err := s.wait(ctx, s.o.SlowDelay); err != nil {
			return err
		}
	}
	piece := len(ans)
	if trickle {
		piece = 16
	}
	for len(ans) > 0 {
		n := min(piece, len(ans))
		if _, err := w.Write(ans[:n]); err != nil {
			return fmt.Errorf("samsim: writing an answer: %w", err)
		}
		ans = ans[n:]
		if trickle && len(ans) > 0 {
			if err := s.wait(ctx, s.o.TrickleGap); err != nil {
				return err
			}
		}
	}
	s.mu.Lock()
	if s.received > s.answered {
		s.answered++
	}
	close(s.served)
	s.served = make(chan struct{})
	s.mu.Unlock()
	return nil
}
