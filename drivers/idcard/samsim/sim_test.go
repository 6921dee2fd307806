package samsim

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
)

// writeFace draws a face-like test picture (a light background, an oval,
// two eyes) and returns its path.
func writeFace(t testing.TB, dir string) string {
	img := image.NewRGBA(image.Rect(0, 0, 200, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 200; x++ {
			c := color.RGBA{200, 220, 240, 255}
			dx, dy := float64(x-100)/60, float64(y-110)/80
			if dx*dx+dy*dy < 1 {
				c = color.RGBA{230, 190, 160, 255}
			}
			for _, ex := range []int{75, 125} {
				if (x-ex)*(x-ex)+(y-95)*(y-95) < 64 {
					c = color.RGBA{40, 30, 20, 255}
				}
			}
			img.Set(x, y, c)
		}
	}
	p := filepath.Join(dir, "face.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return p
}

const testCards = `
[[card]]
label = "resident"
type = "resident"
name = "张晓雯"
sex = "female"
nation = "01"
birth = "1992-03-15"
address = "北京市海淀区学院路甲38号"
id_number = "110108199203150045"
authority = "北京市公安局海淀分局"
valid_from = "2021-06-01"
valid_to = "2031-06-01"
[card.photo]
file = "face.png"
crop = [0, 0, 200, 240]

[[card]]
label = "hmt"
type = "hmt_permit"
name = "陈家明"
sex = "male"
birth = "1996-08-22"
address = "广东省深圳市福田区福华三路100号"
id_number = "810000199608220012"
authority = "深圳市公安局"
valid_from = "2023-03-01"
valid_to = "long-term"
permit_number = "H60012345"
issue_count = "01"
[card.photo]
file = "face.png"

[[card]]
label = "foreign"
type = "foreign_permanent"
name_en = "SMITH, JANE ALICE"
sex = "female"
birth = "1987-04-09"
permit_number = "USA310870409023"
nationality = "USA"
authority = "1500"
version = "02"
valid_from = "2024-01-15"
valid_to = "2034-01-14"
[card.photo]
file = "face.png"
crop = [10, 0, 180, 222]
`

func loadTestCards(t testing.TB) []SimCard {
	dir := t.TempDir()
	writeFace(t, dir)
	p := filepath.Join(dir, "cards.toml")
	if err := os.WriteFile(p, []byte(testCards), 0o644); err != nil {
		t.Fatal(err)
	}
	cards, err := LoadCards(p)
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// startSim runs the simulator on a pty with the real driver. simClock
// drives the simulator's delays (nil: the real clock). The driver's
// time-out is generous: a loaded CI machine must not make it fire.
func startSim(t *testing.T, simClock clock.Clock) *Reader {
	t.Helper()
	r, err := Start(loadTestCards(t), SimOptions{
		Options: Options{Clock: simClock, SlowDelay: time.Minute, TrickleGap: time.Millisecond},
		Reader: sam.ReaderOptions{Options: sam.Options{Timeout: 2 * time.Second, Settle: 50 * time.Millisecond},
			Poll: 10 * time.Millisecond, MinBackoff: 10 * time.Millisecond, Rand: entropy.Seeded(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// readCard lays card i, waits for it, reads it and takes it away.
func readCard(t *testing.T, r *Reader, i int) *idcard.Card {
	t.Helper()
	if err := r.Lay(i); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 10*time.Second)
	if err := r.WaitCard(ctx); err != nil {
		t.Fatalf("WaitCard: %v", err)
	}
	c, err := r.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	r.Remove()
	if err := r.WaitRemoved(ctx); err != nil {
		t.Fatalf("WaitRemoved: %v", err)
	}
	return c
}

func TestEndToEnd(t *testing.T) {
	r := startSim(t, nil)
	for i, label := range r.Cards() {
		t.Run(label, func(t *testing.T) {
			c := readCard(t, r, i)
			want := r.Sim.cards[i].Card
			if c.Type != want.Type || c.Name != want.Name || c.NameEN != want.NameEN || c.Number() != want.Number() ||
				c.Birth != want.Birth || c.ValidTo != want.ValidTo || c.NoExpiry != want.NoExpiry || c.PhotoSHA256 != want.PhotoSHA256 {
				t.Errorf("read %+v\nwant %+v", *c, *want)
			}
			img, err := Decoder{}.DecodePhoto(c.Photo)
			if err != nil || img.Bounds().Dx() != 102 {
				t.Errorf("photo: %v", err)
			}
		})
	}
	ctx := ctxFor(t, 5*time.Second)
	if err := r.SAMStatus(ctx); err != nil {
		t.Errorf("SAM status: %v", err)
	}
	if id, err := r.SAMID(ctx); err != nil || id != "05.01-20260101-0000012345-0000067890" {
		t.Errorf("SAM id %q, %v", id, err)
	}
}

// TestCardMustLeave: a card that was read is not found again until it has
// been taken away and laid again.
func TestCardMustLeave(t *testing.T) {
	r := startSim(t, nil)
	r.Lay(0)
	ctx := ctxFor(t, 5*time.Second)
	if err := r.WaitCard(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := r.WaitCard(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitCard with the read card still there: %v", err)
	}
	if err := r.WaitRemoved(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitRemoved with the card still there: %v", err)
	}
	r.Lay(0) // lifted and laid again
	if err := r.WaitCard(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestFaults plays every scripted fault: each gives its typed error, then
// the driver reads the next card.
func TestFaults(t *testing.T) {
	r := startSim(t, nil)
	for _, tc := range []struct {
		fault string
		// op runs with the fault in play; it returns the error to check.
		op   func(ctx context.Context) error
		want error
	}{
		{"no-card", func(ctx context.Context) error { _, err := r.Read(ctx); return err }, idcard.ErrNoCard},
		{"remove-mid-read", func(ctx context.Context) error {
			r.Fault("none")
			r.Lay(0)
			if err := r.WaitCard(ctx); err != nil {
				return err
			}
			r.Fault("remove-mid-read")
			_, err := r.Read(ctx)
			return err
		}, idcard.ErrCardRemoved},
		{"read-failed", func(ctx context.Context) error {
			r.Fault("none")
			r.Lay(0)
			if err := r.WaitCard(ctx); err != nil {
				return err
			}
			r.Fault("read-failed")
			_, err := r.Read(ctx)
			return err
		}, idcard.ErrReadFailed},
		{"checksum", func(ctx context.Context) error { r.Lay(1); return r.WaitCard(ctx) }, idcard.ErrFrame},
		{"sam-unauthorised", func(ctx context.Context) error { r.Lay(1); return r.WaitCard(ctx) }, idcard.ErrSAMFault},
		{"sam-selftest", func(ctx context.Context) error { return r.SAMStatus(ctx) }, idcard.ErrSAMFault},
		// Faults the driver rides out.
		{"checksum-once", func(ctx context.Context) error { readCard(t, r, 2); return nil }, nil},
		{"garbage", func(ctx context.Context) error { readCard(t, r, 2); return nil }, nil},
		{"trickle", func(ctx context.Context) error { readCard(t, r, 2); return nil }, nil},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			if err := r.Fault(tc.fault); err != nil {
				t.Fatal(err)
			}
			err := tc.op(ctxFor(t, 10*time.Second))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "sam: ") {
				t.Errorf("message %q", err)
			}
			// Recovery: the next card reads.
			r.Fault("none")
			if err := r.Sim.WaitIdle(ctxFor(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			r.Remove()
			c := readCard(t, r, 0)
			if c.Name != "张晓雯" {
				t.Errorf("after %s: read %v", tc.fault, c.Name)
			}
		})
	}
	if err := r.Fault("meteor"); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("unknown fault: %v", err)
	}
	if err := r.Lay(7); err == nil {
		t.Error("Lay(7): no error")
	}
}

// TestSlowFault: answers that come after the driver's time-out give
// ErrTimeout; the late answer, released by the simulator's fake clock, is
// dropped and the next card reads.
func TestSlowFault(t *testing.T) {
	fc := clocktest.New(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	r := startSim(t, fc)
	r.Fault("slow")
	r.Lay(1)
	ctx := ctxFor(t, 20*time.Second)
	if err := r.WaitCard(ctx); !errors.Is(err, idcard.ErrTimeout) || !strings.HasPrefix(err.Error(), "sam: ") {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	r.Fault("none")
	fc.Advance(time.Minute) // the late answer goes out now
	if err := r.Sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	r.Remove()
	if c := readCard(t, r, 0); c.Name != "张晓雯" {
		t.Errorf("after the slow answers: read %v", c.Name)
	}
}

func TestFingerprintRead(t *testing.T) {
	cards := loadTestCards(t)
	r, err := Start(cards, SimOptions{Options: Options{Fingerprint: []byte{1, 2, 3}},
		Reader: sam.ReaderOptions{Options: sam.Options{Fingerprint: true, Timeout: 2 * time.Second}, Poll: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := readCard(t, r, 0)
	if string(c.Fingerprint) != "\x01\x02\x03" {
		t.Errorf("fingerprint %x", c.Fingerprint)
	}
}
