package wacom4

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/sigserial"
)

// Baud is the line speed of protocol IV pads.
const Baud = 9600

// Rate is the nominal number of reports a second while the pen is near
// (7 bytes of 10 bits at 9600 baud take 7.3 ms; the pad sends every 8 ms).
const Rate = 125

// PacketLen is the length of a packet without tilt.
const PacketLen = 7

// dataSize is the kernel's buffer: 32 bytes without a sync or a CR are
// thrown away.
const dataSize = 32

// The set-up commands.
const (
	CmdModel  = "~#"
	CmdConfig = "~R\r"
	CmdCoords = "~C\r"
	// SetupString is sent after the queries for most models.
	SetupString = "MU1\r" + "OC1\r" + "~M0\r" + "~M1\r" + "IT0\r" + "IN0\r" + "SR\r" + "ZF1\r" + "ST\r"
	// SetupCintiq is the Cintiq's, SetupPenPartner the PenPartner's.
	SetupCintiq     = "OC1\r" + "IT0\r" + "SR\r" + "ST\r"
	SetupPenPartner = "PH1\r" + "ST\r"
)

// Packet is one decoded report.
type Packet struct {
	Proximity bool
	Stylus    bool
	// Buttons is B3..B0 of byte 3; bit 0 is the tip touching.
	Buttons byte
	X, Y    int
	// Z is the pressure 0..(1<<(7+extraZ))-1, -1 when not a stylus in
	// proximity.
	Z int
}

// Touch says the stylus tip is on the pad.
func (p Packet) Touch() bool { return p.Stylus && p.Buttons&1 != 0 }

// ParsePacket decodes one 7-byte packet with extraZ extra pressure bits (0,
// 1 or 2), as wacom_handle_packet does.
func ParsePacket(b []byte, extraZ int) (Packet, error) {
	if len(b) != PacketLen {
		return Packet{}, fmt.Errorf("wacom4: packet of %d bytes, want %d: %w", len(b), PacketLen, ErrInvalid)
	}
	if b[0]&0x80 == 0 {
		return Packet{}, fmt.Errorf("wacom4: packet % x: no sync bit: %w", b, ErrInvalid)
	}
	for i := 1; i < PacketLen; i++ {
		if b[i]&0x80 != 0 {
			return Packet{}, fmt.Errorf("wacom4: packet % x: sync bit in byte %d: %w", b, i, ErrInvalid)
		}
	}
	p := Packet{
		Proximity: b[0]&0x40 != 0,
		Stylus:    b[0]&0x20 != 0,
		Buttons:   (b[3] & 0x78) >> 3,
		X:         int(b[0]&3)<<14 | int(b[1])<<7 | int(b[2]),
		Y:         int(b[3]&3)<<14 | int(b[4])<<7 | int(b[5]),
		Z:         -1,
	}
	if p.Proximity && p.Stylus {
		z := int(b[6] & 0x7F)
		if extraZ >= 1 {
			z = z<<1 | int(b[3]&4)>>2
		}
		if extraZ > 1 {
			z = z<<1 | int(b[0]&4)>>2
		}
		p.Z = z ^ (0x40 << extraZ)
	}
	return p, nil
}

// AppendPacket encodes a packet, the inverse of ParsePacket.
func AppendPacket(dst []byte, p Packet, extraZ int) []byte {
	x, y := min(max(p.X, 0), 0xFFFF), min(max(p.Y, 0), 0xFFFF)
	b := [PacketLen]byte{0x80 | byte(x>>14)&3, byte(x>>7) & 0x7F, byte(x) & 0x7F,
		(p.Buttons&0xF)<<3 | byte(y>>14)&3, byte(y>>7) & 0x7F, byte(y) & 0x7F, 0}
	if p.Proximity {
		b[0] |= 0x40
	}
	if p.Stylus {
		b[0] |= 0x20
	}
	if p.Buttons != 0 {
		b[0] |= 0x08
	}
	if p.Proximity && p.Stylus && p.Z >= 0 {
		z := min(p.Z, 1<<(7+extraZ)-1) ^ (0x40 << extraZ)
		if extraZ > 1 {
			b[0] |= byte(z&1) << 2
			z >>= 1
		}
		if extraZ >= 1 {
			b[3] |= byte(z&1) << 2
			z >>= 1
		}
		b[6] = byte(z) & 0x7F
	}
	return append(dst, b[:]...)
}

// ErrInvalid is matched by the error of a malformed packet.
var ErrInvalid = errors.New("wacom4: invalid packet")

// Model is what the pad said about itself.
type Model struct {
	// Family is the two letters after "~#" ("UD").
	Family string
	Name   string
	// Major and Minor are the ROM version.
	Major, Minor int
	// ExtraZ is the number of pressure bits beyond 7.
	ExtraZ int
	// ResX, ResY (lines per inch) and MaxX, MaxY when the model fixes
	// them, else 0.
	ResX, ResY, MaxX, MaxY int
	Setup                  string
}

// ErrUnsupported is matched by the error for a model the kernel driver
// does not know either.
var ErrUnsupported = errors.New("wacom4: unsupported model")

// ParseModel reads the answer to "~#", as wacom_handle_model_response.
func ParseModel(resp string) (Model, error) {
	if len(resp) < 4 || !strings.HasPrefix(resp, "~#") {
		return Model{}, fmt.Errorf("wacom4: model answer %q: want \"~#XX...\": %w", resp, ErrUnsupported)
	}
	m := Model{Family: resp[2:4], ExtraZ: 1, Setup: SetupString}
	if i := strings.LastIndexByte(resp, 'V'); i >= 0 {
		maj, min, _ := strings.Cut(resp[i+1:], ".")
		if a, b := leadingInt(maj), leadingInt(min); a >= 0 && b >= 0 {
			m.Major, m.Minor = a, b
		}
	}
	switch m.Family {
	case "PL", "DT":
		m.Name, m.ResX, m.ResY, m.Setup = "Wacom Cintiq", 508, 508, SetupCintiq
		if m.Family == "DT" {
			m.Name = "Wacom Cintiq II"
		}
		if len(resp) >= 7 {
			switch resp[5:7] {
			case "71":
				m.ResX, m.ResY = 2540, 2540
				m.ExtraZ = 2
			case "55", "80":
				m.ExtraZ = 2
			}
		}
	case "CT":
		m.Name, m.ResX, m.ResY, m.Setup = "Wacom Penpartner", 1000, 1000, SetupPenPartner
	case "ET":
		m.Name, m.ResX, m.ResY, m.MaxX, m.MaxY, m.ExtraZ = "Wacom Graphire", 1016, 1016, 5103, 3711, 2
	case "UD":
		m.Name = "Wacom Digitizer II"
		if m.Major == 1 && m.Minor <= 2 {
			m.ExtraZ = 0
		}
	default:
		return Model{}, fmt.Errorf("wacom4: model %q: %w", resp, ErrUnsupported)
	}
	return m, nil
}

// leadingInt reads the digits at the start of s, -1 if there are none.
func leadingInt(s string) int {
	n, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1e6; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 0 {
		return -1
	}
	return n
}

// ParseConfig reads the X and Y resolution from the answer to "~R".
func ParseConfig(resp string) (resX, resY int, err error) {
	f := strings.Split(strings.TrimPrefix(resp, "~R"), ",")
	if !strings.HasPrefix(resp, "~R") || len(f) < 5 {
		return 0, 0, fmt.Errorf("wacom4: configuration answer %q: want ~R%%x,%%u,%%u,%%u,%%u", resp)
	}
	if _, err := strconv.ParseUint(f[0], 16, 32); err != nil {
		return 0, 0, fmt.Errorf("wacom4: configuration answer %q: %w", resp, err)
	}
	resX, e1 := strconv.Atoi(f[3])
	resY, e2 := strconv.Atoi(f[4])
	if e1 != nil || e2 != nil || resX <= 0 || resY <= 0 || resX > 100000 || resY > 100000 {
		return 0, 0, fmt.Errorf("wacom4: configuration answer %q: bad resolution", resp)
	}
	return resX, resY, nil
}

// ParseCoords reads the maximum coordinates from the answer to "~C".
func ParseCoords(resp string) (maxX, maxY int, err error) {
	x, y, ok := strings.Cut(strings.TrimPrefix(resp, "~C"), ",")
	mx, e1 := strconv.Atoi(x)
	my, e2 := strconv.Atoi(y)
	if !strings.HasPrefix(resp, "~C") || !ok || e1 != nil || e2 != nil || mx <= 0 || my <= 0 || mx > 0xFFFF || my > 0xFFFF {
		return 0, 0, fmt.Errorf("wacom4: coordinates answer %q: want ~C%%u,%%u within 1..65535", resp)
	}
	return mx, my, nil
}

// Event is what the decoder found: a packet or an answer.
type Event struct {
	Packet Packet
	// Answer is the text of a CR-terminated answer ("~#UD-0608...") when
	// the event is one, else "".
	Answer string
}

// Stats count what the decoder met.
type Stats struct {
	Packets int `json:"packets"`
	Answers int `json:"answers"`
	// Short is the packets cut off by a new sync byte or the end.
	Short int `json:"short"`
	// Garbage is bytes thrown away (runs of 32 without a sync or a CR).
	Garbage int `json:"garbage"`
}

// Decoder reads packets and answers from the pad's byte stream, like the
// kernel's wacom_interrupt.
type Decoder struct {
	r *bufio.Reader
	// ExtraZ is the number of extra pressure bits; ApplyModel sets it.
	ExtraZ int
	buf    [dataSize]byte
	n      int
	Stats  Stats
}

// NewDecoder reads from r with the default extra pressure bit.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: bufio.NewReaderSize(r, 256), ExtraZ: 1} }

// NextEvent returns the next packet or answer.
func (d *Decoder) NextEvent() (Event, error) {
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			if d.n > 0 && d.buf[0]&0x80 != 0 {
				d.Stats.Short++
			}
			d.n = 0
			return Event{}, err
		}
		if c&0x80 != 0 {
			if d.n > 0 && d.buf[0]&0x80 != 0 {
				d.Stats.Short++
			}
			d.n = 0
		}
		if c == '\r' && (d.n == 0 || d.buf[0]&0x80 == 0) {
			if d.n == 0 {
				continue
			}
			ans := string(d.buf[:d.n])
			d.n = 0
			d.Stats.Answers++
			return Event{Answer: ans}, nil
		}
		if d.n > dataSize-2 {
			d.Stats.Garbage += d.n
			d.n = 0
		}
		d.buf[d.n] = c
		d.n++
		if d.n == PacketLen && d.buf[0]&0x80 != 0 {
			d.n = 0
			p, err := ParsePacket(d.buf[:PacketLen], d.ExtraZ)
			if err != nil {
				// A sync byte inside would have restarted the packet:
				// unreachable, kept for safety.
				d.Stats.Short++
				continue
			}
			d.Stats.Packets++
			return Event{Packet: p}, nil
		}
	}
}

// Next returns the next packet, skipping answers.
func (d *Decoder) Next() (Packet, error) {
	for {
		ev, err := d.NextEvent()
		if err != nil {
			return Packet{}, err
		}
		if ev.Answer == "" {
			return ev.Packet, nil
		}
	}
}

// DefaultInfo is assumed for a capture without set-up answers: a 6 x 4
// inch Digitizer II at 2540 lines per inch with 256 pressure levels.
var DefaultInfo = sigpad.Info{Model: "Wacom Digitizer II", MaxX: 15240, MaxY: 10160,
	ResX: 2540 / 25.4, ResY: 2540 / 25.4, Pressure: true, PressureLevels: 256}

// InfoFor describes a pad from its model and, when the model does not fix
// them, the answers to ~R and ~C.
func InfoFor(m Model, resX, resY, maxX, maxY int) sigpad.Info {
	if m.ResX > 0 {
		resX, resY = m.ResX, m.ResY
	}
	if m.MaxX > 0 {
		maxX, maxY = m.MaxX, m.MaxY
	}
	return sigpad.Info{Model: m.Name, MaxX: maxX, MaxY: maxY, ResX: float64(resX) / 25.4, ResY: float64(resY) / 25.4,
		Pressure: true, PressureLevels: 1 << (7 + m.ExtraZ)}
}

// Sample converts a packet: pen-down when a stylus in proximity touches.
func Sample(p Packet, info sigpad.Info) sigpad.Sample {
	s := sigpad.Sample{X: p.X, Y: p.Y, Down: p.Proximity && p.Touch()}
	if s.Down && p.Z > 0 && info.PressureLevels > 1 {
		s.P = min(float64(p.Z)/float64(info.PressureLevels-1), 1)
	}
	return s
}

// Decode reads a captured stream (what the pad sent) to its end. Set-up
// answers in it describe the pad; without them DefaultInfo is assumed.
// Sample n gets time sigpad.TickTime(n, Rate).
func Decode(r io.Reader) (sigpad.Signature, Stats, error) {
	d := NewDecoder(r)
	info := DefaultInfo
	var model Model
	haveModel := false
	var resX, resY, maxX, maxY int
	var b *sigpad.Builder
	n := 0
	for {
		ev, err := d.NextEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sigpad.Signature{}, d.Stats, fmt.Errorf("wacom4: read: %w", err)
		}
		if ev.Answer != "" {
			if b != nil {
				continue // answers once packets flow are noise
			}
			switch {
			case strings.HasPrefix(ev.Answer, "~#"):
				if m, err := ParseModel(ev.Answer); err == nil {
					model, haveModel = m, true
					d.ExtraZ = m.ExtraZ
				}
			case strings.HasPrefix(ev.Answer, "~R"):
				resX, resY, _ = ParseConfig(ev.Answer)
			case strings.HasPrefix(ev.Answer, "~C"):
				maxX, maxY, _ = ParseCoords(ev.Answer)
			}
			continue
		}
		if b == nil {
			if haveModel {
				in := InfoFor(model, resX, resY, maxX, maxY)
				if in.MaxX > 0 && in.MaxY > 0 && in.ResX > 0 {
					info = in
				}
			}
			b = sigpad.NewBuilder(info)
		}
		s := Sample(ev.Packet, info)
		s.T = sigpad.TickTime(n, Rate)
		n++
		b.Add(s)
	}
	if b == nil {
		return sigpad.Signature{Pad: info}, d.Stats, nil
	}
	return b.Signature(), d.Stats, nil
}

// Answers are the pad's answers to the set-up queries, as a simulator or a
// capture gives them.
func Answers(model string, resX, resY, maxX, maxY int) string {
	return fmt.Sprintf("~#%s\r~R%X,%03d,%02d,%d,%d\r~C%d,%d\r", model, 0xE202C900, 2, 2, resX, resY, maxX, maxY)
}

// Encode writes what a pad sends: the set-up answers (none if answers is
// "") then a packet per sample (from sigpad.Replay); the last pen-up
// sample says the pen left proximity.
func Encode(answers string, samples []sigpad.Sample, info sigpad.Info, extraZ int) []byte {
	out := []byte(answers)
	for i, s := range samples {
		out = AppendPacket(out, PacketFor(s, i < len(samples)-1 || s.Down, info), extraZ)
	}
	return out
}

// PacketFor is the packet of one sample: a stylus, the tip button when down.
func PacketFor(s sigpad.Sample, near bool, info sigpad.Info) Packet {
	p := Packet{Proximity: near, Stylus: true, X: s.X, Y: s.Y, Z: 0}
	if s.Down {
		p.Buttons = 1
		if info.PressureLevels > 1 {
			p.Z = int(s.P*float64(info.PressureLevels-1) + 0.5)
		}
	}
	return p
}

// Timeout is how long each set-up answer is awaited.
const Timeout = time.Second

// ErrNoAnswer is matched by the error of a pad that did not answer.
var ErrNoAnswer = errors.New("wacom4: no answer from the pad")

// Setup queries the pad and starts it, as wacom_setup does. It reads and
// writes rw from the calling goroutine; closing rw (Open does on timeout)
// ends a wait.
func Setup(rw io.Writer, d *Decoder) (sigpad.Info, error) {
	ask := func(cmd string) (string, error) {
		if _, err := io.WriteString(rw, cmd); err != nil {
			return "", fmt.Errorf("wacom4: send %q: %w", strings.TrimSpace(cmd), err)
		}
		for {
			ev, err := d.NextEvent()
			if err != nil {
				return "", fmt.Errorf("wacom4: waiting for the answer to %q: %w: %w", strings.TrimSpace(cmd), ErrNoAnswer, err)
			}
			if ev.Answer == "" {
				continue // packets of a pad already sending
			}
			if len(ev.Answer) < 2 || ev.Answer[0] != '~' || ev.Answer[1] != cmd[1] {
				return "", fmt.Errorf("wacom4: unexpected answer %q to %q", ev.Answer, strings.TrimSpace(cmd))
			}
			return ev.Answer, nil
		}
	}
	ans, err := ask(CmdModel)
	if err != nil {
		return sigpad.Info{}, err
	}
	m, err := ParseModel(ans)
	if err != nil {
		return sigpad.Info{}, err
	}
	d.ExtraZ = m.ExtraZ
	var resX, resY, maxX, maxY int
	if m.ResX == 0 {
		if ans, err = ask(CmdConfig); err != nil {
			return sigpad.Info{}, err
		}
		if resX, resY, err = ParseConfig(ans); err != nil {
			return sigpad.Info{}, err
		}
	}
	if m.MaxX == 0 {
		if ans, err = ask(CmdCoords); err != nil {
			return sigpad.Info{}, err
		}
		if maxX, maxY, err = ParseCoords(ans); err != nil {
			return sigpad.Info{}, err
		}
	}
	if _, err := io.WriteString(rw, m.Setup); err != nil {
		return sigpad.Info{}, fmt.Errorf("wacom4: send set-up string: %w", err)
	}
	return InfoFor(m, resX, resY, maxX, maxY), nil
}

// New sets the pad on rw up and returns it as a Pad. If the pad does not
// answer within Timeout for each query (or ctx ends), rw is closed and the
// error matches ErrNoAnswer (or the context's error).
func New(ctx context.Context, rw io.ReadWriteCloser, clk clock.Clock) (*sigpad.Stream, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	d := NewDecoder(rw)
	type result struct {
		info sigpad.Info
		err  error
	}
	done := make(chan result, 1)
	go func() {
		info, err := Setup(rw, d)
		done <- result{info, err}
	}()
	// Up to three queries of one second each.
	t := clk.NewTimer(3 * Timeout)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			rw.Close()
			return nil, r.err
		}
		return sigpad.NewPacedStream(r.info, Rate, func() (sigpad.Sample, error) {
			p, err := d.Next()
			return Sample(p, r.info), err
		}, rw, clk), nil
	case <-t.C():
		rw.Close()
		<-done
		return nil, fmt.Errorf("wacom4: set-up: %w within %v", ErrNoAnswer, 3*Timeout)
	case <-ctx.Done():
		rw.Close()
		<-done
		return nil, fmt.Errorf("wacom4: set-up: %w", ctx.Err())
	}
}

// Open opens and sets up the pad on a serial device.
func Open(ctx context.Context, path string, clk clock.Clock) (*sigpad.Stream, error) {
	port, err := sigserial.Open(path, Baud)
	if err != nil {
		return nil, fmt.Errorf("wacom4: %w", err)
	}
	return New(ctx, port, clk)
}

func init() {
	sigpad.Backends.Register("wacom4", func(ctx context.Context, arg string, env hw.Env) (sigpad.Pad, error) {
		return Open(ctx, arg, env.Clock)
	})
}
