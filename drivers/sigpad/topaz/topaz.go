package topaz

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/sigserial"
)

// Baud is the line speed of Topaz serial pads.
const Baud = 19200

// Rate is the nominal number of reports a second while the pen is near.
const Rate = 120

// PacketLen is the length of a packet.
const PacketLen = 5

// MaxCoord is the largest coordinate the 12-bit fields carry.
const MaxCoord = 1<<12 - 1

// DefaultInfo describes a 4.4 x 1.3 inch Topaz pad at 410 units per inch.
var DefaultInfo = sigpad.Info{Model: "Topaz serial pad", MaxX: 1804, MaxY: 533, ResX: 410 / 25.4, ResY: 410 / 25.4}

// Packet is one decoded report.
type Packet struct {
	Proximity bool
	Down      bool
	X, Y      int
}

// ErrInvalid is matched by the error of a packet whose reserved bits are set.
var ErrInvalid = errors.New("topaz: invalid packet")

// ParsePacket decodes one 5-byte packet.
func ParsePacket(b []byte) (Packet, error) {
	if len(b) != PacketLen {
		return Packet{}, fmt.Errorf("topaz: packet of %d bytes, want %d: %w", len(b), PacketLen, ErrInvalid)
	}
	if b[0]&0x80 == 0 {
		return Packet{}, fmt.Errorf("topaz: packet % x: no sync bit in byte 0: %w", b, ErrInvalid)
	}
	for i := 1; i < PacketLen; i++ {
		if b[i]&0x80 != 0 {
			return Packet{}, fmt.Errorf("topaz: packet % x: sync bit in byte %d: %w", b, i, ErrInvalid)
		}
	}
	if b[2]&0xE0 != 0 || b[4]&0xE0 != 0 {
		return Packet{}, fmt.Errorf("topaz: packet % x: reserved bits set in byte 2 or 4: %w", b, ErrInvalid)
	}
	return Packet{
		Proximity: b[0]&0x40 != 0,
		Down:      b[0]&0x01 != 0,
		X:         int(b[2]&0x1F)<<7 | int(b[1]&0x7F),
		Y:         int(b[4]&0x1F)<<7 | int(b[3]&0x7F),
	}, nil
}

// AppendPacket encodes a packet; coordinates are clamped to 0..MaxCoord.
func AppendPacket(dst []byte, p Packet) []byte {
	x, y := min(max(p.X, 0), MaxCoord), min(max(p.Y, 0), MaxCoord)
	b0 := byte(0x80)
	if p.Proximity {
		b0 |= 0x40
	}
	if p.Down {
		b0 |= 0x01
	}
	return append(dst, b0, byte(x&0x7F), byte(x>>7), byte(y&0x7F), byte(y>>7))
}

// Stats count what the decoder met.
type Stats struct {
	// Packets is the good packets.
	Packets int `json:"packets"`
	// Invalid is the packets dropped for reserved bits.
	Invalid int `json:"invalid"`
	// Short is the packets cut off by a new sync byte.
	Short int `json:"short"`
	// Skipped is the bytes ignored while waiting for a sync byte.
	Skipped int `json:"skipped"`
}

// Decoder reads packets from a byte stream.
type Decoder struct {
	r     *bufio.Reader
	buf   [PacketLen]byte
	n     int
	Stats Stats
}

// NewDecoder reads from r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: bufio.NewReaderSize(r, 256)} }

// Next returns the next good packet. Line noise is skipped and counted in
// Stats; the error is the reader's (io.EOF at the end of a capture).
func (d *Decoder) Next() (Packet, error) {
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			if d.n > 0 {
				d.Stats.Short++
				d.n = 0
			}
			return Packet{}, err
		}
		if c&0x80 != 0 {
			if d.n > 0 {
				d.Stats.Short++
			}
			d.buf[0], d.n = c, 1
			continue
		}
		if d.n == 0 {
			d.Stats.Skipped++
			continue
		}
		d.buf[d.n] = c
		d.n++
		if d.n < PacketLen {
			continue
		}
		d.n = 0
		p, err := ParsePacket(d.buf[:])
		if err != nil {
			d.Stats.Invalid++
			continue
		}
		d.Stats.Packets++
		return p, nil
	}
}

// Sample converts a packet: pen-down only when the pen is down and near.
func Sample(p Packet) sigpad.Sample {
	return sigpad.Sample{X: p.X, Y: p.Y, Down: p.Down && p.Proximity}
}

// Decode reads a captured stream to its end and returns the signature in
// it. Sample n gets time sigpad.TickTime(n, Rate).
func Decode(r io.Reader, info sigpad.Info) (sigpad.Signature, Stats, error) {
	d := NewDecoder(r)
	b := sigpad.NewBuilder(info)
	for n := 0; ; n++ {
		p, err := d.Next()
		if err == io.EOF {
			return b.Signature(), d.Stats, nil
		}
		if err != nil {
			return b.Signature(), d.Stats, fmt.Errorf("topaz: read: %w", err)
		}
		s := Sample(p)
		s.T = sigpad.TickTime(n, Rate)
		b.Add(s)
	}
}

// Encode writes the packets a pad sends for these samples (from
// sigpad.Replay): pen near for every sample but the last pen-up one, which
// says the pen left.
func Encode(samples []sigpad.Sample) []byte {
	out := make([]byte, 0, len(samples)*PacketLen)
	for i, s := range samples {
		out = AppendPacket(out, PacketFor(s, i < len(samples)-1 || s.Down))
	}
	return out
}

// PacketFor is the packet of one sample.
func PacketFor(s sigpad.Sample, near bool) Packet {
	return Packet{Proximity: near, Down: s.Down, X: s.X, Y: s.Y}
}

// New makes a Pad of the pad on rw: rw is closed by the pad's Close.
func New(rw io.ReadWriteCloser, info sigpad.Info, clk clock.Clock) *sigpad.Stream {
	d := NewDecoder(rw)
	return sigpad.NewPacedStream(info, Rate, func() (sigpad.Sample, error) {
		p, err := d.Next()
		return Sample(p), err
	}, rw, clk)
}

// Open opens the pad on a serial device.
func Open(path string, clk clock.Clock) (*sigpad.Stream, error) {
	port, err := sigserial.Open(path, Baud)
	if err != nil {
		return nil, fmt.Errorf("topaz: %w", err)
	}
	return New(port, DefaultInfo, clk), nil
}

// ParseArg reads the scheme's argument "DEVICE[,max=WxH][,lpi=N]": the
// serial device and, for pad models other than DefaultInfo's, the largest
// coordinates and the resolution in lines per inch.
func ParseArg(arg string) (path string, info sigpad.Info, err error) {
	parts := strings.Split(arg, ",")
	path, info = parts[0], DefaultInfo
	for _, kv := range parts[1:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "max":
			ws, hs, ok := strings.Cut(v, "x")
			w, e1 := strconv.Atoi(ws)
			h, e2 := strconv.Atoi(hs)
			if !ok || e1 != nil || e2 != nil || w < 1 || h < 1 || w > MaxCoord || h > MaxCoord {
				return "", info, fmt.Errorf("topaz: %q: max=%q: want WxH within 1..%d", arg, v, MaxCoord)
			}
			info.MaxX, info.MaxY = w, h
		case "lpi":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || !(n > 0 && n <= 10000) {
				return "", info, fmt.Errorf("topaz: %q: lpi=%q: want 1..10000", arg, v)
			}
			info.ResX, info.ResY = n/25.4, n/25.4
		default:
			return "", info, fmt.Errorf("topaz: %q: unknown option %q (max, lpi)", arg, k)
		}
	}
	return path, info, nil
}

func init() {
	sigpad.Backends.Register("topaz", func(ctx context.Context, arg string, env hw.Env) (sigpad.Pad, error) {
		path, info, err := ParseArg(arg)
		if err != nil {
			return nil, err
		}
		port, err := sigserial.Open(path, Baud)
		if err != nil {
			return nil, fmt.Errorf("topaz: %w", err)
		}
		return New(port, info, env.Clock), nil
	})
}
