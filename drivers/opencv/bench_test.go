package opencv

import (
	"syscall"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// Benchmarks per stage on a 640x480 frame (gocv's images/face.jpg), with
// OpenCV on one thread. BenchmarkBlob is the baseline: loading the frame
// and converting it into the detector's input blob, no network.
//
//	go test -run '^$' -bench . -benchtime 100x ./drivers/opencv

func benchFrame(b *testing.B) (*Engine, camera.Frame, face.Face) {
	e := testEngine(b)
	img := readImage(b, gocvImage(b, "images/face.jpg"))
	if img.Width != 640 || img.Height != 480 {
		b.Fatalf("benchmark frame %dx%d, want 640x480", img.Width, img.Height)
	}
	f, err := e.Face(&img, face.Live)
	if err != nil {
		b.Fatal(err)
	}
	if n := NumThreads(); n != 1 {
		b.Fatalf("OpenCV uses %d threads, want 1", n)
	}
	b.ReportAllocs()
	startCPU(b)
	b.ResetTimer()
	return e, img, f
}

// startCPU reports the process's CPU time per operation (cpu-ms/op) when
// the benchmark ends: with OpenCV on one thread it is the work itself,
// unlike wall time on a machine shared with other jobs.
func startCPU(b *testing.B) {
	t0 := cpuTime()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-t0)/1e6/float64(b.N), "cpu-ms/op")
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkBlob(b *testing.B) {
	e, img, _ := benchFrame(b)
	for i := 0; i < b.N; i++ {
		if err := e.load(&img); err != nil {
			b.Fatal(err)
		}
		if err := e.detectBlob(face.Live); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	e, img, _ := benchFrame(b)
	for i := 0; i < b.N; i++ {
		if _, err := e.Detect(&img, face.Live); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLandmarks(b *testing.B) {
	e, img, f := benchFrame(b)
	for i := 0; i < b.N; i++ {
		if _, err := e.landmarks(f.Detection); err != nil {
			b.Fatal(err)
		}
	}
	_ = img
}

func BenchmarkAlign(b *testing.B) {
	e, _, f := benchFrame(b)
	for i := 0; i < b.N; i++ {
		if err := e.align(&f.Landmarks); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbed(b *testing.B) {
	e, _, f := benchFrame(b)
	if err := e.align(&f.Landmarks); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := e.embed(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	e, _, f := benchFrame(b)
	other := append(face.Embedding(nil), f.Embedding...)
	other[0] = -other[0]
	for i := 0; i < b.N; i++ {
		e.Compare(f.Embedding, other)
	}
}

// BenchmarkPipeline is a live frame end to end: copy in, detect, pick,
// landmarks, align, embed.
func BenchmarkPipeline(b *testing.B) {
	e, img, _ := benchFrame(b)
	for i := 0; i < b.N; i++ {
		if _, err := e.Face(&img, face.Live); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChip is the chip photo (102x126 JPEG q60) end to end.
func BenchmarkChip(b *testing.B) {
	e, img, f := benchFrame(b)
	chip, err := SimulateChip(&img, f.Detection.Box, 60)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Face(&chip, face.Chip); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedFlip is Embed with the mirrored face added (Options.Flip):
// compare with BenchmarkEmbed in the same run.
func BenchmarkEmbedFlip(b *testing.B) {
	e, _, f := benchFrame(b)
	if err := e.align(&f.Landmarks); err != nil {
		b.Fatal(err)
	}
	e.flip = true
	defer func() { e.flip = false }()
	for i := 0; i < b.N; i++ {
		if _, err := e.embed(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChipTight is a tight chip photo (the head filling the frame)
// end to end, with the path it takes: compare with BenchmarkChip.
func BenchmarkChipTight(b *testing.B) {
	e, img, f := benchFrame(b)
	chip, err := SimulateChipCrop(&img, face.ChipCropTight(f.Detection.Box), 60)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Face(&chip, face.Chip); err != nil {
			b.Fatal(err)
		}
	}
}
