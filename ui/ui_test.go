package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/ui/i18n"
)

func TestLoadFontMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-font.ttc")
	_, err := LoadFont(path)
	if !errors.Is(err, ErrFontMissing) {
		t.Fatalf("LoadFont(missing) = %v, want ErrFontMissing", err)
	}
	for _, want := range []string{"ui: load font", path, "fonts-wqy-microhei"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// badFonts are font files that must be refused with an error, not a panic.
var badFonts = []struct {
	name string
	data []byte
}{
	{"empty", nil},
	{"short", []byte("ttcf")},
	{"text", []byte("this is not a font at all, just some text")},
	{"ttc with no fonts", append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"), make([]byte, 8)...)},
	{"ttc offset beyond end", []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x7f\xff\xff\xff")},
	{"table beyond end", []byte("\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" + "cmap\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x10\x00")},
	{"directory beyond end", []byte("\x00\x01\x00\x00\x00\x40\x00\x10\x00\x00\x00\x00")},
}

func TestParseFontBad(t *testing.T) {
	for _, tt := range badFonts {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFont(tt.data)
			if err == nil || !strings.HasPrefix(err.Error(), "parse font") {
				t.Fatalf("ParseFont = %v, want a parse font error", err)
			}
			if p := filepath.Join(t.TempDir(), "bad.ttf"); os.WriteFile(p, tt.data, 0o644) == nil {
				if _, err := LoadFont(p); err == nil || !strings.Contains(err.Error(), p) {
					t.Errorf("LoadFont = %v, want an error naming %s", err, p)
				}
			}
		})
	}
}

// FuzzExtractFont checks that font repair never panics and keeps tables
// aligned within the output.
func FuzzExtractFont(f *testing.F) {
	for _, tt := range badFonts {
		f.Add(tt.data)
	}
	f.Add([]byte("\x00\x01\x00\x00\x00\x02\x00\x10\x00\x00\x00\x00" +
		"cmap\x00\x00\x00\x00\x00\x00\x00\x2d\x00\x00\x00\x03" +
		"head\x00\x00\x00\x00\x00\x00\x00\x2a\x00\x00\x00\x02abcde"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := extractFont(data, 0)
		if err != nil {
			return
		}
		n := int(out[4])<<8 | int(out[5])
		for i := 0; i < n; i++ {
			r := out[12+16*i:]
			o := int(r[8])<<24 | int(r[9])<<16 | int(r[10])<<8 | int(r[11])
			l := int(r[12])<<24 | int(r[13])<<16 | int(r[14])<<8 | int(r[15])
			if o%4 != 0 || o+l > len(out) {
				t.Fatalf("table %d at %d+%d in %d bytes", i, o, l, len(out))
			}
		}
	})
}

func TestWrap(t *testing.T) {
	fnt := testFont(t)
	f := fnt.mustFace(30)
	tests := []struct {
		s     string
		width int
		lines int // expected number of lines (0: just check widths)
	}{
		{"请放置身份证", 1000, 1},
		{"请放置身份证", 65, 3}, // 2 CJK characters a line
		{"hello world", 1000, 1},
		{"hello world", max(measure(f, "hello"), measure(f, "world")) + 5, 2},
		{"a\nb", 1000, 2},
		{"supercalifragilisticexpialidocious", 120, 0},
		{"证件被移开了。请将证件平放在读卡区，读取完成前不要移动。", 300, 0},
	}
	for _, tt := range tests {
		lines := wrap(f, tt.s, tt.width)
		if tt.lines > 0 && len(lines) != tt.lines {
			t.Errorf("wrap(%q, %d) = %q, want %d lines", tt.s, tt.width, lines, tt.lines)
		}
		joined := ""
		for _, l := range lines {
			if w := measure(f, l); w > tt.width {
				t.Errorf("wrap(%q, %d): line %q is %d wide", tt.s, tt.width, l, w)
			}
			for _, r := range []rune(l)[:1] {
				if strings.ContainsRune("，。、）", r) {
					t.Errorf("wrap(%q): line %q starts with %q", tt.s, l, r)
				}
			}
			joined += l
		}
		if strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }; strip(joined) != strip(tt.s) {
			t.Errorf("wrap(%q) lost text: %q", tt.s, lines)
		}
	}
}

// wantActions are the touch targets each screen must offer (besides "lang").
var wantActions = map[string][]string{
	"attract":               {ActionStart, ActionTech},
	"place-card":            {ActionCancel},
	"reading-card":          nil,
	"not-on-roster":         {ActionCancel},
	"already-confirmed":     {ActionCancel},
	"card-expired":          {ActionCancel},
	"card-read-failed":      {ActionCancel, ActionRetry},
	"liveness":              {ActionCancel},
	"matching":              nil,
	"match-failed":          {ActionCancel, ActionRetry},
	"photo":                 {ActionCancel},
	"photo-review":          {ActionCancel, ActionRetake, ActionUsePhoto},
	"signature":             {ActionCancel, ActionClear, ActionConfirm},
	"saving":                nil,
	"done":                  {ActionFinish},
	"failure":               {ActionCancel},
	"out-of-service":        {ActionTech},
	"tech-pin":              {ActionCancel, ActionDelete, ActionOK, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	"tech-menu":             {ActionSelfTest, ActionSync, ActionRestart, ActionExit},
	"tech-restart":          {ActionRestartNo, ActionRestartYes},
	"registration":          {ActionNotMe, ActionConfirmIdentity},
	"card-invalid":          {ActionCancel},
	"liveness-retry":        {ActionCancel, ActionRetry},
	"signature-still-there": {ActionContinue},
}

// checkTargets checks that f has the targets of its screen, inside the
// frame, at least 90 px tall at scale u, with the language button on top.
func checkTargets(t *testing.T, f *Frame, name string, u float64) {
	t.Helper()
	var got []string
	for _, tg := range f.Targets {
		got = append(got, tg.Action)
		if !tg.Rect.In(f.Image.Rect) || tg.Rect.Empty() {
			t.Errorf("target %s %v outside the frame", tg.Action, tg.Rect)
		}
		if float64(tg.Rect.Dy()) < 90*u-1 {
			t.Errorf("target %s only %d px tall", tg.Action, tg.Rect.Dy())
		}
	}
	for _, a := range append([]string{ActionLang}, wantActions[name]...) {
		if !slices.Contains(got, a) {
			t.Errorf("no %q target (has %q)", a, got)
		}
	}
	lt, _ := f.Find(ActionLang)
	if a := f.Hit(lt.Rect.Min.Add(image.Pt(3, 3))); a != ActionLang {
		t.Errorf("a tap on the language button hits %q", a)
	}
}

// TestTargets checks the touch targets at other frame sizes (TestGolden
// checks them at 1280x800 in both languages).
func TestTargets(t *testing.T) {
	all, _ := testSamples(t)
	for _, size := range []image.Point{image.Pt(1920, 1080), image.Pt(800, 600)} {
		r, err := NewRenderer(testFont(t), size, DefaultTheme)
		if err != nil {
			t.Fatal(err)
		}
		u := min(float64(size.X)/1280, float64(size.Y)/800)
		for i, sm := range all {
			lang := i18n.Langs[i%2] // both languages, half the renders
			t.Run(fmt.Sprintf("%dx%d/%s-%s", size.X, size.Y, sm.File, lang), func(t *testing.T) {
				f := r.Render(sm.Screen, lang)
				if len(r.missing) > 0 {
					t.Errorf("catalogue keys missing: %q", r.missing)
				}
				checkTargets(t, f, sm.Screen.Name(), u)
			})
		}
	}
}

func TestHitNothing(t *testing.T) {
	f := &Frame{Targets: []Target{{ActionStart, image.Rect(0, 0, 100, 100)}, {ActionLang, image.Rect(50, 0, 100, 50)}}}
	tests := []struct {
		p    image.Point
		want string
	}{
		{image.Pt(10, 10), ActionStart},
		{image.Pt(60, 10), ActionLang},
		{image.Pt(100, 10), ""},
		{image.Pt(-1, -1), ""},
	}
	for _, tt := range tests {
		if got := f.Hit(tt.p); got != tt.want {
			t.Errorf("Hit(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestNewRendererErrors(t *testing.T) {
	if _, err := NewRenderer(nil, DesignSize, DefaultTheme); err == nil {
		t.Error("NewRenderer(nil font) succeeded")
	}
	if _, err := NewRenderer(testFont(t), image.Pt(100, 100), DefaultTheme); err == nil || !strings.HasPrefix(err.Error(), "ui: ") {
		t.Errorf("NewRenderer(100x100) = %v, want a size error", err)
	}
}

func TestMirrorPreview(t *testing.T) {
	// A frame whose left half is red: mirrored, the red lands right, and
	// the face box on the left maps to the right.
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{0, 0, 0xFF, 0xFF}
			if x < 32 {
				c = color.RGBA{0xFF, 0, 0, 0xFF}
			}
			img.SetRGBA(x, y, c)
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	c := &canvas{dst: dst}
	pl := c.image(img, dst.Rect, true, true)
	if got := dst.RGBAAt(600, 240); got.R < 200 {
		t.Errorf("mirrored preview: right side %v, want red", got)
	}
	if r := pl.rect(image.Rect(0, 0, 16, 16)); r.Min.X != 480 || r.Max.X != 640 {
		t.Errorf("mirrored face box maps to %v, want x 480..640", r)
	}
}

func TestKeyAction(t *testing.T) {
	pin := &Frame{Targets: []Target{{ActionCancel, image.Rect(0, 0, 1, 1)}, {"7", image.Rect(0, 0, 1, 1)}, {ActionOK, image.Rect(0, 0, 1, 1)}}}
	tests := []struct {
		f    *Frame
		key  string
		want string
	}{
		{pin, "7", "7"}, {pin, "8", ""}, {pin, "escape", ActionCancel}, {pin, "enter", ActionOK},
		{pin, "l", ""}, {nil, "enter", ""}, {pin, "f13", ""},
	}
	for _, tt := range tests {
		if got := KeyAction(tt.f, tt.key); got != tt.want {
			t.Errorf("KeyAction(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestHeadless(t *testing.T) {
	r, err := NewRenderer(testFont(t), image.Pt(640, 400), DefaultTheme)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := NewHeadless(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	frames := make(chan *Frame)
	events := make(chan Event, 4)
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, frames, events) }()

	if err := h.Press(ActionCancel); !errors.Is(err, ErrNoTarget) {
		t.Errorf("Press before any frame = %v, want ErrNoTarget", err)
	}
	for _, s := range []Screen{Attract{}, Attract{Phase: 0.5}, PlaceCard{}, ReadingCard{}, ReadingCard{Phase: 0.2}} {
		frames <- r.Render(s, i18n.ZH)
	}
	frames <- r.Render(ReadingCard{}, i18n.EN)
	if _, err := h.WaitScreen(ctx, "reading-card"); err != nil {
		t.Fatal(err)
	}
	frames <- r.Render(PlaceCard{}, i18n.ZH)
	if _, err := h.WaitScreen(ctx, "place-card"); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ActionCancel); err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Kind != Tap || ev.Action != ActionCancel || ev.Screen != "place-card" {
		t.Errorf("event %+v, want a tap on cancel", ev)
	}
	if err := h.Press(ActionRetake); !errors.Is(err, ErrNoTarget) {
		t.Errorf("Press(retake) on place-card = %v, want ErrNoTarget", err)
	}
	close(frames)
	if ev := <-events; ev.Kind != Close {
		t.Errorf("event %+v after the frames ended, want close", ev)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range h.Saved() {
		names = append(names, filepath.Base(p))
		if _, err := readPNG(p); err != nil {
			t.Error(err)
		}
	}
	want := []string{"01-attract.png", "02-place-card.png", "03-reading-card.png", "04-reading-card.png", "05-place-card.png"}
	if !slices.Equal(names, want) {
		t.Errorf("saved %q, want %q", names, want)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if _, err := h.WaitScreen(ctx2, "done"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitScreen(absent) = %v, want deadline exceeded", err)
	}
}

func TestHeadlessBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	h := NewHeadless(filepath.Join(file, "screens"))
	err := h.Run(context.Background(), make(chan *Frame), make(chan Event))
	if err == nil || !strings.HasPrefix(err.Error(), "ui: headless") {
		t.Errorf("Run with a bad dir = %v, want an error", err)
	}
}

func livenessSample(b *testing.B) (*Renderer, Liveness) {
	r := testRenderer(b)
	all, _ := testSamples(b)
	for _, s := range all {
		if l, ok := s.Screen.(Liveness); ok {
			return r, l
		}
	}
	b.Fatal("no liveness sample")
	return nil, Liveness{}
}

// BenchmarkRenderLiveness renders the liveness screen at 1280x800 with a
// 640x480 preview; compare with BenchmarkClearFrame.
func BenchmarkRenderLiveness(b *testing.B) {
	r, s := livenessSample(b)
	dst := image.NewRGBA(image.Rectangle{Max: DesignSize})
	r.RenderInto(dst, s, i18n.ZH) // warm the glyph caches
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.RenderInto(dst, s, i18n.ZH)
	}
}

// BenchmarkClearFrame is the baseline: filling a 1280x800 frame once.
func BenchmarkClearFrame(b *testing.B) {
	dst := image.NewRGBA(image.Rectangle{Max: DesignSize})
	c := &canvas{dst: dst}
	for i := 0; i < b.N; i++ {
		c.fillRect(dst.Rect, DefaultTheme.Background)
	}
}

func TestScaleRGBA(t *testing.T) {
	src := image.NewRGBA(image.Rect(10, 20, 74, 68)) // off-origin on purpose
	for y := src.Rect.Min.Y; y < src.Rect.Max.Y; y++ {
		for x := src.Rect.Min.X; x < src.Rect.Max.X; x++ {
			src.SetRGBA(x, y, color.RGBA{uint8(x * 3), uint8(y * 4), uint8((x + y) % 256), 0xFF})
		}
	}
	tests := []struct {
		name   string
		d      image.Rectangle
		mirror bool
	}{
		{"up", image.Rect(5, 5, 133, 101), false},
		{"down", image.Rect(0, 0, 32, 24), false},
		{"same", image.Rect(0, 0, 64, 48), false},
		{"clipped", image.Rect(-20, -10, 180, 140), false},
		{"mirror", image.Rect(5, 5, 133, 101), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := image.NewRGBA(image.Rect(0, 0, 160, 120))
			want := image.NewRGBA(image.Rect(0, 0, 160, 120))
			scaleRGBA(got, tt.d, src, src.Rect, tt.mirror)
			xdrawBiLinear(want, tt.d, src)
			if tt.mirror {
				mirrorRect(want, tt.d.Intersect(want.Rect))
			}
			// Bilinear variants differ at the edges and by rounding.
			if n := diff(got, want, 12); n > len(got.Pix)/4/50 {
				t.Errorf("%d pixels differ from x/image/draw's bilinear", n)
			}
			if tt.d.Min.X > 0 && got.RGBAAt(tt.d.Min.X-1, tt.d.Min.Y+1).A != 0 {
				t.Error("drew outside the destination rectangle")
			}
		})
	}
	// An empty source or destination draws nothing and does not panic.
	dst := image.NewRGBA(image.Rect(0, 0, 8, 8))
	scaleRGBA(dst, image.Rect(0, 0, 8, 8), src, image.Rectangle{}, false)
	scaleRGBA(dst, image.Rectangle{}, src, src.Rect, false)
	scaleRGBA(dst, image.Rect(0, 0, 8, 8), image.NewRGBA(image.Rect(0, 0, 1, 1)), image.Rect(0, 0, 1, 1), true)
}

// TestOddViewModels draws view models with missing, out-of-range and
// contradictory values: each must draw without panicking, keep its
// targets, and keep what it draws inside its own area.
func TestOddViewModels(t *testing.T) {
	r := testRenderer(t)
	long := strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 5)
	tiny := image.NewRGBA(image.Rect(0, 0, 1, 1))
	tests := []struct {
		name string
		s    Screen
	}{
		{"liveness nothing", Liveness{}},
		{"liveness face off the preview", Liveness{Preview: tiny, Face: image.Rect(-500, -500, -400, -400), Guidance: "no.such.key", Count: 2, Index: 5, Passed: 9, Remaining: -time.Second, Limit: time.Second}},
		{"liveness face larger than the preview", Liveness{Preview: image.NewRGBA(image.Rect(0, 0, 64, 48)), Face: image.Rect(-10, -10, 1000, 1000), Challenge: ChallengeReadDigits, Digits: "123456789012345678901234567890"}},
		{"liveness yuv preview", Liveness{Preview: image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420), Mirror: true, Challenge: ChallengeNod, Remaining: time.Hour, Limit: time.Second}},
		{"photo many hints", Photo{Hints: []string{HintNoFace, HintTooDark, HintUnevenLight, HintBlurry, HintEyesClosed, HintNotFrontal, HintBackground, HintTooFar, HintTooClose, HintOffCentre, HintMultipleFaces, HintMismatch, "raw text"}, Countdown: 3}},
		{"photo review no photo", PhotoReview{}},
		{"signature empty pad range", Signature{Strokes: [][]image.Point{{{1, 1}}, {}, nil}}},
		{"done long name", Done{Candidate: long, Countdown: -4}},
		{"done no name", Done{}},
		{"not on roster long name", NotOnRoster{Candidate: long}},
		{"match failed negative", MatchFailed{AttemptsLeft: -1}},
		{"failure raw reason", Failure{Reason: "E42 raw"}},
		{"out of service unknown device", OutOfService{Device: "printer", Code: strings.Repeat("X", 200)}},
		{"tech pin overflow", TechPIN{Entered: 30, Length: 2}},
		{"tech menu many devices", TechMenu{Devices: make([]DeviceStatus, 40), Message: long}},
		{"attract phase", Attract{Phase: -7.3, Site: long}},
		{"reading card huge phase", ReadingCard{Phase: 1e9}},
	}
	for _, tt := range tests {
		for _, lang := range i18n.Langs {
			t.Run(tt.name+"/"+string(lang), func(t *testing.T) {
				f := r.Render(tt.s, lang)
				name := tt.s.Name()
				if _, ok := tt.s.(MatchFailed); ok {
					name = "" // no attempts left: no retry
					if _, ok := f.Find(ActionRetry); ok {
						t.Error("retry offered with no attempts left")
					}
				}
				checkTargets(t, f, name, 1)
			})
		}
	}
}

// TestStrokesStayOnThePad draws strokes far off the pad's range: nothing
// may land outside the pad's box.
func TestStrokesStayOnThePad(t *testing.T) {
	r := testRenderer(t)
	pad := image.Rect(0, 0, 2000, 600)
	blank := r.Render(Signature{Strokes: [][]image.Point{{{1000, 300}}}, Pad: pad}, i18n.EN)
	wild := r.Render(Signature{Strokes: [][]image.Point{{{-5000, -5000}, {9000, 9000}, {1000, 300}}, {{-1, 700}}}, Pad: pad}, i18n.EN)
	var changed image.Rectangle
	for y := 0; y < blank.Image.Rect.Dy(); y++ {
		for x := 0; x < blank.Image.Rect.Dx(); x++ {
			if blank.Image.RGBAAt(x, y) != wild.Image.RGBAAt(x, y) {
				changed = changed.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if changed.Empty() {
		t.Fatal("the strokes drew nothing")
	}
	// The pad box lies between the instructions and the buttons.
	if changed.Min.Y < 240 || changed.Max.Y > 640 || changed.Min.X < 40 || changed.Max.X > 1240 {
		t.Errorf("strokes changed pixels in %v, outside the pad", changed)
	}
}

// TestKeyConstants checks that every catalogue key the flow may put into
// a view model exists in both languages.
func TestKeyConstants(t *testing.T) {
	keys := []string{
		ReasonCardMoved, ReasonCardUnreadable, ReasonCardUnsupported, ReasonCardInvalid, ReasonTimeout,
		ReasonLiveness, ReasonPhoto, ReasonSave, ReasonDevice, ReasonUnknown,
		ChallengeLook, ChallengeBlink, ChallengeTurnLeft, ChallengeTurnRight, ChallengeNod, ChallengeReadDigits,
		GuideOK, GuideMoveCloser, GuideMoveBack, GuideTooDark, GuideTooBright, GuideFaceCamera, GuideNoFace,
		GuideOneFace, GuideHoldStill, GuideCentre,
		HintNoFace, HintTooDark, HintUnevenLight, HintBlurry, HintEyesClosed, HintNotFrontal, HintBackground,
		HintTooFar, HintTooClose, HintOffCentre, HintMultipleFaces, HintMismatch,
		RefusalEmpty, RefusalTrivial, RefusalSmall,
		DeviceIDCard, DeviceCamera, DeviceSigpad, DeviceGPIO, DeviceStorage, DeviceNetwork, DeviceModels,
	}
	for _, k := range keys {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, k) {
				t.Errorf("%s catalogue lacks %q", l, k)
			}
		}
	}
}

// TestAnimation checks that the phase values move the idle animation and
// the spinners, and that the countdown and challenge progress show.
func TestAnimation(t *testing.T) {
	r := testRenderer(t)
	pairs := []struct {
		name string
		a, b Screen
	}{
		{"attract", Attract{Phase: 0}, Attract{Phase: 0.5}},
		{"reading", ReadingCard{Phase: 0}, ReadingCard{Phase: 0.5}},
		{"matching", Matching{Phase: 0.1}, Matching{Phase: 0.3}},
		{"saving", Saving{Phase: 0.2}, Saving{Phase: 0.9}},
		{"countdown", Liveness{Remaining: 5 * time.Second, Limit: 8 * time.Second}, Liveness{Remaining: 2 * time.Second, Limit: 8 * time.Second}},
		{"challenge progress", Liveness{Count: 3, Index: 1}, Liveness{Count: 3, Index: 2, Passed: 1}},
		{"done countdown", Done{Countdown: 9}, Done{Countdown: 8}},
		{"pin dots", TechPIN{Entered: 1}, TechPIN{Entered: 2}},
	}
	for _, p := range pairs {
		a := r.Render(p.a, i18n.ZH)
		b := r.Render(p.b, i18n.ZH)
		if diff(a.Image, b.Image, 0) == 0 {
			t.Errorf("%s: both states draw the same picture", p.name)
		}
	}
	// One full cycle later the attract screen is the same again.
	a := r.Render(Attract{Phase: 0.25}, i18n.ZH)
	b := r.Render(Attract{Phase: 1.25}, i18n.ZH)
	if n := diff(a.Image, b.Image, 0); n != 0 {
		t.Errorf("attract: phase 0.25 and 1.25 differ in %d pixels", n)
	}
}
