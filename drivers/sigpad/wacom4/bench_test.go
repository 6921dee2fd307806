package wacom4

import (
	"bytes"
	"testing"

	"github.com/hbzk/kiosk/device/sigpad"
)

// tenSeconds is the recorded signature written three times over, one
// after the other: a 10-second signature (1250 reports at 125/s).
func tenSeconds(b *testing.B) []byte {
	sig := loadSig(b)
	var long sigpad.Signature
	long.Pad = sig.Pad
	var off int64
	for len(long.Strokes) == 0 || sigpad.Measure(long).Duration.Seconds() < 10 {
		for _, k := range sig.Strokes {
			k2 := append(sigpad.Stroke(nil), k...)
			for i := range k2 {
				k2[i].T += off
			}
			long.Strokes = append(long.Strokes, k2)
		}
		last := long.Strokes[len(long.Strokes)-1]
		off = last[len(last)-1].T + 400
	}
	info := InfoFor(Model{Name: "Wacom Digitizer II", ExtraZ: 1}, 1000, 1000, 5000, 2000)
	rep := sigpad.Replay(long, info, Rate)
	return Encode(Answers("UD-0502-R00 V1.3-4", 1000, 1000, 5000, 2000), rep, info, 1)
}

// BenchmarkDecode is the baseline: decoding a 10-second capture alone.
func BenchmarkDecode(b *testing.B) {
	stream := tenSeconds(b)
	b.SetBytes(int64(len(stream)))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Decode(bytes.NewReader(stream)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRender decodes a 10-second capture and renders it to an
// image (600x240, pressure widths), without PNG compression.
func BenchmarkDecodeRender(b *testing.B) {
	stream := tenSeconds(b)
	b.SetBytes(int64(len(stream)))
	b.ResetTimer()
	for b.Loop() {
		s, _, err := Decode(bytes.NewReader(stream))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sigpad.Render(s, sigpad.DefaultRender); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRenderPNG adds the PNG encoding, what the kiosk stores.
func BenchmarkDecodeRenderPNG(b *testing.B) {
	stream := tenSeconds(b)
	b.SetBytes(int64(len(stream)))
	var buf bytes.Buffer
	b.ResetTimer()
	for b.Loop() {
		s, _, err := Decode(bytes.NewReader(stream))
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if err := sigpad.RenderPNG(&buf, s, sigpad.DefaultRender); err != nil {
			b.Fatal(err)
		}
	}
}
