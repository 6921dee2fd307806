package samsim

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
)

func init() {
	idcard.Backends.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (idcard.Reader, error) {
		if arg == "" {
			return nil, errors.New("samsim: no cards file given (want sim:cards.toml)")
		}
		return Open(env.Resolve(arg), SimOptions{Options: Options{Clock: env.Clock, Log: env.Log},
			Reader: sam.ReaderOptions{Options: sam.Options{Clock: env.Clock, Log: env.Log}, Rand: env.Rand}})
	})
	idcard.PhotoDecoders.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (idcard.PhotoDecoder, error) {
		return Decoder{}, nil
	})
}

// SimOptions configure Open: the simulator's and the real driver's.
type SimOptions struct {
	Options
	Reader sam.ReaderOptions
}

// Reader is the real sam driver talking over a pty to a simulator that runs
// in the same process. It implements idcard.Reader, idcard.SAM and
// idcard.SimControl.
type Reader struct {
	*sam.Reader
	Sim    *Simulator
	pty    *PTY
	cancel context.CancelFunc
	wg     sync.WaitGroup
	err    error
}

var (
	_ idcard.Reader       = (*Reader)(nil)
	_ idcard.SAM          = (*Reader)(nil)
	_ idcard.SimControl   = (*Reader)(nil)
	_ idcard.PhotoDecoder = (*Reader)(nil)
)

// Open loads the cards, starts the simulator on a new pty and opens the
// real driver on the pty's slave.
func Open(cardsPath string, o SimOptions) (*Reader, error) {
	cards, err := LoadCards(cardsPath)
	if err != nil {
		return nil, err
	}
	return Start(cards, o)
}

// Start runs a simulator with cards on a new pty and opens the real driver
// on it.
func Start(cards []SimCard, o SimOptions) (*Reader, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	p, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	r := &Reader{Sim: New(cards, o.Options), pty: p}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.err = r.Sim.Serve(ctx, p)
	}()
	rd, err := sam.Open(p.SlavePath, o.Reader)
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("samsim: %w", err)
	}
	r.Reader = rd
	return r, nil
}

// SlavePath is the pty the driver talks on (what "kioskctl card read
// --port" would be given).
func (r *Reader) SlavePath() string { return r.pty.SlavePath }

func (r *Reader) stop() {
	r.cancel()
	r.pty.Close()
	r.wg.Wait()
}

// Close closes the driver and stops the simulator.
func (r *Reader) Close() error {
	err := r.Reader.Close()
	r.stop()
	return err
}

// Cards lists the simulated cards.
func (r *Reader) Cards() []string { return r.Sim.Cards() }

// Lay puts card i on the reader.
func (r *Reader) Lay(i int) error { return r.Sim.Lay(i) }

// Remove takes the card away.
func (r *Reader) Remove() error { return r.Sim.Remove() }

// Fault scripts a fault.
func (r *Reader) Fault(kind string) error { return r.Sim.Fault(kind) }

// DecodePhoto decodes the simulated cards' photos.
func (r *Reader) DecodePhoto(wlt []byte) (image.Image, error) { return Decoder{}.DecodePhoto(wlt) }

// FaultKinds lists the faults.
func (r *Reader) FaultKinds() []string { return FaultKinds() }
