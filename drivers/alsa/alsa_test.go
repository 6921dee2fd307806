package alsa

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
)

// ALSA's "null" device (defined in alsa.conf, no card needed) discards
// what is played and captures zeros at the device's pace: the real
// open/negotiate/write/read code runs on a machine without a sound card.

func TestNullPlayback(t *testing.T) {
	sp, err := OpenSpeaker("null")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	pcm := audio.PCM{Rate: 16000, Samples: make([]int16, 1600)}
	if err := sp.Play(context.Background(), pcm); err != nil {
		t.Fatal(err)
	}
	if sp.Rate() != 16000 {
		t.Fatalf("rate %d after a 16 kHz prompt", sp.Rate())
	}
	// A prompt at another rate reopens the device at that rate.
	if err := sp.Play(context.Background(), audio.PCM{Rate: 22050, Samples: make([]int16, 2205)}); err != nil || sp.Rate() != 22050 {
		t.Fatalf("22050 Hz prompt: %v, rate %d", err, sp.Rate())
	}
	// The null device takes samples as fast as they come (it keeps no
	// time), so only an interruption before the first period is seen here;
	// TestRealCard times one on a card.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sp.Play(ctx, audio.PCM{Rate: 16000, Samples: make([]int16, 160000)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled play: %v", err)
	}
	sp.SetMute(true)
	if err := sp.Play(context.Background(), pcm); err != nil {
		t.Fatalf("muted: %v", err)
	}
	sp.Close()
	if err := sp.Play(context.Background(), pcm); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestNullCapture(t *testing.T) {
	m, err := OpenMicrophone("null", 16000)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Rate() != 16000 {
		t.Fatalf("rate %d", m.Rate())
	}
	p, err := m.Record(context.Background(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Samples) != 3200 || p.Rate != 16000 {
		t.Fatalf("%d samples at %d Hz", len(p.Samples), p.Rate)
	}
	m.Close()
	if _, err := m.Record(context.Background(), time.Millisecond); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := OpenMicrophone("hw:99,0", 16000)
	if err == nil || !strings.Contains(err.Error(), `open capture "hw:99,0"`) || !strings.Contains(err.Error(), "arecord -l") {
		t.Fatalf("missing card: %v", err)
	}
	_, err = OpenSpeaker("no-such-pcm")
	if err == nil || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := OpenMicrophone("null", 100); err == nil || !strings.Contains(err.Error(), "want 4000..192000") {
		t.Fatalf("rate 100: %v", err)
	}
}

// Devices that refuse a parameter, defined in a test ALSA configuration
// on top of the null device (see TestMain): each refusal names the
// parameter and says what to do.
func TestParamErrors(t *testing.T) {
	if !testConf {
		t.Skip("no /usr/share/alsa/alsa.conf to add the test devices to")
	}
	tests := []struct {
		dev, param, hint string
	}{
		{"kiosktest_stereoonly", "mono", "plughw"},
		{"kiosktest_alawonly", "16-bit", "plughw"},
	}
	for _, tt := range tests {
		_, err := OpenMicrophone(tt.dev, 16000)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: err = %v, want a ParamError", tt.dev, err)
		}
		if !strings.Contains(pe.Param, tt.param) || !strings.Contains(err.Error(), tt.hint) || pe.Device != tt.dev {
			t.Fatalf("%s: %v", tt.dev, err)
		}
		if _, err := OpenSpeaker(tt.dev); !errors.As(err, &pe) {
			t.Fatalf("%s playback: %v", tt.dev, err)
		}
	}
}

var testConf bool

// TestMain adds devices that refuse mono and 16-bit samples to ALSA's
// configuration, before the first open reads it.
func TestMain(m *testing.M) {
	const sys = "/usr/share/alsa/alsa.conf"
	if _, err := os.Stat(sys); err == nil {
		dir, err := os.MkdirTemp("", "alsatest")
		if err == nil {
			conf := filepath.Join(dir, "test.conf")
			if os.WriteFile(conf, []byte(testDevices), 0o644) == nil {
				os.Setenv("ALSA_CONFIG_PATH", sys+":"+conf)
				testConf = true
			}
			defer os.RemoveAll(dir)
		}
	}
	code := m.Run()
	os.Exit(code)
}

const testDevices = `
pcm.kiosktest_stereoonly {
	type multi
	slaves.a { pcm "null" channels 2 }
	bindings.0 { slave a channel 0 }
	bindings.1 { slave a channel 1 }
}
pcm.kiosktest_alawonly {
	type alaw
	slave { pcm "null" format S16_LE }
}
`

func TestParseArg(t *testing.T) {
	tests := []struct {
		arg, dev string
		rate     int
		wantErr  string
	}{
		{"", "default", 16000, ""},
		{"hw:1,0", "hw:1,0", 16000, ""},
		{"plughw:1,0?rate=48000", "plughw:1,0", 48000, ""},
		{"default?rate=2", "", 0, "rate"},
		{"default?gain=2", "", 0, "unknown option"},
	}
	for _, tt := range tests {
		dev, rate, err := ParseArg(tt.arg)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v", tt.arg, err)
			}
			continue
		}
		if err != nil || dev != tt.dev || rate != tt.rate {
			t.Errorf("%q: %q %d %v", tt.arg, dev, rate, err)
		}
	}
}

// A real sound card: play a short tone and record half a second, when the
// machine has one.
func TestRealCard(t *testing.T) {
	cards, err := os.ReadFile("/proc/asound/cards")
	if err != nil || strings.Contains(string(cards), "no soundcards") || len(strings.TrimSpace(string(cards))) == 0 {
		t.Skip("no sound card on this machine (/proc/asound/cards): ALSA was tested on its null device only")
	}
	sp, err := OpenSpeaker("default")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	tone := audio.PCM{Rate: 16000, Samples: make([]int16, 1600)}
	if err := sp.Play(context.Background(), tone); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := sp.Play(ctx, audio.PCM{Rate: 16000, Samples: make([]int16, 160000)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("interrupted play: %v", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("a 10 s prompt took %v to stop after 200 ms", el)
	}
	m, err := OpenMicrophone("default", 16000)
	if err != nil {
		t.Skipf("the card has no capture device: %v", err)
	}
	defer m.Close()
	p, err := m.Record(context.Background(), 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d samples at %d Hz, %.1f dBFS", len(p.Samples), p.Rate, audio.DBFS(audio.RMS(p)))
}
