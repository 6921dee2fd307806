package sam_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
	"github.com/hbzk/kiosk/drivers/idcard/samsim"
)

func testCard() samsim.SimCard {
	c := &idcard.Card{Type: idcard.Resident, Name: "张晓雯", Sex: idcard.Female, Nation: "01",
		Birth: idcard.Date{Year: 1992, Month: 3, Day: 15}, Address: "北京市", IDNumber: "110108199203150045",
		Authority: "北京市公安局", ValidFrom: idcard.Date{Year: 2021, Month: 6, Day: 1}, NoExpiry: true}
	c.SetPhoto(bytes.Repeat([]byte{7}, idcard.PhotoSize))
	return samsim.SimCard{Label: "t", Card: c}
}

// unpluggable is a reader whose line can be cut and whose device can be
// absent for a number of dials, like a USB serial adapter pulled out.
type unpluggable struct {
	sim *samsim.Simulator
	ctx context.Context

	mu      sync.Mutex
	absent  int // dials that fail before the device is back
	dials   int
	devEnds []net.Conn
}

func (u *unpluggable) dial() (io.ReadWriteCloser, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.dials++
	if u.absent > 0 {
		u.absent--
		return nil, errors.New("open /dev/idreader: no such file or directory")
	}
	drv, dev := net.Pipe()
	u.devEnds = append(u.devEnds, dev)
	go u.sim.Serve(u.ctx, dev)
	return drv, nil
}

func (u *unpluggable) unplug(absentDials int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.absent = absentDials
	for _, c := range u.devEnds {
		c.Close()
	}
	u.devEnds = nil
}

func TestReopenAfterUnplug(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := &unpluggable{sim: samsim.New([]samsim.SimCard{testCard()}, samsim.Options{}), ctx: ctx}
	r, err := sam.NewReader(u.dial, sam.ReaderOptions{Options: sam.Options{Timeout: 2 * time.Second},
		Poll: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rand: entropy.Seeded(3)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	u.sim.Lay(0)
	if err := r.WaitCard(ctx); err != nil {
		t.Fatal(err)
	}
	u.unplug(3)
	if _, err := r.Read(ctx); !errors.Is(err, idcard.ErrReaderGone) {
		t.Fatalf("read with the reader unplugged: %v", err)
	}
	u.sim.Lay(0)
	if err := r.WaitCard(ctx); err != nil {
		t.Fatalf("WaitCard after replug: %v", err)
	}
	c, err := r.Read(ctx)
	if err != nil || c.Name != "张晓雯" {
		t.Fatalf("read after replug: %v", err)
	}
	if u.dials != 5 {
		t.Errorf("%d dials, want 1 + 3 failed + 1", u.dials)
	}
	r.Close()
	if err := r.WaitCard(ctx); !errors.Is(err, sam.ErrClosed) || !errors.Is(err, idcard.ErrReaderGone) {
		t.Errorf("WaitCard after Close: %v", err)
	}
	if u.dials != 5 {
		t.Errorf("dialled after Close")
	}
}

func TestNewReaderAbsent(t *testing.T) {
	_, err := sam.NewReader(func() (io.ReadWriteCloser, error) { return nil, errors.New("no such file") }, sam.ReaderOptions{})
	if !errors.Is(err, idcard.ErrReaderGone) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("got %v", err)
	}
	_, err = sam.OpenPort("/dev/nonexistent-idreader")
	if err == nil || !strings.Contains(err.Error(), "/dev/nonexistent-idreader") {
		t.Errorf("OpenPort: %v", err)
	}
}

// scripted answers each request with the next canned frames.
func scripted(t *testing.T, answers ...[]byte) io.ReadWriter {
	drv, dev := net.Pipe()
	t.Cleanup(func() { drv.Close(); dev.Close() })
	go func() {
		var buf []byte
		b := make([]byte, 512)
		for {
			n, err := dev.Read(b)
			if err != nil {
				return
			}
			buf = append(buf, b[:n]...)
			for {
				_, used, err := sam.Next(buf)
				buf = buf[used:]
				if err != nil {
					break
				}
				if len(answers) == 0 {
					return
				}
				dev.Write(answers[0])
				answers = answers[1:]
			}
		}
	}()
	return drv
}

func TestSessionScripts(t *testing.T) {
	found := sam.Answer(sam.StatusCardFound, make([]byte, 4))
	selected := sam.Answer(sam.StatusOK, make([]byte, 8))
	corrupt := append([]byte(nil), found...)
	corrupt[len(corrupt)-1] ^= 1
	for _, tc := range []struct {
		name    string
		answers [][]byte
		want    error
	}{
		{"found", [][]byte{found}, nil},
		{"late select answer dropped", [][]byte{append(append([]byte{}, selected...), found...)}, nil},
		{"corrupt then good", [][]byte{corrupt, found}, nil},
		{"reader complains then good", [][]byte{sam.Answer(sam.StatusChecksum, nil), found}, nil},
		{"corrupt three times", [][]byte{corrupt, corrupt, corrupt}, idcard.ErrFrame},
		{"not found", [][]byte{sam.Answer(sam.StatusFindFailed, make([]byte, 4))}, idcard.ErrNoCard},
		{"not authorised", [][]byte{sam.Answer(sam.StatusSAMUnauthorised, nil)}, idcard.ErrSAMFault},
		{"silence", nil, idcard.ErrTimeout},
		{"half a frame", [][]byte{found[:6]}, idcard.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Time-outs are long where an answer is due (a loaded machine
			// must not make them fire) and short where none will come.
			timeout := 2 * time.Second
			if errors.Is(tc.want, idcard.ErrTimeout) {
				timeout = 100 * time.Millisecond
			}
			s := sam.NewSession(scripted(t, tc.answers...), sam.Options{Timeout: timeout})
			defer s.Close()
			err := s.Find(context.Background())
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	s := sam.NewSession(scripted(t), sam.Options{Timeout: time.Hour})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Find(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestParseArg(t *testing.T) {
	for _, tc := range []struct {
		arg, path string
		fp, bad   bool
	}{
		{"/dev/idreader", "/dev/idreader", false, false},
		{"/dev/ttyUSB0?fingerprint=1", "/dev/ttyUSB0", true, false},
		{"", "", false, true},
		{"/dev/x?speed=9600", "", false, true},
		{"/dev/x?%zz", "", false, true},
	} {
		path, o, err := sam.ParseArg(tc.arg)
		if tc.bad != (err != nil) || !tc.bad && (path != tc.path || o.Fingerprint != tc.fp) {
			t.Errorf("ParseArg(%q) = %q %v %v", tc.arg, path, o.Fingerprint, err)
		}
	}
}

// TestPortGone: when the device behind a serial port goes away (here the
// pty's master side), reads fail instead of returning nothing forever.
func TestPortGone(t *testing.T) {
	p, err := samsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := sam.OpenPort(p.SlavePath)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	defer port.Close()
	if _, err := p.Write([]byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	if n, err := port.Read(b); n != 2 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	p.Close()
	if _, err := port.Read(b); err == nil {
		t.Fatal("read after the device went: no error")
	}
}

// A reader that vanished and stays away: when the caller's wait ends, the
// error says the reader is gone and why, not only "context deadline
// exceeded".
func TestWaitCardReaderStaysGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := &unpluggable{sim: samsim.New([]samsim.SimCard{testCard()}, samsim.Options{}), ctx: ctx}
	r, err := sam.NewReader(u.dial, sam.ReaderOptions{Options: sam.Options{Timeout: 2 * time.Second},
		Poll: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rand: entropy.Seeded(3)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	u.unplug(1 << 30)
	wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer wcancel()
	err = r.WaitCard(wctx)
	if !errors.Is(err, idcard.ErrReaderGone) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Fatalf("WaitCard with the reader gone: %v", err)
	}
}
