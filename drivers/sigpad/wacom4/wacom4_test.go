package wacom4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/sigpad"
)

func TestRateFitsTheLine(t *testing.T) {
	if Rate*PacketLen*10 > Baud {
		t.Fatalf("%d packets/s of %d bytes do not fit %d baud", Rate, PacketLen, Baud)
	}
}

var packetCases = []struct {
	name   string
	in     []byte
	extraZ int
	want   Packet
}{
	{"touch z=200", []byte{0xE8, 0x24, 0x34, 0x08, 0x0A, 0x67, 0x24}, 1, Packet{true, true, 1, 4660, 1383, 200}},
	{"touch z=201 uses b3 bit 2", []byte{0xE8, 0x24, 0x34, 0x0C, 0x0A, 0x67, 0x24}, 1, Packet{true, true, 1, 4660, 1383, 201}},
	{"hover z=0", []byte{0xE0, 0, 0, 0, 0, 0, 0x40}, 1, Packet{true, true, 0, 0, 0, 0}},
	{"full pressure", []byte{0xE8, 0, 0, 0x0C, 0, 0, 0x3F}, 1, Packet{true, true, 1, 0, 0, 255}},
	{"16-bit coordinates", []byte{0xE3, 0x7F, 0x7F, 0x03, 0x7F, 0x7F, 0x40}, 1, Packet{true, true, 0, 0xFFFF, 0xFFFF, 0}},
	{"side buttons", []byte{0xE8, 0, 1, 0x30, 0, 2, 0x40}, 1, Packet{true, true, 6, 1, 2, 0}},
	{"cursor has no pressure", []byte{0xC0, 0, 5, 0, 0, 6, 0}, 1, Packet{true, false, 0, 5, 6, -1}},
	{"stylus away", []byte{0xA0, 0, 5, 0, 0, 6, 0}, 1, Packet{false, true, 0, 5, 6, -1}},
	{"7-bit pressure", []byte{0xE8, 0, 0, 0x08, 0, 0, 0x05}, 0, Packet{true, true, 1, 0, 0, 0x45}},
	{"9-bit pressure", []byte{0xEC, 0, 0, 0x0C, 0, 0, 0x40}, 2, Packet{true, true, 1, 0, 0, 3}},
}

func TestParsePacket(t *testing.T) {
	for _, c := range packetCases {
		got, err := ParsePacket(c.in, c.extraZ)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
			continue
		}
		if back := AppendPacket(nil, got, c.extraZ); !bytes.Equal(back, c.in) {
			t.Errorf("%s: AppendPacket % x, want % x", c.name, back, c.in)
		}
	}
	for _, bad := range [][]byte{{0x60, 0, 0, 0, 0, 0, 0}, {0xE0, 0x80, 0, 0, 0, 0, 0}, {0xE0}} {
		if _, err := ParsePacket(bad, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("% x: %v", bad, err)
		}
	}
}

func TestParseAnswers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Model
		err  bool
	}{
		{"~#UD-0608-R00 V1.3-4", Model{Family: "UD", Name: "Wacom Digitizer II", Major: 1, Minor: 3, ExtraZ: 1, Setup: SetupString}, false},
		{"~#UD-1212-R00 V1.2-1", Model{Family: "UD", Name: "Wacom Digitizer II", Major: 1, Minor: 2, ExtraZ: 0, Setup: SetupString}, false},
		{"~#ET-0405-R00 V1.1-0", Model{Family: "ET", Name: "Wacom Graphire", Major: 1, Minor: 1, ExtraZ: 2, ResX: 1016, ResY: 1016, MaxX: 5103, MaxY: 3711, Setup: SetupString}, false},
		{"~#PL-710 V1.0", Model{Family: "PL", Name: "Wacom Cintiq", Major: 1, ExtraZ: 2, ResX: 2540, ResY: 2540, Setup: SetupCintiq}, false},
		{"~#CT-0405-R00 V1.0-5", Model{Family: "CT", Name: "Wacom Penpartner", Major: 1, ExtraZ: 1, ResX: 1000, ResY: 1000, Setup: SetupPenPartner}, false},
		{"~#XY-0000 V1.0", Model{}, true},
		{"~R", Model{}, true},
		{"", Model{}, true},
	} {
		got, err := ParseModel(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseModel(%q) = %+v %v, want %+v", c.in, got, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("ParseModel(%q): %v is not ErrUnsupported", c.in, err)
		}
	}
	if x, y, err := ParseConfig("~RE202C900,002,02,2540,1270"); err != nil || x != 2540 || y != 1270 {
		t.Errorf("ParseConfig: %d %d %v", x, y, err)
	}
	for _, bad := range []string{"~R", "~RZZ,1,1,1,1", "~RE2,1,1,0,5", "~C1,2", "~RE2,1,1,x,5"} {
		if _, _, err := ParseConfig(bad); err == nil || !strings.HasPrefix(err.Error(), "wacom4: configuration answer") {
			t.Errorf("ParseConfig(%q): %v", bad, err)
		}
	}
	if x, y, err := ParseCoords("~C15240,10160"); err != nil || x != 15240 || y != 10160 {
		t.Errorf("ParseCoords: %d %d %v", x, y, err)
	}
	for _, bad := range []string{"~C", "~C1", "~C0,5", "~C1,99999", "~R1,2"} {
		if _, _, err := ParseCoords(bad); err == nil || !strings.HasPrefix(err.Error(), "wacom4: coordinates answer") {
			t.Errorf("ParseCoords(%q): %v", bad, err)
		}
	}
}

var (
	pDown = []byte{0xE8, 0x24, 0x34, 0x08, 0x0A, 0x67, 0x24}
	pUp   = []byte{0xE0, 0, 0, 0, 0, 0, 0x40}
	evD   = Event{Packet: Packet{true, true, 1, 4660, 1383, 200}}
	evU   = Event{Packet: Packet{true, true, 0, 0, 0, 0}}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var streamCases = []struct {
	name  string
	in    []byte
	want  []Event
	stats Stats
}{
	{"answers then packets", cat([]byte("~#UD-0608-R00 V1.3-4\r~C100,200\r"), pDown, pUp),
		[]Event{{Answer: "~#UD-0608-R00 V1.3-4"}, {Answer: "~C100,200"}, evD, evU}, Stats{Packets: 2, Answers: 2}},
	{"cut packet", cat(pDown[:4], pUp), []Event{evU}, Stats{Packets: 1, Short: 1}},
	{"noise between", cat(pDown, []byte{0x01, 0x55, 0x7F}, pUp), []Event{evD, evU}, Stats{Packets: 2}},
	{"noise with sync between", cat(pDown, []byte{0x9A, 0x10}, pUp), []Event{evD, evU}, Stats{Packets: 2, Short: 1}},
	{"CR in noise is an answer", cat(pDown, []byte{0x33, '\r'}, pUp), []Event{evD, {Answer: "3"}, evU}, Stats{Packets: 2, Answers: 1}},
	{"CR inside a packet is data", cat([]byte{0xE8, '\r', 0x34, 0x08, 0x0A, 0x67, 0x24}), []Event{{Packet: Packet{true, true, 1, 13<<7 | 0x34, 1383, 200}}}, Stats{Packets: 1}},
	{"long garbage", cat(bytes.Repeat([]byte{0x41}, 40), pUp), []Event{evU}, Stats{Packets: 1, Garbage: 31}},
	{"truncated end", cat(pDown, pUp[:3]), []Event{evD}, Stats{Packets: 1, Short: 1}},
	{"empty", nil, nil, Stats{}},
}

func eventsOf(r io.Reader) ([]Event, Stats, error) {
	d := NewDecoder(r)
	var out []Event
	for {
		ev, err := d.NextEvent()
		if err == io.EOF {
			return out, d.Stats, nil
		}
		if err != nil {
			return out, d.Stats, err
		}
		out = append(out, ev)
	}
}

func TestDecoder(t *testing.T) {
	for _, c := range streamCases {
		t.Run(c.name, func(t *testing.T) {
			got, st, err := eventsOf(bytes.NewReader(c.in))
			if err != nil || !reflect.DeepEqual(got, c.want) || st != c.stats {
				t.Errorf("got %+v %+v %v\nwant %+v %+v", got, st, err, c.want, c.stats)
			}
			got2, _, _ := eventsOf(iotest.OneByteReader(bytes.NewReader(c.in)))
			if !reflect.DeepEqual(got2, got) {
				t.Errorf("byte-wise: %+v", got2)
			}
		})
	}
	if _, _, err := Decode(iotest.ErrReader(io.ErrUnexpectedEOF)); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(err.Error(), "wacom4: read") {
		t.Errorf("Decode on a failing reader: %v", err)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, c := range streamCases {
		f.Add(c.in)
	}
	for _, c := range packetCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		evs, st, err := eventsOf(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if st.Packets*PacketLen > len(in) {
			t.Fatalf("%d packets from %d bytes", st.Packets, len(in))
		}
		for _, ev := range evs {
			if ev.Answer != "" {
				if strings.ContainsRune(ev.Answer, '\r') || len(ev.Answer) >= dataSize {
					t.Fatalf("answer %q", ev.Answer)
				}
				continue
			}
			p := ev.Packet
			if p.X < 0 || p.X > 0xFFFF || p.Y < 0 || p.Y > 0xFFFF || p.Z < -1 || p.Z > 255 {
				t.Fatalf("packet out of range %+v", p)
			}
			again, err := ParsePacket(AppendPacket(nil, p, 1), 1)
			if err != nil || again != p {
				t.Fatalf("re-encoding %+v gives %+v %v", p, again, err)
			}
		}
		// Back in step after any junk: a sync byte ends what the junk
		// started, and the next packet decodes.
		tail, _, _ := eventsOf(bytes.NewReader(cat(in, pDown)))
		if len(tail) == 0 || tail[len(tail)-1] != evD {
			t.Fatalf("no resync after % x", in)
		}
		// Decode never fails on junk either.
		if _, _, err := Decode(bytes.NewReader(in)); err != nil {
			t.Fatal(err)
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

var simModel = "UD-0502-R00 V1.3-4"

func TestDecodeSignature(t *testing.T) {
	sig := loadSig(t)
	info := InfoFor(Model{Name: "Wacom Digitizer II", ExtraZ: 1}, 1000, 1000, 5000, 2000)
	rep := sigpad.Replay(sig, info, Rate)
	b := sigpad.NewBuilder(info)
	for _, s := range rep {
		b.Add(s)
	}
	want := b.Signature()
	for name, stream := range map[string][]byte{
		"with answers": Encode(Answers(simModel, 1000, 1000, 5000, 2000), rep, info, 1),
	} {
		got, st, err := Decode(bytes.NewReader(stream))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %d strokes %d points (pad %+v), want %d %d (%+v)", name, len(got.Strokes), got.Points(), got.Pad, len(want.Strokes), want.Points(), want.Pad)
		}
		if st.Packets != len(rep) || st.Answers != 3 {
			t.Errorf("%s: stats %+v", name, st)
		}
	}
	// Without answers: the default pad, same coordinates.
	got, _, _ := Decode(bytes.NewReader(Encode("", rep, info, 1)))
	if got.Pad != DefaultInfo || got.Points() != want.Points() {
		t.Errorf("no answers: pad %+v, %d points", got.Pad, got.Points())
	}
	if rs := sigpad.DefaultRules.Validate(want); len(rs) != 0 {
		t.Errorf("refused: %v", sigpad.Codes(rs))
	}
}

// fakePad answers the set-up on the other end of a pipe.
type fakePad struct {
	host    io.ReadWriteCloser
	padR    *io.PipeReader
	padW    *io.PipeWriter
	answers map[string]string

	mu      sync.Mutex
	got     bytes.Buffer
	started chan struct{} // closed at "ST\r"
}

func (f *fakePad) sent() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got.String()
}

type rwc struct {
	io.Reader
	io.Writer
	close func() error
}

func (c rwc) Close() error { return c.close() }

func newFakePad(answers map[string]string) *fakePad {
	hr, pw := io.Pipe() // pad -> host
	pr, hw := io.Pipe() // host -> pad
	f := &fakePad{padR: pr, padW: pw, answers: answers, started: make(chan struct{})}
	f.host = rwc{hr, hw, func() error { hr.Close(); hw.Close(); return nil }}
	go func() {
		buf := make([]byte, 64)
		var cmd []byte
		for {
			n, err := pr.Read(buf)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			for _, c := range buf[:n] {
				f.mu.Lock()
				f.got.WriteByte(c)
				f.mu.Unlock()
				cmd = append(cmd, c)
				s := string(cmd)
				if s == "ST\r" {
					close(f.started)
				}
				if a, ok := answers[s]; ok {
					if a != "" {
						pw.Write([]byte(a))
					}
					cmd = cmd[:0]
				} else if c == '\r' {
					cmd = cmd[:0]
				}
			}
		}
	}()
	return f
}

func TestSetup(t *testing.T) {
	ctx := context.Background()
	clk := clocktest.New(time.Unix(0, 0))
	// A Digitizer II asks for all three; a pad already sending packets
	// interleaves them.
	f := newFakePad(map[string]string{
		"~#":   string(pDown) + "~#UD-0608-R00 V1.3-4\r",
		"~R\r": "~RE202C900,002,02,2540,2540\r",
		"~C\r": "~C15240,10160\r",
	})
	pad, err := New(ctx, f.host, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer pad.Close()
	if want := (sigpad.Info{Model: "Wacom Digitizer II", MaxX: 15240, MaxY: 10160, ResX: 100, ResY: 100, Pressure: true, PressureLevels: 256}); pad.Info() != want {
		t.Errorf("info %+v, want %+v", pad.Info(), want)
	}
	// The pad now sends a packet; the driver gives it as a sample.
	go f.padW.Write(pDown)
	s, err := pad.Next(ctxT(t))
	if err != nil || !s.Down || s.X != 4660 || s.P != 200.0/255 {
		t.Errorf("sample %+v %v", s, err)
	}
	// A Graphire needs neither ~R nor ~C.
	g := newFakePad(map[string]string{"~#": "~#ET-0405-R00 V1.1-0\r"})
	gp, err := New(ctx, g.host, clk)
	if err != nil {
		t.Fatal(err)
	}
	if gp.Info().MaxX != 5103 || gp.Info().PressureLevels != 512 {
		t.Errorf("graphire info %+v", gp.Info())
	}
	select {
	case <-g.started:
	case <-time.After(10 * time.Second):
		t.Fatal("no ST")
	}
	gp.Close()
	if g.sent() != "~#"+SetupString {
		t.Errorf("graphire got %q", g.sent())
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSetupErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		answers map[string]string
		want    string
	}{
		{"unsupported", map[string]string{"~#": "~#ZZ-1 V1.0\r"}, "unsupported model"},
		{"wrong answer", map[string]string{"~#": "~C1,2\r"}, "unexpected answer"},
		{"bad coords", map[string]string{"~#": "~#UD-1 V1.3\r", "~R\r": "~RE2,1,1,100,100\r", "~C\r": "~Cx\r"}, "coordinates answer"},
	} {
		f := newFakePad(c.answers)
		_, err := New(context.Background(), f.host, clocktest.New(time.Unix(0, 0)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Silence: the fake clock runs out the set-up time.
	clk := clocktest.New(time.Unix(0, 0))
	f := newFakePad(map[string]string{"~#": ""})
	errc := make(chan error)
	go func() { _, err := New(context.Background(), f.host, clk); errc <- err }()
	// Move the fake clock on until New gives up; it must not return
	// before the three seconds are out.
	start := clk.Now()
	var err error
wait:
	for {
		select {
		case err = <-errc:
			break wait
		default:
			clk.Advance(100 * time.Millisecond)
			runtime.Gosched()
		}
	}
	if !errors.Is(err, ErrNoAnswer) {
		t.Errorf("silent pad: %v", err)
	}
	if d := clk.Now().Sub(start); d < 3*Timeout {
		t.Errorf("gave up after %v, want %v", d, 3*Timeout)
	}
	// A cancelled context ends the wait too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f = newFakePad(map[string]string{"~#": ""})
	if _, err := New(ctx, f.host, clocktest.New(time.Unix(0, 0))); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func FuzzAnswers(f *testing.F) {
	for _, s := range []string{"~#UD-0608-R00 V1.3-4", "~#PL-710 V1.0", "~RE202C900,002,02,2540,1270", "~C15240,10160", "~#ET", "~C1,99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseModel(s); err == nil {
			if m.ExtraZ < 0 || m.ExtraZ > 2 || m.Setup == "" || m.Name == "" {
				t.Fatalf("model %+v", m)
			}
		}
		if x, y, err := ParseConfig(s); err == nil && (x <= 0 || y <= 0) {
			t.Fatalf("resolution %d %d", x, y)
		}
		if x, y, err := ParseCoords(s); err == nil && (x <= 0 || y <= 0 || x > 0xFFFF || y > 0xFFFF) {
			t.Fatalf("range %d %d", x, y)
		}
	})
}
