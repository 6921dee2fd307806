package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func tone(rate, n int) PCM {
	p := PCM{Rate: rate, Samples: make([]int16, n)}
	for i := range p.Samples {
		p.Samples[i] = int16((i*997)%20000 - 10000)
	}
	return p
}

func TestWAVRoundTrip(t *testing.T) {
	for _, p := range []PCM{tone(16000, 0), tone(16000, 1), tone(22050, 12345), tone(48000, 480)} {
		var buf bytes.Buffer
		if err := EncodeWAV(&buf, p); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != 44+2*len(p.Samples) {
			t.Fatalf("size %d, want %d", buf.Len(), 44+2*len(p.Samples))
		}
		got, err := DecodeWAV(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got.Rate != p.Rate || len(got.Samples) != len(p.Samples) {
			t.Fatalf("got %d Hz %d samples, want %d Hz %d", got.Rate, len(got.Samples), p.Rate, len(p.Samples))
		}
		for i := range p.Samples {
			if got.Samples[i] != p.Samples[i] {
				t.Fatalf("sample %d: %d, want %d", i, got.Samples[i], p.Samples[i])
			}
		}
	}
}

// wav builds a WAV file by hand: format, channels, rate, bits, data bytes,
// extra chunks before data, and the data size written in the header.
func wav(format, channels uint16, rate uint32, bits uint16, data []byte, extra []byte, dataSize uint32) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(0))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, format)
	binary.Write(&b, binary.LittleEndian, channels)
	binary.Write(&b, binary.LittleEndian, rate)
	binary.Write(&b, binary.LittleEndian, rate*uint32(channels)*uint32(bits)/8)
	binary.Write(&b, binary.LittleEndian, channels*bits/8)
	binary.Write(&b, binary.LittleEndian, bits)
	b.Write(extra)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataSize)
	b.Write(data)
	return b.Bytes()
}

var wavTests = []struct {
	name    string
	data    []byte
	rate    int
	samples []int16
	wantErr string
}{
	{"mono", wav(1, 1, 16000, 16, []byte{1, 0, 0xff, 0xff}, nil, 4), 16000, []int16{1, -1}, ""},
	{"stereo mixed down", wav(1, 2, 8000, 16, []byte{10, 0, 20, 0, 0xf6, 0xff, 0xf6, 0xff}, nil, 8), 8000, []int16{15, -10}, ""},
	{"list chunk skipped", wav(1, 1, 16000, 16, []byte{5, 0}, []byte("LIST\x03\x00\x00\x00abc\x00"), 2), 16000, []int16{5}, ""},
	{"espeak pipe size", wav(1, 1, 22050, 16, []byte{7, 0, 8, 0}, nil, 0x7ffff000), 22050, []int16{7, 8}, ""},
	{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE"), 0, nil, "no RIFF"},
	{"short", []byte("RIFF"), 0, nil, "no RIFF"},
	{"float", wav(3, 1, 16000, 32, []byte{0, 0, 0, 0}, nil, 4), 0, nil, "only PCM"},
	{"8 bit", wav(1, 1, 16000, 8, []byte{0, 0}, nil, 2), 0, nil, "only 16"},
	{"no channels", wav(1, 0, 16000, 16, []byte{0, 0}, nil, 2), 0, nil, "0 channels"},
	{"rate zero", wav(1, 1, 0, 16, []byte{0, 0}, nil, 2), 0, nil, "sample rate 0"},
	{"no data", []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00"), 0, nil, "no data chunk"},
	{"data before fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00"), 0, nil, "data before fmt"},
	{"fmt past end", []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\x00\x00\x00\x01\x00"), 0, nil, "past the end"},
}

func TestDecodeWAV(t *testing.T) {
	for _, tt := range wavTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeWAV(tt.data)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrBadWAV) || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("err = %v, want ErrBadWAV with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Rate != tt.rate || len(p.Samples) != len(tt.samples) {
				t.Fatalf("got %d Hz %v, want %d Hz %v", p.Rate, p.Samples, tt.rate, tt.samples)
			}
			for i := range tt.samples {
				if p.Samples[i] != tt.samples[i] {
					t.Fatalf("got %v, want %v", p.Samples, tt.samples)
				}
			}
		})
	}
}

func FuzzDecodeWAV(f *testing.F) {
	for _, tt := range wavTests {
		f.Add(tt.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeWAV(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := EncodeWAV(&buf, p); err != nil {
			t.Fatalf("decoded audio does not encode: %v", err)
		}
		q, err := DecodeWAV(buf.Bytes())
		if err != nil || len(q.Samples) != len(p.Samples) || q.Rate != p.Rate {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// espeak-ng's own files decode (the prompts and the simulated candidate's
// digits are made with it).
func TestDecodeEspeakWAV(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed (build/deps.sh installs it)")
	}
	path := filepath.Join(t.TempDir(), "d.wav")
	if out, err := exec.Command("espeak-ng", "-v", "cmn", "-w", path, "3 7").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	p, err := ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate != 22050 || p.Duration() < 300*time.Millisecond || p.Duration() > 3*time.Second {
		t.Fatalf("espeak-ng audio: %d Hz, %v", p.Rate, p.Duration())
	}
	if Peak(p) < 1000 {
		t.Fatalf("espeak-ng audio is silent: peak %d", Peak(p))
	}
}

func TestWriteWAV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.wav")
	if err := WriteWAV(path, tone(16000, 100)); err != nil {
		t.Fatal(err)
	}
	if err := WriteWAV(path, PCM{Rate: 1}); err == nil || !errors.Is(err, ErrBadPCM) {
		t.Fatalf("rate 1: err = %v", err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary file left behind")
	}
	p, err := ReadWAV(path)
	if err != nil || len(p.Samples) != 100 {
		t.Fatalf("%v %d", err, len(p.Samples))
	}
}

func TestResample(t *testing.T) {
	p := PCM{Rate: 8000, Samples: []int16{0, 100, 200, 300}}
	q := p.Resample(16000)
	want := []int16{0, 50, 100, 150, 200, 250, 300, 300}
	if q.Rate != 16000 || len(q.Samples) != len(want) {
		t.Fatalf("got %d Hz %v", q.Rate, q.Samples)
	}
	for i := range want {
		if q.Samples[i] != want[i] {
			t.Fatalf("got %v, want %v", q.Samples, want)
		}
	}
	d := tone(22050, 22050).Resample(16000)
	if len(d.Samples) != 16000 || d.Duration() != time.Second {
		t.Fatalf("22050 -> 16000: %d samples, %v", len(d.Samples), d.Duration())
	}
}

func TestLevel(t *testing.T) {
	var l Level
	p := PCM{Rate: 16000, Samples: []int16{1000, -1000, 32767}}
	got, ok := l.Apply(p)
	if !ok || got.Samples[0] != 1000 {
		t.Fatalf("default volume: %v %v", got.Samples, ok)
	}
	l.SetVolume(0.5)
	got, ok = l.Apply(p)
	if !ok || got.Samples[0] != 500 || got.Samples[1] != -500 || got.Samples[2] != 16384 {
		t.Fatalf("half volume: %v", got.Samples)
	}
	if p.Samples[0] != 1000 {
		t.Fatal("Apply changed its input")
	}
	l.SetVolume(7)
	if v, _ := l.Volume(); v != 1 {
		t.Fatalf("volume 7 clamped to %v", v)
	}
	l.SetMute(true)
	if _, ok := l.Apply(p); ok {
		t.Fatal("muted speaker has something to play")
	}
	l.SetMute(false)
	l.SetVolume(0)
	if _, ok := l.Apply(p); ok {
		t.Fatal("volume 0 has something to play")
	}
	if g := (PCM{Samples: []int16{30000}}).Gain(2); g.Samples[0] != 32767 {
		t.Fatalf("gain clips to %d", g.Samples[0])
	}
}

// countingMic returns chunks numbered by their first sample.
type countingMic struct{ n int }

func (m *countingMic) Rate() int { return 8000 }
func (m *countingMic) Record(ctx context.Context, d time.Duration) (PCM, error) {
	if err := ctx.Err(); err != nil {
		return PCM{}, err
	}
	m.n++
	return PCM{Rate: 8000, Samples: make([]int16, Frames(8000, d))}, nil
}
func (m *countingMic) Close() error { return nil }

func TestStream(t *testing.T) {
	m := &countingMic{}
	var got int
	err := Stream(context.Background(), m, 0, func(p PCM) bool {
		got += len(p.Samples)
		return m.n < 5
	})
	if err != nil || m.n != 5 || got != 5*160 {
		t.Fatalf("err %v, %d chunks, %d samples (want 5 of 160)", err, m.n, got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Stream(ctx, m, time.Millisecond, func(PCM) bool { return true }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
