// Command gensig writes the simulator's recorded signatures: a handwritten
// "L. Chen" with an underline (sim/signature.json), and the fixtures
// validation must refuse: a tap, a quick scribble and a stray line. The pen
// paths are designed by hand as control points, smoothed with Catmull-Rom
// splines and written at 200 samples a second with a pen speed that slows
// in curves and at the ends of strokes, pressure that follows the speed,
// and a little tremor from a seeded generator, so the files are the same on
// every run.
//
//	go run ./drivers/sigpad/padsim/internal/gensig -dir sim
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/sigpad"
)

// The recording pad: a 5 x 2 inch Wacom protocol IV pad at 1000 lpi.
var pad = sigpad.Info{Model: "Wacom protocol IV signature pad", MaxX: 5000, MaxY: 2000,
	ResX: 1000 / 25.4, ResY: 1000 / 25.4, Pressure: true, PressureLevels: 256}

type pt struct{ x, y float64 }

// A stroke of control points on a 1000 x 400 canvas (5 device units each),
// its top speed in canvas units per ms and the pen-up time before it.
type path struct {
	pts   []pt
	speed float64
	gap   float64
}

var signature = []path{
	// "L" with a loop at its foot.
	{pts: []pt{{96, 62}, {92, 80}, {84, 150}, {74, 240}, {64, 312}, {50, 338}, {62, 350}, {100, 336}, {150, 318}, {182, 324}}, speed: 1.3},
	// The period.
	{pts: []pt{{204, 322}, {207, 325}, {209, 323}}, speed: 0.15, gap: 180},
	// "Chen", one cursive stroke.
	{pts: []pt{{338, 104}, {306, 76}, {262, 80}, {226, 122}, {210, 192}, {222, 262}, {256, 306}, {302, 316}, {342, 294},
		{366, 236}, {390, 150}, {406, 72}, {396, 44}, {378, 60}, {370, 150}, {364, 240}, {358, 318},
		{376, 272}, {402, 246}, {426, 252}, {434, 286}, {440, 316},
		{466, 302}, {496, 286}, {512, 264}, {496, 244}, {470, 254}, {462, 286}, {476, 314}, {506, 316}, {532, 298},
		{548, 268}, {552, 316}, {562, 276}, {588, 252}, {612, 262}, {618, 296}, {626, 318}, {654, 306},
		{704, 268}, {768, 206}}, speed: 1.7, gap: 330},
	// The underline flourish.
	{pts: []pt{{236, 362}, {330, 354}, {450, 350}, {600, 346}, {740, 334}, {820, 316}, {858, 292}}, speed: 2.4, gap: 260},
}

var tap = []path{{pts: []pt{{500, 200}, {501, 201}, {501, 200}}, speed: 0.05}}

var scribble = func() []path {
	var p []pt
	for i := 0; i < 13; i++ {
		x := 420.0
		if i%2 == 1 {
			x = 580
		}
		p = append(p, pt{x, 170 + float64(i)*4})
	}
	return []path{{pts: p, speed: 6}}
}()

var line = []path{{pts: []pt{{150, 250}, {400, 252}, {650, 251}, {850, 249}}, speed: 1.2}}

func main() {
	dir := flag.String("dir", "sim", "folder to write the strokes files into")
	pngDir := flag.String("png", "", "also render each file to a PNG in this folder, to look at")
	flag.Parse()
	if err := generate(*dir, *pngDir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gensig:", err)
		os.Exit(1)
	}
}

// files are the strokes files and their seeds.
var files = []struct {
	name  string
	paths []path
	seed  uint64
}{
	{"signature.json", signature, 7},
	{"signature-tap.json", tap, 8},
	{"signature-scribble.json", scribble, 9},
	{"signature-line.json", line, 10},
}

func generate(dir, pngDir string, log io.Writer) error {
	for _, f := range files {
		s, err := build(f.paths, entropy.Seeded(f.seed))
		if err == nil {
			err = s.Check()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		b, err := s.MarshalIndent()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return err
		}
		if pngDir != "" {
			var buf bytes.Buffer
			if err := sigpad.RenderPNG(&buf, s, sigpad.DefaultRender); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(pngDir, strings.TrimSuffix(f.name, ".json")+".png"), buf.Bytes(), 0o644); err != nil {
				return err
			}
		}
		st := sigpad.Measure(s)
		fmt.Fprintf(log, "%s: %d strokes, %d points, %v\n", f.name, st.Strokes, st.Points, st.Duration)
	}
	return nil
}

// catmull returns a dense polyline through the control points.
func catmull(c []pt) []pt {
	if len(c) < 2 {
		return c
	}
	get := func(i int) pt { return c[min(max(i, 0), len(c)-1)] }
	var out []pt
	for i := 0; i < len(c)-1; i++ {
		p0, p1, p2, p3 := get(i-1), get(i), get(i+1), get(i+2)
		for k := 0; k < 16; k++ {
			t := float64(k) / 16
			t2, t3 := t*t, t*t*t
			f := func(a, b, c, d float64) float64 {
				return 0.5 * (2*b + (-a+c)*t + (2*a-5*b+4*c-d)*t2 + (-a+3*b-3*c+d)*t3)
			}
			out = append(out, pt{f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)})
		}
	}
	return append(out, c[len(c)-1])
}

func gauss(r io.Reader) float64 {
	u1, _ := entropy.Float64(r)
	u2, _ := entropy.Float64(r)
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

func build(paths []path, rnd io.Reader) (sigpad.Signature, error) {
	s := sigpad.Signature{Pad: pad}
	const dt = 5.0 // ms between samples
	t := 0.0
	for _, p := range paths {
		t += p.gap
		d := catmull(p.pts)
		// Arc length and turning at each dense point.
		n := len(d)
		sArc := make([]float64, n)
		turn := make([]float64, n)
		for i := 1; i < n; i++ {
			sArc[i] = sArc[i-1] + math.Hypot(d[i].x-d[i-1].x, d[i].y-d[i-1].y)
			if i+1 < n {
				a1 := math.Atan2(d[i].y-d[i-1].y, d[i].x-d[i-1].x)
				a2 := math.Atan2(d[i+1].y-d[i].y, d[i+1].x-d[i].x)
				da := math.Abs(math.Remainder(a2-a1, 2*math.Pi))
				seg := math.Max(math.Hypot(d[i+1].x-d[i].x, d[i+1].y-d[i].y), 0.5)
				turn[i] = da / seg // curvature, 1/canvas unit
			}
		}
		total := sArc[n-1]
		speedAt := func(i int) float64 {
			k := turn[i] * 40
			v := p.speed * (0.3 + 0.7/(1+k*k))
			// Slow start and end.
			ramp := math.Min(1, 0.25+math.Min(sArc[i], total-sArc[i])/60)
			return math.Max(v*ramp, 0.04)
		}
		var k sigpad.Stroke
		pos, i := 0.0, 0
		phase, _ := entropy.Float64(rnd)
		for {
			for i+1 < n && sArc[i+1] <= pos {
				i++
			}
			q := d[i]
			if i+1 < n && sArc[i+1] > sArc[i] {
				f := (pos - sArc[i]) / (sArc[i+1] - sArc[i])
				q = pt{q.x + f*(d[i+1].x-q.x), q.y + f*(d[i+1].y-q.y)}
			}
			v := speedAt(i)
			pr := 0.42 + 0.32*(1-v/p.speed) + 0.08*math.Sin(2*math.Pi*(phase+pos/300))
			pr *= math.Min(1, 0.3+pos/25) * math.Min(1, 0.35+(total-pos)/35)
			x := q.x*5 + gauss(rnd)*1.2
			y := q.y*5 + gauss(rnd)*1.2
			k = append(k, sigpad.Sample{T: int64(math.Round(t)), Down: true,
				X: min(max(int(math.Round(x)), 0), pad.MaxX), Y: min(max(int(math.Round(y)), 0), pad.MaxY),
				P: math.Round(math.Min(math.Max(pr, 0.03), 1)*255) / 255})
			if pos >= total {
				break
			}
			pos = math.Min(pos+v*dt, total)
			t += dt
		}
		s.Strokes = append(s.Strokes, k)
	}
	return s, nil
}
