package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/drivers/opencv"
)

func init() {
	register(command{name: "face detect", summary: "find the faces in an image: IMG [--json] [--chip]", run: faceDetect})
	register(command{name: "face match", summary: "1:1 match, A the chip photo, B live: [--json] A B | --json --pairs FILE", run: faceMatch})
	register(command{name: "face calibrate", summary: "genuine/impostor chip-vs-live scores, EER, FAR thresholds: DIR... [--far 0.01]", run: faceCalibrate})
}

// faceFlags are the options the face commands share.
type faceFlags struct {
	json      bool
	chip      bool
	models    string
	pairs     string
	far       float64
	threshold float64
	flip      bool
	args      []string
}

const faceFlagHelp = "options: --json, --models MANIFEST (default models/manifest.toml, then /usr/share/kiosk/models/manifest.toml), --threshold T, --flip (add the mirrored face's embedding)"

func parseFaceFlags(args []string) (faceFlags, error) {
	f := faceFlags{far: 0.01}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		takes := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s wants a value", name)
			}
			i++
			return args[i], nil
		}
		var err error
		switch name {
		case "--json", "-json":
			f.json = true
		case "--chip", "-chip":
			f.chip = true
		case "--flip", "-flip":
			f.flip = true
		case "--models", "-models":
			f.models, err = takes()
		case "--pairs", "-pairs":
			f.pairs, err = takes()
		case "--far", "-far", "--threshold", "-threshold":
			var s string
			if s, err = takes(); err == nil {
				var v float64
				v, err = strconv.ParseFloat(s, 64)
				switch {
				case err != nil || math.IsNaN(v):
					err = fmt.Errorf("%s %q: want a number", name, s)
				case strings.HasSuffix(name, "far") && (v <= 0 || v >= 1):
					err = fmt.Errorf("--far %v: want a rate in (0, 1), e.g. 0.01", v)
				case strings.HasSuffix(name, "threshold") && (v <= -1 || v >= 1):
					err = fmt.Errorf("--threshold %v: want -1..1", v)
				case strings.HasSuffix(name, "far"):
					f.far = v
				default:
					f.threshold = v
				}
			}
		case "--":
			f.args = append(f.args, args[i+1:]...)
			return f, nil
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 {
				return f, fmt.Errorf("unknown option %s", a)
			}
			f.args = append(f.args, a)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// openEngine loads the face engine from the manifest, single-threaded.
func (f *faceFlags) openEngine() (*opencv.Engine, error) {
	path := f.models
	if path == "" {
		path = "models/manifest.toml"
		if _, err := os.Stat(path); err != nil {
			path = "/usr/share/kiosk/models/manifest.toml"
		}
	}
	man, err := face.LoadManifest(path)
	if err != nil {
		return nil, err
	}
	return opencv.New(man, opencv.Options{Threads: 1, Threshold: f.threshold, Flip: f.flip})
}

type jsonFace struct {
	Box   [4]float32    `json:"box"`
	Score float32       `json:"score"`
	Five  [5][2]float32 `json:"landmarks5,omitempty"`
}

func faceDetect(c *cli, args []string) int {
	f, err := parseFaceFlags(args)
	if err != nil {
		return c.usagef("face detect: %v (%s)", err, faceFlagHelp)
	}
	if len(f.args) != 1 {
		return c.usagef("face detect: want one image: kioskctl face detect IMG [--json] [--chip]")
	}
	img, err := opencv.ReadImage(f.args[0])
	if err != nil {
		return c.errorf("face detect: %v", err)
	}
	eng, err := f.openEngine()
	if err != nil {
		return c.errorf("face detect: %v", err)
	}
	defer eng.Close()
	src := face.Live
	if f.chip {
		src = face.Chip
	}
	dets, err := eng.Detect(&img, src)
	if err != nil {
		return c.errorf("face detect: %v", err)
	}
	out := struct {
		File   string     `json:"file"`
		Width  int        `json:"width"`
		Height int        `json:"height"`
		Faces  []jsonFace `json:"faces"`
	}{File: f.args[0], Width: img.Width, Height: img.Height, Faces: []jsonFace{}}
	for _, d := range dets {
		j := jsonFace{Box: [4]float32{d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2}, Score: d.Score}
		if lm, err := eng.Landmarks(&img, d); err == nil {
			for i, p := range lm.Five() {
				j.Five[i] = [2]float32{p.X, p.Y}
			}
		}
		out.Faces = append(out.Faces, j)
	}
	if f.json {
		json.NewEncoder(c.stdout).Encode(out)
	} else {
		fmt.Fprintf(c.stdout, "%s: %dx%d, %d face(s)\n", out.File, out.Width, out.Height, len(out.Faces))
		for i, j := range out.Faces {
			fmt.Fprintf(c.stdout, "  %d: box %.0f,%.0f-%.0f,%.0f (%.0fx%.0f) score %.3f eyes %.0f,%.0f %.0f,%.0f\n",
				i, j.Box[0], j.Box[1], j.Box[2], j.Box[3], j.Box[2]-j.Box[0], j.Box[3]-j.Box[1], j.Score,
				j.Five[0][0], j.Five[0][1], j.Five[1][0], j.Five[1][1])
		}
	}
	if len(dets) == 0 {
		return c.errorf("face detect: %s: %v", f.args[0], face.ErrNoFace)
	}
	return 0
}

type matchOut struct {
	A            string  `json:"a,omitempty"`
	B            string  `json:"b,omitempty"`
	Score        float32 `json:"score"`
	Threshold    float32 `json:"threshold"`
	Match        bool    `json:"match"`
	ModelVersion string  `json:"model_version,omitempty"`
	Error        string  `json:"error,omitempty"`
}

// embedder caches embeddings by path and source: pair lists repeat images.
type embedder struct {
	eng   *opencv.Engine
	cache map[string]face.Embedding
	errs  map[string]error
}

func (e *embedder) embedding(path string, src face.Source) (face.Embedding, error) {
	key := src.String() + "\x00" + path
	if v, ok := e.cache[key]; ok {
		return v, nil
	}
	if err, ok := e.errs[key]; ok {
		return nil, err
	}
	img, err := opencv.ReadImage(path)
	var fc face.Face
	if err == nil {
		fc, err = e.eng.Face(&img, src)
	}
	if err != nil {
		err = fmt.Errorf("%s photo %s: %w", src, path, err)
		e.errs[key] = err
		return nil, err
	}
	e.cache[key] = fc.Embedding
	return fc.Embedding, nil
}

func (e *embedder) match(a, b string) matchOut {
	m := matchOut{A: a, B: b, Threshold: e.eng.Threshold(), ModelVersion: e.eng.ModelVersion()}
	ea, err := e.embedding(a, face.Chip)
	if err == nil {
		var eb face.Embedding
		if eb, err = e.embedding(b, face.Live); err == nil {
			r := e.eng.Compare(ea, eb)
			m.Score, m.Match = r.Score, r.Match
		}
	}
	if err != nil {
		m.Error = err.Error()
	}
	return m
}

func faceMatch(c *cli, args []string) int {
	f, err := parseFaceFlags(args)
	if err != nil {
		return c.usagef("face match: %v (%s)", err, faceFlagHelp)
	}
	if f.pairs == "" && len(f.args) != 2 {
		return c.usagef("face match: want two images (A the chip photo, B the live photo), or --pairs FILE")
	}
	if f.pairs != "" && len(f.args) != 0 {
		return c.usagef("face match: --pairs FILE takes no other image arguments")
	}
	var pairs io.Reader
	if f.pairs != "" {
		if f.pairs == "-" {
			pairs = c.stdin
		} else {
			fh, err := os.Open(f.pairs)
			if err != nil {
				return c.errorf("face match: pairs: %v", err)
			}
			defer fh.Close()
			pairs = fh
		}
	}
	eng, err := f.openEngine()
	if err != nil {
		return c.errorf("face match: %v", err)
	}
	defer eng.Close()
	em := &embedder{eng: eng, cache: map[string]face.Embedding{}, errs: map[string]error{}}
	if pairs == nil {
		m := em.match(f.args[0], f.args[1])
		if f.json {
			m.A, m.B = "", ""
			json.NewEncoder(c.stdout).Encode(m)
		} else if m.Error == "" {
			verdict := "no match"
			if m.Match {
				verdict = "match"
			}
			fmt.Fprintf(c.stdout, "score %.4f threshold %.4f %s (%s)\n", m.Score, m.Threshold, verdict, m.ModelVersion)
		}
		if m.Error != "" {
			return c.errorf("face match: %s", m.Error)
		}
		if !m.Match {
			return 1
		}
		return 0
	}
	sc := bufio.NewScanner(pairs)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	enc := json.NewEncoder(c.stdout)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		var m matchOut
		parts := strings.Split(text, "\t")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			m = matchOut{Threshold: eng.Threshold(), Error: fmt.Sprintf("line %d: want two paths separated by a tab", line)}
		} else {
			m = em.match(parts[0], parts[1])
		}
		if f.json {
			enc.Encode(m)
		} else {
			fmt.Fprintf(c.stdout, "%s\t%s\t%.4f\t%v\t%s\n", m.A, m.B, m.Score, m.Match, m.Error)
		}
	}
	if err := sc.Err(); err != nil {
		return c.errorf("face match: pairs %s: %v", f.pairs, err)
	}
	return 0
}

// calibSample is one photo's live and simulated-chip embeddings.
type calibSample struct {
	person, file string
	live, chip   face.Embedding
}

func faceCalibrate(c *cli, args []string) int {
	f, err := parseFaceFlags(args)
	if err != nil {
		return c.usagef("face calibrate: %v (%s, --far RATE)", err, faceFlagHelp)
	}
	if len(f.args) == 0 {
		return c.usagef("face calibrate: want one or more folders of people (one subfolder of photos per person)")
	}
	type photo struct{ person, path string }
	var photos []photo
	for _, dir := range f.args {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return c.errorf("face calibrate: %v", err)
		}
		for _, p := range ents {
			if !p.IsDir() {
				continue
			}
			files, err := os.ReadDir(filepath.Join(dir, p.Name()))
			if err != nil {
				return c.errorf("face calibrate: %v", err)
			}
			for _, fi := range files {
				switch strings.ToLower(filepath.Ext(fi.Name())) {
				case ".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".webp":
					photos = append(photos, photo{filepath.Join(dir, p.Name()), filepath.Join(dir, p.Name(), fi.Name())})
				}
			}
		}
	}
	if len(photos) == 0 {
		return c.errorf("face calibrate: no photos in %s (want DIR/PERSON/*.jpg)", strings.Join(f.args, ", "))
	}
	eng, err := f.openEngine()
	if err != nil {
		return c.errorf("face calibrate: %v", err)
	}
	defer eng.Close()
	var samples []calibSample
	skipped := 0
	for _, p := range photos {
		s, err := calibrationSample(eng, p.path)
		if err != nil {
			fmt.Fprintf(c.stderr, "kioskctl: face calibrate: skipped %s: %v\n", p.path, err)
			skipped++
			continue
		}
		s.person, s.file = p.person, p.path
		samples = append(samples, s)
	}
	var sc face.Scores
	people := map[string]bool{}
	for i, a := range samples {
		people[a.person] = true
		for j, b := range samples {
			if i == j {
				continue
			}
			s := face.Cosine(a.chip, b.live)
			if a.person == b.person {
				sc.Genuine = append(sc.Genuine, s)
			} else {
				sc.Impostor = append(sc.Impostor, s)
			}
		}
	}
	if len(sc.Genuine) == 0 || len(sc.Impostor) == 0 {
		return c.errorf("face calibrate: %d genuine and %d impostor pairs: want people with two or more usable photos, and two or more people", len(sc.Genuine), len(sc.Impostor))
	}
	writeCalibration(c.stdout, &sc, len(people), len(samples), skipped, f.far, eng)
	return 0
}

// calibrationSample embeds a photo live, and as a simulated chip photo of
// its face (crop 2x the face box, 102x126, JPEG q60).
func calibrationSample(eng *opencv.Engine, path string) (calibSample, error) {
	img, err := opencv.ReadImage(path)
	if err != nil {
		return calibSample{}, err
	}
	live, err := eng.Face(&img, face.Live)
	if err != nil {
		return calibSample{}, err
	}
	chipImg, err := opencv.SimulateChip(&img, live.Detection.Box, 60)
	if err != nil {
		return calibSample{}, err
	}
	chip, err := eng.Face(&chipImg, face.Chip)
	if err != nil {
		return calibSample{}, fmt.Errorf("simulated chip photo: %w", err)
	}
	return calibSample{live: live.Embedding, chip: chip.Embedding}, nil
}

func writeCalibration(w io.Writer, sc *face.Scores, people, photos, skipped int, far float64, eng *opencv.Engine) {
	fmt.Fprintf(w, "model %s, %d people, %d photos (%d skipped)\n", eng.ModelVersion(), people, photos, skipped)
	fmt.Fprintf(w, "pairs: chip-simulated (2x face box, 102x126, JPEG q60) vs live, ordered\n\n")
	fmt.Fprintf(w, "%-9s %6s %7s %7s %7s %7s %7s %7s\n", "", "n", "min", "p5", "median", "mean", "p95", "max")
	for _, r := range []struct {
		name string
		v    []float32
	}{{"genuine", sc.Genuine}, {"impostor", sc.Impostor}} {
		s := face.Summarize(r.v)
		fmt.Fprintf(w, "%-9s %6d %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f\n", r.name, s.N, s.Min, s.P5, s.Median, s.Mean, s.P95, s.Max)
	}
	fmt.Fprintln(w, "\nhistogram (score bin: genuine impostor)")
	lo, hi := float32(-0.4), float32(1.0)
	const bins = 14
	var g, im [bins]int
	bin := func(x float32) int {
		b := int((x - lo) / (hi - lo) * bins)
		return min(max(b, 0), bins-1)
	}
	for _, x := range sc.Genuine {
		g[bin(x)]++
	}
	for _, x := range sc.Impostor {
		im[bin(x)]++
	}
	for i := 0; i < bins; i++ {
		a := lo + (hi-lo)*float32(i)/bins
		fmt.Fprintf(w, "  %5.2f..%5.2f %6d %6d  %s|%s\n", a, a+(hi-lo)/bins, g[i], im[i], bar(g[i], len(sc.Genuine)), bar(im[i], len(sc.Impostor)))
	}
	eer, at := sc.EER()
	fmt.Fprintf(w, "\nEER %.2f%% at threshold %.3f (FAR %.2f%%, FRR %.2f%%)\n", 100*eer, at.Threshold, 100*at.FAR, 100*at.FRR)
	targets := []float64{0.01, 0.001}
	if far != 0.01 && far != 0.001 {
		targets = append(targets, far)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(targets)))
	for _, t := range targets {
		r := sc.AtFAR(t)
		fmt.Fprintf(w, "FAR <= %.2f%%: threshold %.3f, TAR %.2f%% (FAR %.3f%%, FRR %.2f%%)\n", 100*t, r.Threshold, 100*r.TAR(), 100*r.FAR, 100*r.FRR)
	}
	r := sc.AtFAR(far)
	cur := sc.At(eng.Threshold())
	fmt.Fprintf(w, "threshold for target FAR %.2f%%: %.3f\n", 100*far, r.Threshold)
	fmt.Fprintf(w, "threshold in use %.3f: FAR %.3f%%, FRR %.2f%%\n", eng.Threshold(), 100*cur.FAR, 100*cur.FRR)
	if n := len(sc.Impostor); float64(n)*far < 10 {
		fmt.Fprintf(w, "note: %d impostor pairs give fewer than 10 false accepts at FAR %.2f%%: that figure is weak\n", n, 100*far)
	}
}

func bar(n, total int) string {
	if total == 0 {
		return ""
	}
	return strings.Repeat("#", int(math.Round(20*float64(n)/float64(total))))
}
