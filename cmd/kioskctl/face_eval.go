package main

import (
	"bufio"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/drivers/opencv"
)

func init() {
	register(command{name: "face eval", summary: "1:1 error rates on a folder of people, chip (loose and tight) vs live: DIR [--json] [--plot det.png] [--half calibration|test] [--same-sex LABELS] [--cache FILE]", run: faceEval})
}

// The evaluation's rules, also written in docs/face-calibration.md:
//   - a person is a folder that holds photos (DIR/PERSON/*.jpg, or deeper:
//     DIR/GROUP/PERSON/*.jpg); the person's name is the folder's path under DIR;
//   - each photo gives a live face (the photo as a camera frame) and two
//     simulated chip photos of that face: loose (face.ChipCrop: twice the face
//     box high, face centre at 45 %) and tight (face.ChipCropTight: 1.25 times
//     the face box, the head filling the frame), both 102x126 JPEG q60;
//   - a pair is the chip photo of one photo against the live face of another
//     photo (never the same photo): genuine when both are of one person,
//     impostor otherwise (with --same-sex, impostors only between people
//     labelled with the same sex);
//   - --half splits the people (never the photos) by an FNV-1a hash of their
//     name: even hashes are the calibration half, odd the test half. The
//     shipped threshold is derived on the calibration half of ../shared/faces;
//     the figures that judge it come from the test half.

// evalCrops are the simulated chip photos' framings.
var evalCrops = []struct {
	name string
	crop func(face.Rect) face.Rect
}{{"loose", face.ChipCrop}, {"tight", face.ChipCropTight}}

// evalPhoto is what the engine made of one photo: the live embedding and
// one chip embedding per crop, or why each is missing.
type evalPhoto struct {
	Person, Path string
	Live         face.Embedding
	LiveErr      string
	Chip         map[string]face.Embedding
	ChipErr      map[string]string
	ChipPath     map[string]string
}

// evalResult is one crop's figures.
type evalResult struct {
	Crop            string             `json:"crop"`
	People          int                `json:"people"`
	Photos          int                `json:"photos"`
	Genuine         int                `json:"genuine_pairs"`
	Impostor        int                `json:"impostor_pairs"`
	Missing         int                `json:"pairs_without_score"`
	MissingShare    float64            `json:"share_without_score"`
	MissingWhy      map[string]int     `json:"without_score_why,omitempty"`
	ChipNoFace      int                `json:"chip_photos_without_face"`
	ChipPaths       map[string]int     `json:"chip_paths,omitempty"`
	EER             float64            `json:"eer"`
	EERThreshold    float32            `json:"eer_threshold"`
	TARAtFAR        map[string]float64 `json:"tar_at_far"`
	ThresholdAtFAR  map[string]float32 `json:"threshold_at_far"`
	Threshold       float32            `json:"threshold"`
	FARAtThreshold  float64            `json:"far_at_threshold"`
	FRRAtThreshold  float64            `json:"frr_at_threshold"`
	FalseAccepts    int                `json:"false_accepts_at_threshold"`
	TargetFAR       float64            `json:"target_far,omitempty"`
	TargetThreshold float32            `json:"threshold_for_target_far,omitempty"`
	// TargetThresholdP95 is the 95th percentile of the threshold for the
	// target FAR over bootstrap resamples of the people: a threshold that
	// keeps FAR at the target for another draw of people (pairs of one
	// person are not independent, so resampling pairs would be too
	// optimistic).
	TargetThresholdP95 float32 `json:"threshold_for_target_far_p95,omitempty"`
	Bootstrap          int     `json:"bootstrap,omitempty"`
	scores             face.Scores
}

var evalFARs = []float64{0.01, 0.001, 0.0001}

func faceEval(c *cli, args []string) int {
	var half, plot, labels, cache string
	rest := args[:0:0]
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(args[i], "=")
		dst := map[string]*string{"--half": &half, "--plot": &plot, "--same-sex": &labels, "--cache": &cache}[name]
		if dst == nil {
			rest = append(rest, args[i])
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return c.usagef("face eval: %s wants a value", name)
			}
			i++
			val = args[i]
		}
		*dst = val
	}
	f, err := parseFaceFlags(rest)
	if err != nil {
		return c.usagef("face eval: %v (%s, --half calibration|test, --plot FILE.png, --same-sex LABELS, --cache FILE)", err, faceFlagHelp)
	}
	if len(f.args) != 1 {
		return c.usagef("face eval: want one folder of people (DIR/PERSON/*.jpg)")
	}
	if half != "" && half != "calibration" && half != "test" {
		return c.usagef("face eval: --half %q: want calibration or test", half)
	}
	dir := f.args[0]
	people, err := evalPeople(dir)
	if err != nil {
		return c.errorf("face eval: %v", err)
	}
	if half != "" {
		for p := range people {
			if face.Half(p) != half {
				delete(people, p)
			}
		}
	}
	var sex map[string]string
	if labels != "" {
		if sex, err = readSexLabels(labels); err != nil {
			return c.errorf("face eval: --same-sex: %v", err)
		}
	}
	eng, err := f.openEngine()
	if err != nil {
		return c.errorf("face eval: %v", err)
	}
	defer eng.Close()
	cacheModel := eng.ModelVersion()
	if f.flip {
		cacheModel += "+flip"
	}
	cached := loadEvalCache(cache, cacheModel)
	var photos []evalPhoto
	names := make([]string, 0, len(people))
	for p := range people {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		for _, path := range people[p] {
			key := evalCacheKey(path)
			ph, ok := cached[key]
			if !ok {
				ph = evalOne(eng, path)
				cached[key] = ph
			}
			ph.Person, ph.Path = p, path
			photos = append(photos, ph)
		}
	}
	if err := saveEvalCache(cache, cacheModel, cached); err != nil {
		fmt.Fprintf(c.stderr, "kioskctl: face eval: cache %s not saved: %v\n", cache, err)
	}
	target := 0.0
	if m := eng.Manifest(); m != nil {
		if e, ok := m.Models[face.RoleEmbed]; ok {
			target = e.TargetFAR
		}
	}
	var results []evalResult
	for _, cr := range evalCrops {
		r := evalPairs(photos, cr.name, sex, eng.Threshold())
		r.People = len(people)
		if target > 0 {
			r.TargetFAR = target
			r.TargetThreshold = r.scores.AtFAR(target).Threshold
			r.Bootstrap = evalBootstrapRuns
			r.TargetThresholdP95 = bootstrapThreshold(photos, cr.name, sex, target, evalBootstrapRuns)
		}
		results = append(results, r)
	}
	if plot != "" {
		if err := plotDET(plot, results, eng.Threshold()); err != nil {
			return c.errorf("face eval: --plot: %v", err)
		}
	}
	if f.json {
		out := struct {
			Model   string       `json:"model"`
			Dir     string       `json:"dir"`
			Half    string       `json:"half,omitempty"`
			SameSex bool         `json:"same_sex"`
			Results []evalResult `json:"results"`
		}{eng.ModelVersion(), dir, half, sex != nil, results}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return c.errorf("face eval: %v", err)
		}
		return 0
	}
	writeEval(c.stdout, eng.ModelVersion(), dir, half, sex != nil, results)
	return 0
}

// evalPeople finds the people under dir: every folder that holds photos.
func evalPeople(dir string) (map[string][]string, error) {
	people := map[string][]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isPhoto(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		if rel == "." {
			return nil // a photo beside the people's folders belongs to nobody
		}
		people[filepath.ToSlash(rel)] = append(people[filepath.ToSlash(rel)], path)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(people) < 2 {
		return nil, fmt.Errorf("%s: %d people with photos: want two or more folders of photos (DIR/PERSON/*.jpg)", dir, len(people))
	}
	return people, nil
}

func isPhoto(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".webp":
		return true
	}
	return false
}

// readSexLabels reads "PERSON SEX" lines (# comments, blank lines skipped).
func readSexLabels(path string) (map[string]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 2 {
			return nil, fmt.Errorf("%s:%d: want PERSON SEX, got %q", path, n, line)
		}
		out[fs[0]] = strings.ToLower(fs[1])
	}
	return out, sc.Err()
}

// evalOne runs the engine on one photo: live, then each chip crop.
func evalOne(eng *opencv.Engine, path string) evalPhoto {
	ph := evalPhoto{Chip: map[string]face.Embedding{}, ChipErr: map[string]string{}, ChipPath: map[string]string{}}
	img, err := opencv.ReadImage(path)
	if err != nil {
		ph.LiveErr = "unreadable"
		return ph
	}
	live, err := eng.Face(&img, face.Live)
	if err != nil {
		ph.LiveErr = evalWhy(err)
		return ph
	}
	ph.Live = live.Embedding
	for _, cr := range evalCrops {
		chip, err := opencv.SimulateChipCrop(&img, cr.crop(live.Detection.Box), 60)
		if err != nil {
			ph.ChipErr[cr.name] = evalWhy(err)
			continue
		}
		cf, err := eng.Face(&chip, face.Chip)
		if err != nil {
			ph.ChipErr[cr.name] = evalWhy(err)
			continue
		}
		ph.Chip[cr.name] = cf.Embedding
		ph.ChipPath[cr.name] = cf.Path
	}
	return ph
}

// evalWhy names an engine error for the counts.
func evalWhy(err error) string {
	switch {
	case errors.Is(err, face.ErrNoFace):
		return "no face"
	case errors.Is(err, face.ErrManyFaces):
		return "several faces"
	case errors.Is(err, face.ErrBadImage):
		return "bad image"
	}
	return "engine error"
}

// evalPairs scores every chip-vs-live pair of one crop.
func evalPairs(photos []evalPhoto, crop string, sex map[string]string, threshold float32) evalResult {
	r := evalResult{Crop: crop, Photos: len(photos), MissingWhy: map[string]int{}, ChipPaths: map[string]int{},
		TARAtFAR: map[string]float64{}, ThresholdAtFAR: map[string]float32{}, Threshold: threshold}
	for _, a := range photos {
		if a.LiveErr == "" && a.ChipErr[crop] != "" {
			r.ChipNoFace++
		}
		if p := a.ChipPath[crop]; p != "" {
			r.ChipPaths[p]++
		}
	}
	for i, a := range photos {
		for j, b := range photos {
			if i == j {
				continue
			}
			genuine := a.Person == b.Person
			if !genuine && sex != nil && (sex[a.Person] == "" || sex[a.Person] != sex[b.Person]) {
				continue
			}
			why := ""
			switch {
			case a.LiveErr != "":
				why = "chip: " + a.LiveErr + " in the source photo"
			case a.ChipErr[crop] != "":
				why = "chip: " + a.ChipErr[crop]
			case b.LiveErr != "":
				why = "live: " + b.LiveErr
			}
			if why != "" {
				r.Missing++
				r.MissingWhy[why]++
				continue
			}
			s := face.Cosine(a.Chip[crop], b.Live)
			if genuine {
				r.scores.Genuine = append(r.scores.Genuine, s)
			} else {
				r.scores.Impostor = append(r.scores.Impostor, s)
			}
		}
	}
	r.Genuine, r.Impostor = len(r.scores.Genuine), len(r.scores.Impostor)
	if total := r.Missing + r.Genuine + r.Impostor; total > 0 {
		r.MissingShare = float64(r.Missing) / float64(total)
	}
	eer, at := r.scores.EER()
	r.EER, r.EERThreshold = eer, at.Threshold
	if math.IsNaN(r.EER) {
		r.EER = -1 // JSON has no NaN: -1 says "not measurable"
	}
	for _, far := range evalFARs {
		x := r.scores.AtFAR(far)
		k := fmt.Sprint(far)
		r.TARAtFAR[k], r.ThresholdAtFAR[k] = x.TAR(), x.Threshold
	}
	cur := r.scores.At(threshold)
	r.FARAtThreshold, r.FRRAtThreshold = cur.FAR, cur.FRR
	r.FalseAccepts = int(math.Round(cur.FAR * float64(r.Impostor)))
	return r
}

// evalBootstrapRuns is how many resamples of the people bootstrapThreshold
// draws.
const evalBootstrapRuns = 200

// bootstrapThreshold resamples the people with replacement (a fixed seed:
// the same data gives the same figure), finds the threshold for far in
// each resample, and returns their 95th percentile. Two draws of one
// person are not compared with each other.
func bootstrapThreshold(photos []evalPhoto, crop string, sex map[string]string, far float64, runs int) float32 {
	byPerson := map[string][]int{}
	var people []string
	for i, p := range photos {
		if _, ok := byPerson[p.Person]; !ok {
			people = append(people, p.Person)
		}
		byPerson[p.Person] = append(byPerson[p.Person], i)
	}
	sort.Strings(people)
	n := len(photos)
	score := make([]float32, n*n)
	ok := make([]bool, n*n)
	for i, a := range photos {
		for j, b := range photos {
			if i != j && a.LiveErr == "" && a.ChipErr[crop] == "" && b.LiveErr == "" {
				score[i*n+j], ok[i*n+j] = face.Cosine(a.Chip[crop], b.Live), true
			}
		}
	}
	rng := uint64(0x9e3779b97f4a7c15)
	next := func(k int) int { // xorshift64*, deterministic
		rng ^= rng >> 12
		rng ^= rng << 25
		rng ^= rng >> 27
		return int((rng * 2685821657736338717) >> 33 % uint64(k))
	}
	var ts []float32
	for r := 0; r < runs; r++ {
		draw := make([]string, len(people))
		for k := range draw {
			draw[k] = people[next(len(people))]
		}
		var sc face.Scores
		for da, pa := range draw {
			for db, pb := range draw {
				if da == db {
					for _, i := range byPerson[pa] {
						for _, j := range byPerson[pb] {
							if ok[i*n+j] {
								sc.Genuine = append(sc.Genuine, score[i*n+j])
							}
						}
					}
					continue
				}
				if pa == pb || (sex != nil && (sex[pa] == "" || sex[pa] != sex[pb])) {
					continue
				}
				for _, i := range byPerson[pa] {
					for _, j := range byPerson[pb] {
						if ok[i*n+j] {
							sc.Impostor = append(sc.Impostor, score[i*n+j])
						}
					}
				}
			}
		}
		if len(sc.Impostor) > 0 && len(sc.Genuine) > 0 {
			ts = append(ts, sc.AtFAR(far).Threshold)
		}
	}
	if len(ts) == 0 {
		return 0 // nothing to resample: not measurable
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[int(math.Ceil(0.95*float64(len(ts))))-1]
}

func writeEval(w io.Writer, model, dir, half string, sameSex bool, results []evalResult) {
	fmt.Fprintf(w, "model %s on %s", model, dir)
	if half != "" {
		fmt.Fprintf(w, " (%s half)", half)
	}
	if sameSex {
		fmt.Fprint(w, ", impostors of the same sex only")
	}
	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "\n%s chip crop: %d people, %d photos, %d genuine and %d impostor pairs\n", r.Crop, r.People, r.Photos, r.Genuine, r.Impostor)
		fmt.Fprintf(w, "  chip photos without a face: %d", r.ChipNoFace)
		if len(r.ChipPaths) > 0 {
			fmt.Fprintf(w, " (found by: %s)", countsString(r.ChipPaths))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  pairs without a score: %d (%.2f%%)", r.Missing, 100*r.MissingShare)
		if len(r.MissingWhy) > 0 {
			fmt.Fprintf(w, ": %s", countsString(r.MissingWhy))
		}
		fmt.Fprintln(w)
		if r.EER >= 0 {
			fmt.Fprintf(w, "  EER %.2f%% at %.3f\n", 100*r.EER, r.EERThreshold)
		}
		for _, far := range evalFARs {
			k := fmt.Sprint(far)
			fmt.Fprintf(w, "  TAR at FAR %g%%: %.2f%% (threshold %.3f)", 100*far, 100*r.TARAtFAR[k], r.ThresholdAtFAR[k])
			if float64(r.Impostor)*far < 10 {
				fmt.Fprint(w, " [fewer than 10 false accepts at this FAR: weak]")
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "  at the threshold in use %.3f: FAR %.4f%% (%d false accepts), FRR %.2f%%\n", r.Threshold, 100*r.FARAtThreshold, r.FalseAccepts, 100*r.FRRAtThreshold)
		if r.TargetFAR > 0 {
			fmt.Fprintf(w, "  threshold for the manifest's target FAR %g%%: %.3f; 95th percentile over %d resamples of the people: %.3f\n", 100*r.TargetFAR, r.TargetThreshold, r.Bootstrap, r.TargetThresholdP95)
		}
	}
}

func countsString(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// The cache keeps each photo's embeddings between runs, keyed by the
// photo's path, size and time, for one model version.
type evalCache struct {
	Model  string
	Photos map[string]evalPhoto
}

func evalCacheKey(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return path
	}
	return fmt.Sprintf("%s|%d|%d", path, st.Size(), st.ModTime().UnixNano())
}

func loadEvalCache(path, model string) map[string]evalPhoto {
	out := map[string]evalPhoto{}
	if path == "" {
		return out
	}
	fh, err := os.Open(path)
	if err != nil {
		return out
	}
	defer fh.Close()
	var c evalCache
	if gob.NewDecoder(fh).Decode(&c) != nil || c.Model != model {
		return out
	}
	return c.Photos
}

func saveEvalCache(path, model string, photos map[string]evalPhoto) error {
	if path == "" {
		return nil
	}
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(fh).Encode(evalCache{Model: model, Photos: photos}); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
