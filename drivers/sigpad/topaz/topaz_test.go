package topaz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/sigpad"
)

func TestRateFitsTheLine(t *testing.T) {
	if Rate*PacketLen*10 > Baud {
		t.Fatalf("%d packets/s of %d bytes do not fit %d baud", Rate, PacketLen, Baud)
	}
}

func TestParsePacket(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		want Packet
		err  bool
	}{
		{"origin, near, up", []byte{0xC0, 0, 0, 0, 0}, Packet{Proximity: true}, false},
		{"down", []byte{0xC1, 0x05, 0x01, 0x7F, 0x1F}, Packet{Proximity: true, Down: true, X: 0x85, Y: 0xFFF}, false},
		{"max", []byte{0xC1, 0x7F, 0x1F, 0x7F, 0x1F}, Packet{Proximity: true, Down: true, X: 4095, Y: 4095}, false},
		{"away", []byte{0x80, 0x10, 0x02, 0x20, 0x03}, Packet{X: 0x110, Y: 0x1A0}, false},
		{"b2 reserved", []byte{0xC1, 0, 0x20, 0, 0}, Packet{}, true},
		{"b4 reserved", []byte{0xC1, 0, 0, 0, 0x40}, Packet{}, true},
		{"no sync", []byte{0x41, 0, 0, 0, 0}, Packet{}, true},
		{"sync inside", []byte{0xC1, 0x80, 0, 0, 0}, Packet{}, true},
		{"short", []byte{0xC1, 0, 0}, Packet{}, true},
	} {
		got, err := ParsePacket(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: %+v %v, want %+v err=%v", c.name, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", c.name, err)
		}
		if err == nil {
			if back := AppendPacket(nil, got); !bytes.Equal(back, c.in) {
				t.Errorf("%s: AppendPacket % x, want % x", c.name, back, c.in)
			}
		}
	}
}

// streamCase is a byte stream and the packets in it.
type streamCase struct {
	name  string
	in    []byte
	want  []Packet
	stats Stats
}

var (
	pA = []byte{0xC1, 0x01, 0x01, 0x02, 0x01} // down at 129,130
	pB = []byte{0xC1, 0x03, 0x01, 0x04, 0x01} // down at 131,132
	pU = []byte{0xC0, 0x03, 0x01, 0x04, 0x01} // up at 131,132
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var streamCases = []streamCase{
	{"clean", cat(pA, pB, pU), []Packet{{true, true, 129, 130}, {true, true, 131, 132}, {true, false, 131, 132}}, Stats{Packets: 3}},
	{"leading junk", cat([]byte{0x01, 0x7F, 0x00}, pA), []Packet{{true, true, 129, 130}}, Stats{Packets: 1, Skipped: 3}},
	{"cut packet", cat(pA[:3], pB), []Packet{{true, true, 131, 132}}, Stats{Packets: 1, Short: 1}},
	{"noise sync between", cat(pA, []byte{0xFF, 0x12}, pB), []Packet{{true, true, 129, 130}, {true, true, 131, 132}}, Stats{Packets: 2, Short: 1}},
	{"invalid reserved", cat(pA, []byte{0xC1, 0, 0x60, 0, 0}, pB), []Packet{{true, true, 129, 130}, {true, true, 131, 132}}, Stats{Packets: 2, Invalid: 1}},
	{"truncated end", cat(pA, pB[:4]), []Packet{{true, true, 129, 130}}, Stats{Packets: 1, Short: 1}},
	{"empty", nil, nil, Stats{}},
}

func decodeAll(in []byte) ([]Packet, Stats, error) {
	d := NewDecoder(bytes.NewReader(in))
	var out []Packet
	for {
		p, err := d.Next()
		if err == io.EOF {
			return out, d.Stats, nil
		}
		if err != nil {
			return out, d.Stats, err
		}
		out = append(out, p)
	}
}

func TestDecoder(t *testing.T) {
	for _, c := range streamCases {
		t.Run(c.name, func(t *testing.T) {
			got, st, err := decodeAll(c.in)
			if err != nil || !reflect.DeepEqual(got, c.want) || st != c.stats {
				t.Errorf("got %+v %+v %v, want %+v %+v", got, st, err, c.want, c.stats)
			}
			// One byte at a time gives the same.
			d := NewDecoder(iotest.OneByteReader(bytes.NewReader(c.in)))
			for i := range c.want {
				p, err := d.Next()
				if err != nil || p != c.want[i] {
					t.Fatalf("byte-wise packet %d: %+v %v", i, p, err)
				}
			}
		})
	}
	// A read error other than EOF comes through Decode with the prefix.
	_, _, err := Decode(iotest.ErrReader(io.ErrUnexpectedEOF), DefaultInfo)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Decode on a failing reader: %v", err)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, c := range streamCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, st, err := decodeAll(in)
		if err != nil {
			t.Fatal(err)
		}
		if st.Packets != len(got) || st.Packets*PacketLen > len(in) {
			t.Fatalf("stats %+v for %d packets from %d bytes", st, len(got), len(in))
		}
		for _, p := range got {
			if p.X < 0 || p.X > MaxCoord || p.Y < 0 || p.Y > MaxCoord {
				t.Fatalf("packet out of range: %+v", p)
			}
			// Every decoded packet re-encodes to bytes that decode the same.
			again, _, _ := decodeAll(AppendPacket(nil, p))
			if len(again) != 1 || again[0] != p {
				t.Fatalf("re-encoding %+v gives %+v", p, again)
			}
		}
		// Line noise never stops the decoder for good: a clean packet after
		// any junk (and a sync byte to end what the junk started) decodes.
		tail, _, _ := decodeAll(cat(in, pA))
		if len(tail) == 0 || tail[len(tail)-1] != (Packet{true, true, 129, 130}) {
			t.Fatalf("no resync after % x", in)
		}
	})
}

func loadSig(t testing.TB) sigpad.Signature {
	t.Helper()
	b, err := os.ReadFile("../../../sim/signature.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := sigpad.ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expected is what a Topaz pad sends and a decoder must give back for a
// recorded signature.
func expected(s sigpad.Signature) ([]sigpad.Sample, sigpad.Signature) {
	rep := sigpad.Replay(s, DefaultInfo, Rate)
	b := sigpad.NewBuilder(DefaultInfo)
	for _, x := range rep {
		b.Add(x)
	}
	return rep, b.Signature()
}

func TestDecodeSignature(t *testing.T) {
	rep, want := expected(loadSig(t))
	got, st, err := Decode(bytes.NewReader(Encode(rep)), DefaultInfo)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded signature differs: %d strokes %d points, want %d %d", len(got.Strokes), got.Points(), len(want.Strokes), want.Points())
	}
	if st.Packets != len(rep) {
		t.Errorf("%d packets, want %d", st.Packets, len(rep))
	}
	if len(sigpad.DefaultRules.Validate(got)) != 0 {
		t.Errorf("refused: %v", sigpad.Codes(sigpad.DefaultRules.Validate(got)))
	}
}

func TestParseArg(t *testing.T) {
	custom := DefaultInfo
	custom.MaxX, custom.MaxY, custom.ResX, custom.ResY = 2400, 700, 500/25.4, 500/25.4
	for _, c := range []struct {
		arg, path string
		info      sigpad.Info
		err       string
	}{
		{"/dev/sigpad", "/dev/sigpad", DefaultInfo, ""},
		{"/dev/sigpad,max=2400x700,lpi=500", "/dev/sigpad", custom, ""},
		{"/dev/sigpad,max=5000x700", "", DefaultInfo, "max="},
		{"/dev/sigpad,max=24", "", DefaultInfo, "max="},
		{"/dev/sigpad,lpi=-1", "", DefaultInfo, "lpi="},
		{"/dev/sigpad,baud=9600", "", DefaultInfo, "unknown option"},
	} {
		path, info, err := ParseArg(c.arg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.arg, err, c.err)
			}
			continue
		}
		if err != nil || path != c.path || info != c.info {
			t.Errorf("%q: %q %+v %v", c.arg, path, info, err)
		}
	}
	// The registry reports a missing device with the hint.
	_, rep := sigpad.Backends.Open(context.Background(), "topaz:/nonexistent/sigpad", hw.Env{})
	if rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), "is the pad plugged in") {
		t.Errorf("missing device: %v", rep)
	}
}
