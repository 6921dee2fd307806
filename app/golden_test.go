package app

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

var update = flag.Bool("update", false, "rewrite the golden images under testdata/golden")

// Synthetic candidates (the ID numbers have valid check digits and belong
// to nobody).
const (
	goldenPending   = "420106199003072113"
	goldenConfirmed = "110101199003074514"
)

var goldenConfirmedAt = time.Date(2026, 11, 25, 2, 12, 0, 0, time.UTC)

type goldenRoster struct{ photo []byte }

func (g goldenRoster) Lookup(id string) (flow.RosterEntry, error) {
	switch id {
	case goldenPending:
		return flow.RosterEntry{Status: flow.RosterPending, Registration: flow.Registration{Name: "张晓雯",
			RegistrationNo: "0126110300123", ExamPeriod: "2026年10月24日—25日",
			Subjects: []string{"00015 英语（二）", "03708 中国近现代史纲要", "00054 管理学原理"}, Site: "武昌区自考办", Photo: g.photo}}, nil
	case goldenConfirmed:
		return flow.RosterEntry{Status: flow.RosterConfirmed, ConfirmedAt: goldenConfirmedAt}, nil
	case "boom":
		return flow.RosterEntry{}, errors.New("roster: locked")
	}
	return flow.RosterEntry{}, nil
}

// regPhoto is a drawn stand-in for a registration photo (light blue, a
// head), as JPEG.
func regPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 120; x++ {
			c := color.RGBA{0x9c, 0xc8, 0xef, 0xff}
			dx, dy := float64(x-60)/30, float64(y-62)/38
			if dx*dx+dy*dy < 1 {
				c = color.RGBA{0xe8, 0xc0, 0xa0, 0xff}
			}
			if y > 112 && (x-60)*(x-60) < (y-100)*(y-100)*2 {
				c = color.RGBA{0x30, 0x38, 0x48, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var goldenSettings = flow.Settings{
	MatchAttempts: 3, PhotoAttempts: 3, SignAttempts: 3,
	StepTimeout: 60 * time.Second, DoneTimeout: 10 * time.Second, FailTimeout: 15 * time.Second,
	RequireRoster: true, Challenges: 2, ChallengeSet: []string{"blink", "nod"}, TechPIN: "246810",
	WarnBefore: 15 * time.Second,
}

// flowState drives a real machine with events and returns its state: the
// golden screens are drawn from what the flow really holds at that point.
// The clock advances by after before the state is taken.
func flowState(t *testing.T, clk *clocktest.Fake, after time.Duration, events ...flow.Event) flow.State {
	t.Helper()
	m := flow.New(goldenSettings, "zh", clk, entropy.Seeded(7), goldenRoster{photo: regPhoto(t)})
	for _, ev := range events {
		m.Handle(ev)
	}
	clk.Advance(after)
	return m.State()
}

func card(id, name string, validTo time.Time, expired, valid bool) flow.Card {
	return flow.Card{IDNumber: id, Name: name, ValidTo: validTo, Expired: expired, Valid: valid}
}

// The screens the flow's refusals, failures and the new steps show, drawn
// from the real flow's state (issue 12: the refusal screens showed a blank
// name and 0001年1月1日 because the view was built from the wiped state,
// while the goldens used sample data).
func TestGoldenFromFlow(t *testing.T) {
	font, err := ui.LoadFont(ui.DefaultFontPath)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	r, err := ui.NewRenderer(font, ui.DesignSize, ui.DefaultTheme)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 28, 6, 30, 0, 0, time.UTC)
	validTo := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	lay := []flow.Event{flow.Presence{}, flow.CardReading{}}
	pending := card(goldenPending, "张晓雯", time.Time{}, false, true)
	toSign := append(append([]flow.Event{}, lay...), flow.CardRead{Card: pending}, flow.Tap{Action: "confirm_identity"},
		flow.LivenessDone{Passed: true}, flow.MatchDone{Match: true}, flow.PhotoDone{OK: true}, flow.Tap{Action: "use_photo"})
	type tc struct {
		file   string
		events []flow.Event
		at     time.Duration // clock advance before the screen is drawn
		check  func(t *testing.T, s ui.Screen)
	}
	cases := []tc{
		{"not-on-roster", append(lay, flow.CardRead{Card: card("110105198001010016", "李明", time.Time{}, false, true)}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.NotOnRoster); v.Candidate != "李明" || !v.TakeCard {
					t.Errorf("%+v", v)
				}
			}},
		{"already-confirmed", append(lay, flow.CardRead{Card: card(goldenConfirmed, "王芳", time.Time{}, false, true)}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.AlreadyConfirmed); v.Candidate != "王芳" || !v.At.Equal(goldenConfirmedAt) {
					t.Errorf("%+v", v)
				}
			}},
		{"card-expired", append(lay, flow.CardRead{Card: card(goldenPending, "张晓雯", validTo, true, true)}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.CardExpired); !v.ValidTo.Equal(validTo) {
					t.Errorf("%+v", v)
				}
			}},
		{"card-invalid", append(lay, flow.CardRead{Card: card("420106199003072114", "张晓雯", time.Time{}, false, false)}), 0,
			func(t *testing.T, s ui.Screen) {
				if _, ok := s.(ui.CardInvalid); !ok {
					t.Errorf("%T", s)
				}
			}},
		{"registration", append(lay, flow.CardRead{Card: pending}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.Registration); v.IDMasked != "4201**********2113" || v.RegistrationNo != "0126110300123" || v.Photo == nil {
					t.Errorf("%+v", v)
				}
			}},
		{"liveness-retry", append(append(lay, flow.CardRead{Card: pending}, flow.Tap{Action: "confirm_identity"}), flow.LivenessDone{Reason: "no_blink"}), 0, nil},
		{"signature-left", append(append([]flow.Event{}, toSign...), flow.SignatureDone{Reasons: []string{"too_small"}}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.Signature); v.AttemptsLeft != 2 || v.Refusal != ui.RefusalSmall {
					t.Errorf("%+v", v)
				}
			}},
		{"signature-empty", append(append([]flow.Event{}, toSign...), flow.SignatureDone{Reasons: []string{"empty"}}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.Signature); v.AttemptsLeft != 3 || v.Refusal != ui.RefusalFirst {
					t.Errorf("%+v", v)
				}
			}},
		{"signature-still-there", append([]flow.Event{}, toSign...), 50 * time.Second,
			func(t *testing.T, s ui.Screen) {
				if v, ok := s.(ui.StillThere); !ok || v.Seconds != 10 {
					t.Errorf("%#v", s)
				}
			}},
		{"failure-device", append(append([]flow.Event{}, toSign...), flow.DeviceFault{Device: "sigpad", Err: "gone", Code: "E-SIGPAD"}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.Failure); v.Reason != ui.ReasonDeviceFailed || !v.TakeCard {
					t.Errorf("%+v", v)
				}
			}},
		{"done-reference", append(append([]flow.Event{}, toSign...), flow.SignatureDone{Valid: true},
			flow.Saved{RecordID: "3f2a91c0-7d4e-4b8a-9c1d-2e5f6a7b8c9d"}), 0,
			func(t *testing.T, s ui.Screen) {
				if v := s.(ui.Done); v.Reference != "3F2A-91C0" {
					t.Errorf("%+v", v)
				}
			}},
	}
	dir := filepath.Join("testdata", "golden")
	os.MkdirAll(dir, 0o755)
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			clk := clocktest.New(t0)
			st := flowState(t, clk, c.at, c.events...)
			lv := &live{name: "张晓雯", at: t0.In(time.FixedZone("CST", 8*3600))}
			if st.Step == flow.RegistrationInfo {
				img, err := jpeg.Decode(bytes.NewReader(st.Session.Registration.Photo))
				if err != nil {
					t.Fatal(err)
				}
				lv.regPhoto = img
			}
			s := screen(st, lv, clk.Now(), "武昌区自考办", 6)
			if c.check != nil {
				c.check(t, s)
			}
			for _, lang := range i18n.Langs {
				f := r.Render(s, lang)
				path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", c.file, lang))
				var buf bytes.Buffer
				if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, f.Image); err != nil {
					t.Fatal(err)
				}
				if *update {
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test ./app -run TestGoldenFromFlow -update creates it)", err)
				}
				wimg, err := png.Decode(bytes.NewReader(want))
				if err != nil {
					t.Fatal(err)
				}
				if n := diffImages(f.Image, wimg); n > f.Image.Rect.Dx()*f.Image.Rect.Dy()/20000 {
					got := filepath.Join(os.TempDir(), "kiosk-app-golden", filepath.Base(path))
					os.MkdirAll(filepath.Dir(got), 0o755)
					os.WriteFile(got, buf.Bytes(), 0o644)
					t.Errorf("%d pixels differ from %s; this run drew %s", n, path, got)
				}
			}
		})
	}
}

// diffImages counts the pixels that differ by more than a few levels.
func diffImages(a *image.RGBA, b image.Image) int {
	if a.Rect != b.Bounds() {
		return a.Rect.Dx() * a.Rect.Dy()
	}
	n := 0
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if absDiff(r1, r2) > 6<<8 || absDiff(g1, g2) > 6<<8 || absDiff(b1, b2) > 6<<8 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
