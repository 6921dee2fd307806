// Package padsim is the simulated signature pad: a recorded signature
// replayed as a real pad's bytes (Topaz or Wacom protocol IV) over a pseudo
// terminal, at the pad's report rate and within its baud rate, with
// optional line noise and a pulled cable. The "sim" backend starts one in
// the kiosk process and returns the real protocol driver opened on the
// other end of the pty, so the demo and the tests run the real decoders.
//
//	sigpad = "sim:topaz:sim/signature.json"
//	sigpad = "sim:wacom4:sim/signature.json,noise=0.05,speed=1,cut=1.5s"
package padsim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/topaz"
	"github.com/hbzk/kiosk/drivers/sigpad/wacom4"
)

// Model is what the simulated Wacom pad answers to "~#": a Digitizer II
// family pad of 5 x 2 inches at 1000 lines per inch.
const Model = "UD-0502-R00 V1.3-4"

// The simulated Wacom pad's resolution and range.
const (
	WacomRes  = 1000
	WacomMaxX = 5000
	WacomMaxY = 2000
)

// Options shape a simulated pad.
type Options struct {
	// Proto is "topaz" or "wacom4".
	Proto string
	// Noise is the chance, per packet, of a burst of line noise before it:
	// 1 to PacketLen-1 random bytes, the first possibly with the sync bit.
	// Such a burst cannot pass for a packet, so the replay still decodes
	// to known strokes while the decoders must find their way back in step.
	Noise float64
	// Speed replays faster (2) or slower (0.5) than written; 0 means 1.
	Speed float64
	// Cut, when > 0, pulls the cable this far into each replay.
	Cut time.Duration
	// Clock paces the replay; nil means the real clock.
	Clock clock.Clock
	// Rand draws the noise; nil means crypto/rand.
	Rand io.Reader
	// Log gets the simulator's events (no signature data).
	Log *slog.Logger
}

// Errors of the simulator's controls.
var (
	ErrBusy         = errors.New("padsim: already signing")
	ErrDisconnected = errors.New("padsim: disconnected")
	ErrNotStarted   = errors.New("padsim: the host has not started the pad (no ST)")
)

// Sim is a simulated pad on a pty.
type Sim struct {
	o       Options
	sig     sigpad.Signature
	info    sigpad.Info
	rate    int
	baud    int
	pktLen  int
	wmu     sync.Mutex // one writer at a time on the line
	mu      sync.Mutex
	master  *os.File
	slave   *os.File
	path    string
	started bool
	startc  chan struct{} // closed when started
	signing bool
	gen     int
	closed  bool
}

// New starts a simulated pad that will replay sig when told to Sign.
func New(sig sigpad.Signature, o Options) (*Sim, error) {
	if sig.Points() == 0 {
		return nil, fmt.Errorf("padsim: %w", sigpad.ErrEmpty)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	if o.Speed == 0 {
		o.Speed = 1
	}
	if !(o.Speed > 0 && o.Speed <= 100) {
		return nil, fmt.Errorf("padsim: speed %v: want 0..100", o.Speed)
	}
	if !(o.Noise >= 0 && o.Noise <= 1) {
		return nil, fmt.Errorf("padsim: noise %v: want 0..1", o.Noise)
	}
	if o.Cut < 0 {
		return nil, fmt.Errorf("padsim: cut %v: want >= 0", o.Cut)
	}
	s := &Sim{o: o, sig: sig}
	// A Topaz pad needs no set-up; a Wacom pad waits for "ST".
	switch o.Proto {
	case "topaz":
		s.info, s.rate, s.baud, s.pktLen = topaz.DefaultInfo, topaz.Rate, topaz.Baud, topaz.PacketLen
	case "wacom4":
		m, err := wacom4.ParseModel("~#" + Model)
		if err != nil {
			return nil, err
		}
		s.info = wacom4.InfoFor(m, WacomRes, WacomRes, WacomMaxX, WacomMaxY)
		s.rate, s.baud, s.pktLen = wacom4.Rate, wacom4.Baud, wacom4.PacketLen
	default:
		return nil, fmt.Errorf("padsim: protocol %q: want topaz or wacom4", o.Proto)
	}
	if err := s.connect(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sim) connect() error {
	m, sl, name, err := openPTY()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.master, s.slave, s.path = m, sl, name
	s.gen++
	gen := s.gen
	s.startc = make(chan struct{})
	s.started = s.o.Proto == "topaz"
	if s.started {
		close(s.startc)
	}
	s.mu.Unlock()
	go s.serve(m, gen)
	s.o.Log.Info("sim sigpad: connected", "proto", s.o.Proto, "port", name)
	return nil
}

// Path is the pty the driver opens (it changes on Reconnect, as a USB
// serial adapter plugged in again may get another name).
func (s *Sim) Path() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// Info describes the simulated pad.
func (s *Sim) Info() sigpad.Info { return s.info }

// Rate is the simulated pad's reports a second.
func (s *Sim) Rate() int { return s.rate }

// Samples are the reports one replay sends, in order.
func (s *Sim) Samples() []sigpad.Sample { return sigpad.Replay(s.sig, s.info, s.rate) }

// serve reads what the host sends; a Wacom pad answers its set-up.
func (s *Sim) serve(m *os.File, gen int) {
	buf := make([]byte, 64)
	var cmd []byte
	for {
		n, err := m.Read(buf)
		if err != nil {
			return
		}
		if s.o.Proto != "wacom4" {
			continue
		}
		for _, c := range buf[:n] {
			cmd = append(cmd, c)
			if len(cmd) > 32 {
				cmd = cmd[1:]
			}
			var answer string
			switch {
			case strings.HasSuffix(string(cmd), wacom4.CmdModel):
				answer = "~#" + Model + "\r"
			case strings.HasSuffix(string(cmd), wacom4.CmdConfig):
				answer = fmt.Sprintf("~RE202C900,002,02,%d,%d\r", WacomRes, WacomRes)
			case strings.HasSuffix(string(cmd), wacom4.CmdCoords):
				answer = fmt.Sprintf("~C%d,%d\r", WacomMaxX, WacomMaxY)
			case strings.HasSuffix(string(cmd), "ST\r"):
				s.mu.Lock()
				if s.gen == gen && !s.started {
					s.started = true
					close(s.startc)
				}
				s.mu.Unlock()
			case strings.HasSuffix(string(cmd), "SP\r"):
				s.mu.Lock()
				if s.gen == gen && s.started {
					s.started = false
					s.startc = make(chan struct{})
				}
				s.mu.Unlock()
			}
			if answer != "" {
				cmd = cmd[:0]
				s.write(m, []byte(answer))
			}
		}
	}
}

func (s *Sim) write(m *os.File, b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := m.Write(b)
	return err
}

// Sign starts a replay of the signature and returns; the replay ends by
// itself (or at the cut).
func (s *Sim) Sign() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed || s.master == nil:
		return ErrDisconnected
	case s.signing:
		return ErrBusy
	case !s.started:
		return ErrNotStarted
	}
	s.signing = true
	go s.replay(s.master, s.gen)
	return nil
}

// WaitStarted waits until the host has started the pad (a Wacom pad
// after "ST"; a Topaz pad at once).
func (s *Sim) WaitStarted(ctx context.Context) error {
	s.mu.Lock()
	c := s.startc
	s.mu.Unlock()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("padsim: waiting for the host to start the pad: %w", ctx.Err())
	}
}

// Signing reports whether a replay is running.
func (s *Sim) Signing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signing
}

func (s *Sim) packet(smp sigpad.Sample, near bool) []byte {
	if s.o.Proto == "topaz" {
		return topaz.AppendPacket(nil, topaz.PacketFor(smp, near))
	}
	return wacom4.AppendPacket(nil, wacom4.PacketFor(smp, near, s.info), 1)
}

func (s *Sim) noise() []byte { return Noise(s.o.Rand, s.o.Noise, s.pktLen) }

// Noise draws the line noise before one packet: with chance p, a burst of
// 1 to pktLen-1 random bytes whose first byte may have the sync bit (bit 7)
// and the others not. A burst cannot complete a packet before the next
// real sync byte, so it only tests the decoder's way back into step.
func Noise(r io.Reader, p float64, pktLen int) []byte {
	if p <= 0 {
		return nil
	}
	f, err := entropy.Float64(r)
	if err != nil || f >= p {
		return nil
	}
	n, err := entropy.Intn(r, pktLen-1)
	if err != nil {
		return nil
	}
	b := make([]byte, n+1)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil
	}
	for i := range b {
		if i > 0 || b[i]&1 == 0 {
			b[i] &= 0x7F
		}
	}
	return b
}

// Stream is the bytes a simulated pad of proto sends for one replay of
// sig, without pacing: for wacom4 the answers to the set-up queries first
// (unless answers is false; then the packets are for wacom4.DefaultInfo),
// then one packet per report with line noise drawn from r with chance
// noise before each.
func Stream(proto string, sig sigpad.Signature, answers bool, noise float64, r io.Reader) ([]byte, error) {
	var out []byte
	switch proto {
	case "topaz":
		rep := sigpad.Replay(sig, topaz.DefaultInfo, topaz.Rate)
		for i, smp := range rep {
			out = append(out, Noise(r, noise, topaz.PacketLen)...)
			out = topaz.AppendPacket(out, topaz.PacketFor(smp, i < len(rep)-1 || smp.Down))
		}
	case "wacom4":
		m, err := wacom4.ParseModel("~#" + Model)
		if err != nil {
			return nil, err
		}
		info := wacom4.InfoFor(m, WacomRes, WacomRes, WacomMaxX, WacomMaxY)
		if answers {
			out = []byte(wacom4.Answers(Model, WacomRes, WacomRes, WacomMaxX, WacomMaxY))
		} else {
			info = wacom4.DefaultInfo
		}
		rep := sigpad.Replay(sig, info, wacom4.Rate)
		for i, smp := range rep {
			out = append(out, Noise(r, noise, wacom4.PacketLen)...)
			out = wacom4.AppendPacket(out, wacom4.PacketFor(smp, i < len(rep)-1 || smp.Down, info), m.ExtraZ)
		}
	default:
		return nil, fmt.Errorf("padsim: protocol %q: want topaz or wacom4", proto)
	}
	return out, nil
}

func (s *Sim) replay(m *os.File, gen int) {
	defer func() {
		s.mu.Lock()
		if s.gen == gen {
			s.signing = false
		}
		s.mu.Unlock()
	}()
	samples := s.Samples()
	s.o.Log.Info("sim sigpad: signing", "reports", len(samples))
	clk := s.o.Clock
	start := clk.Now()
	lineFree := start
	byteTime := time.Duration(float64(10*time.Second) / float64(s.baud) / s.o.Speed)
	for i, smp := range samples {
		at := time.Duration(float64(time.Duration(sigpad.TickTime(i, s.rate))*time.Millisecond) / s.o.Speed)
		if s.o.Cut > 0 && time.Duration(sigpad.TickTime(i, s.rate))*time.Millisecond >= s.o.Cut {
			s.o.Log.Info("sim sigpad: cable cut", "after", s.o.Cut)
			s.disconnect(gen)
			return
		}
		due := start.Add(at)
		if lineFree.After(due) {
			due = lineFree
		}
		if d := due.Sub(clk.Now()); d > 0 {
			<-clk.After(d)
		}
		b := append(s.noise(), s.packet(smp, i < len(samples)-1 || smp.Down)...)
		if err := s.write(m, b); err != nil {
			return
		}
		lineFree = due.Add(time.Duration(len(b)) * byteTime)
	}
}

// Disconnect pulls the cable: the pty closes, the driver's reads fail.
func (s *Sim) Disconnect() error {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	if !s.disconnect(gen) {
		return ErrDisconnected
	}
	return nil
}

func (s *Sim) disconnect(gen int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.master == nil || s.gen != gen {
		return false
	}
	s.master.Close()
	s.slave.Close()
	s.master, s.slave = nil, nil
	s.signing = false
	s.o.Log.Info("sim sigpad: disconnected")
	return true
}

// Reconnect plugs the pad in again, on a new pty (see Path).
func (s *Sim) Reconnect() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrDisconnected
	}
	gen := s.gen
	s.mu.Unlock()
	s.disconnect(gen)
	return s.connect()
}

// Close stops the simulator.
func (s *Sim) Close() error {
	s.mu.Lock()
	s.closed = true
	gen := s.gen
	s.mu.Unlock()
	s.disconnect(gen)
	return nil
}

// OpenDriver opens the real driver of the simulator's protocol on its pty.
func (s *Sim) OpenDriver(ctx context.Context, clk clock.Clock) (*sigpad.Stream, error) {
	if s.o.Proto == "topaz" {
		return topaz.Open(s.Path(), clk)
	}
	return wacom4.Open(ctx, s.Path(), clk)
}

// Pad is what the "sim" backend returns: the real driver on the
// simulator's pty, with the simulator's controls.
type Pad struct {
	sim *Sim
	clk clock.Clock
	mu  sync.Mutex
	cur *sigpad.Stream
}

var (
	_ sigpad.Pad        = (*Pad)(nil)
	_ sigpad.SimControl = (*Pad)(nil)
)

// NewPad starts a simulator and opens the real driver on it.
func NewPad(ctx context.Context, sig sigpad.Signature, o Options) (*Pad, error) {
	sim, err := New(sig, o)
	if err != nil {
		return nil, err
	}
	d, err := sim.OpenDriver(ctx, sim.o.Clock)
	if err != nil {
		sim.Close()
		return nil, err
	}
	return &Pad{sim: sim, clk: sim.o.Clock, cur: d}, nil
}

func (p *Pad) pad() *sigpad.Stream {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// Sim is the simulator behind the pad.
func (p *Pad) Sim() *Sim { return p.sim }

// Info describes the pad, as its driver learnt it.
func (p *Pad) Info() sigpad.Info { return p.pad().Info() }

// Next is the driver's Next.
func (p *Pad) Next(ctx context.Context) (sigpad.Sample, error) { return p.pad().Next(ctx) }

// Signature is the driver's strokes so far.
func (p *Pad) Signature() sigpad.Signature { return p.pad().Signature() }

// Clear clears the driver's strokes.
func (p *Pad) Clear() error { return p.pad().Clear() }

// Close closes the driver and stops the simulator.
func (p *Pad) Close() error {
	err := p.pad().Close()
	p.sim.Close()
	return err
}

// Sign makes the simulated candidate sign. Just after opening or
// reconnecting, it waits (up to two seconds) for the driver's set-up to
// reach the simulated pad.
func (p *Pad) Sign() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.sim.WaitStarted(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	return p.sim.Sign()
}

// Disconnect pulls the simulated cable: Next returns ErrPadGone.
func (p *Pad) Disconnect() error { return p.sim.Disconnect() }

// Reconnect plugs the simulated pad in again and reopens the driver on it.
func (p *Pad) Reconnect() error {
	if err := p.sim.Reconnect(); err != nil {
		return err
	}
	d, err := p.sim.OpenDriver(context.Background(), p.clk)
	if err != nil {
		return err
	}
	p.mu.Lock()
	old := p.cur
	p.cur = d
	p.mu.Unlock()
	old.Close()
	return nil
}

// ParseArg reads "PROTO:FILE[,noise=P][,speed=F][,cut=DURATION]".
func ParseArg(arg string) (file string, o Options, err error) {
	proto, rest, ok := strings.Cut(arg, ":")
	if !ok || rest == "" {
		return "", o, fmt.Errorf("padsim: %q: want PROTO:strokes.json, e.g. topaz:sim/signature.json", arg)
	}
	o.Proto = proto
	parts := strings.Split(rest, ",")
	file = parts[0]
	for _, kv := range parts[1:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "noise":
			o.Noise, err = strconv.ParseFloat(v, 64)
		case "speed":
			o.Speed, err = strconv.ParseFloat(v, 64)
		case "cut":
			o.Cut, err = time.ParseDuration(v)
		default:
			return "", o, fmt.Errorf("padsim: %q: unknown option %q (noise, speed, cut)", arg, k)
		}
		if err != nil {
			return "", o, fmt.Errorf("padsim: %q: option %s: %w", arg, k, err)
		}
	}
	if o.Proto != "topaz" && o.Proto != "wacom4" {
		return "", o, fmt.Errorf("padsim: %q: protocol %q: want topaz or wacom4", arg, o.Proto)
	}
	return file, o, nil
}

// Load reads and checks a strokes file.
func Load(path string) (sigpad.Signature, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sigpad.Signature{}, fmt.Errorf("padsim: %w", err)
	}
	sig, err := sigpad.ParseJSON(b)
	if err != nil {
		return sigpad.Signature{}, fmt.Errorf("padsim: %s: %w", path, err)
	}
	return sig, nil
}

func init() {
	sigpad.Backends.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (sigpad.Pad, error) {
		file, o, err := ParseArg(arg)
		if err != nil {
			return nil, err
		}
		sig, err := Load(env.Resolve(file))
		if err != nil {
			return nil, err
		}
		o.Clock, o.Rand, o.Log = env.Clock, env.Rand, env.Log
		return NewPad(ctx, sig, o)
	})
}
