package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testModels = "../../models/manifest.toml"

// faceImages returns gocv's module folder of face photos, or skips.
func faceTestSetup(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("../../models/fr_detect.onnx"); err != nil {
		t.Skip("face models absent: run `make deps`")
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "gocv.io", "x", "gocv@v0.31.0")
	if _, err := os.Stat(filepath.Join(dir, "images", "face.jpg")); err != nil {
		t.Skipf("gocv module images absent: %v", err)
	}
	return dir
}

func TestFaceDetect(t *testing.T) {
	g := faceTestSetup(t)
	code, out, errs := runCLI(t, "", "face", "detect", "--models", testModels, filepath.Join(g, "images/face.jpg"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Width, Height int
		Faces         []struct {
			Box        [4]float32
			Score      float32
			Landmarks5 [5][2]float32
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Width != 640 || len(res.Faces) != 1 || res.Faces[0].Score < 0.9 || res.Faces[0].Landmarks5[0][0] == 0 {
		t.Errorf("detect: %+v", res)
	}
	code, out, _ = runCLI(t, "", "face", "detect", "--models="+testModels, filepath.Join(g, "images/face.jpg"))
	if code != 0 || !strings.Contains(out, "1 face(s)") || !strings.Contains(out, "score") {
		t.Errorf("text: %d %q", code, out)
	}
	// No face: exit 1, JSON still printed.
	code, out, errs = runCLI(t, "", "face", "detect", "--json", "--models", testModels, filepath.Join(g, "images/box.png"))
	if code != 1 || !strings.Contains(out, `"faces":[]`) || !strings.Contains(errs, "no face") {
		t.Errorf("no face: %d %q %q", code, out, errs)
	}
}

func TestFaceMatch(t *testing.T) {
	g := faceTestSetup(t)
	att := func(s, n string) string { return filepath.Join(g, "contrib/att_faces", s, n+".pgm") }
	// Same person: match, exit 0.
	code, out, errs := runCLI(t, "", "face", "match", "--json", "--models", testModels, att("s1", "1"), att("s1", "3"))
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 0 {
		t.Fatalf("genuine: %d %q %q %v", code, out, errs, err)
	}
	if m["match"] != true || m["score"].(float64) < m["threshold"].(float64) {
		t.Errorf("genuine: %v", m)
	}
	// Different people: no match, exit 1.
	code, out, _ = runCLI(t, "", "face", "match", "--models", testModels, att("s1", "1"), att("s2", "1"))
	if code != 1 || !strings.Contains(out, "no match") || !strings.Contains(out, "threshold") {
		t.Errorf("impostor: %d %q", code, out)
	}
	// A bad image is an error naming it.
	code, _, errs = runCLI(t, "", "face", "match", "--models", testModels, "/nonexistent.jpg", att("s1", "1"))
	if code != 1 || !strings.Contains(errs, "nonexistent.jpg") || !strings.Contains(errs, "bad image") {
		t.Errorf("bad image: %d %q", code, errs)
	}
}

func TestFaceMatchPairs(t *testing.T) {
	g := faceTestSetup(t)
	att := func(s, n string) string { return filepath.Join(g, "contrib/att_faces", s, n+".pgm") }
	pairs := strings.Join([]string{
		att("s1", "1") + "\t" + att("s1", "2"),
		"# a comment",
		att("s1", "1") + "\t" + filepath.Join(g, "images/box.png"),
		"",
		att("s2", "1") + "\t" + att("s3", "1"),
		"only-one-path",
		att("s2", "2") + "\t" + att("s2", "5"),
	}, "\n")
	file := filepath.Join(t.TempDir(), "pairs.tsv")
	os.WriteFile(file, []byte(pairs), 0o644)
	code, out, errs := runCLI(t, "", "face", "match", "--json", "--pairs", file, "--models", testModels)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []struct {
		match bool
		err   string
	}{{true, ""}, {false, "no face"}, {false, ""}, {false, "two paths"}, {true, ""}}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: %s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		for _, k := range []string{"score", "threshold", "match"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, l)
			}
		}
		e, _ := m["error"].(string)
		if m["match"] != want[i].match || (want[i].err == "") != (e == "") || !strings.Contains(e, want[i].err) {
			t.Errorf("line %d: %s, want match=%v error~%q", i, l, want[i].match, want[i].err)
		}
	}
	// Pairs from stdin.
	code, out, _ = runCLI(t, att("s3", "1")+"\t"+att("s3", "2")+"\n", "face", "match", "--json", "--pairs", "-", "--models", testModels)
	if code != 0 || !strings.Contains(out, `"match":true`) {
		t.Errorf("stdin: %d %q", code, out)
	}
}

func TestFaceCalibrate(t *testing.T) {
	g := faceTestSetup(t)
	// Three people of gocv's att_faces, four photos each. They are small
	// (92x112) grey photos: the simulated chip crop is mostly white padding,
	// a harder case than the kiosk's.
	dir := t.TempDir()
	for _, s := range []string{"s1", "s2", "s3"} {
		os.MkdirAll(filepath.Join(dir, s), 0o755)
		for _, n := range []string{"1", "2", "3", "4"} {
			data, err := os.ReadFile(filepath.Join(g, "contrib/att_faces", s, n+".pgm"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, s, n+".pgm"), data, 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, "s1", "broken.jpg"), []byte("not a jpeg"), 0o644)
	code, out, errs := runCLI(t, "", "face", "calibrate", "--models", testModels, "--far", "0.05", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"3 people", "12 photos (1 skipped)", "genuine", "impostor", "EER", "FAR <= 1.00%", "FAR <= 0.10%", "FAR <= 5.00%", "threshold for target FAR 5.00%"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "broken.jpg") {
		t.Errorf("skipped photo not reported: %q", errs)
	}
}

func TestFaceUsage(t *testing.T) {
	for _, args := range [][]string{
		{"face", "detect"},
		{"face", "detect", "a.jpg", "b.jpg"},
		{"face", "detect", "--bogus", "a.jpg"},
		{"face", "match", "a.jpg"},
		{"face", "match", "--pairs"},
		{"face", "match", "--pairs", "p.tsv", "a.jpg"},
		{"face", "match", "--threshold", "x", "a", "b"},
		{"face", "calibrate"},
		{"face", "calibrate", "--far", "2", "dir"},
	} {
		if code, _, errs := runCLI(t, "", args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d %q, want usage error", args, code, errs)
		}
	}
	if code, _, errs := runCLI(t, "", "face", "match", "--models", "/nonexistent/manifest.toml", "a", "b"); code != 1 || !strings.Contains(errs, "make deps") {
		t.Errorf("missing manifest: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "face", "calibrate", t.TempDir()); code != 1 || !strings.Contains(errs, "no photos") {
		t.Errorf("empty folder: %d %q", code, errs)
	}
}

// face eval on packaged photos (gocv's att_faces, three people, nested one
// folder deeper as the asian/ set is): every figure is there, in text and
// JSON, a DET plot is written, a broken photo is counted and not fatal,
// the halves split the people, and the cache gives the same figures.
func TestFaceEval(t *testing.T) {
	g := faceTestSetup(t)
	dir := t.TempDir()
	for _, s := range []string{"s1", "s2", "s3"} {
		os.MkdirAll(filepath.Join(dir, "group", s), 0o755)
		for _, n := range []string{"1", "2", "3"} {
			data, err := os.ReadFile(filepath.Join(g, "contrib/att_faces", s, n+".pgm"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "group", s, n+".pgm"), data, 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, "group", "s1", "broken.jpg"), []byte("not a jpeg"), 0o644)
	plot := filepath.Join(t.TempDir(), "det.png")
	cache := filepath.Join(t.TempDir(), "eval.gob")
	code, out, errs := runCLI(t, "", "face", "eval", "--models", testModels, "--plot", plot, "--cache", cache, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"loose chip crop: 3 people, 10 photos", "tight chip crop", "TAR at FAR 1%", "TAR at FAR 0.1%", "TAR at FAR 0.01%", "EER", "at the threshold in use", "pairs without a score: 18", "live: unreadable 9", "threshold for the manifest's target FAR 0.1%"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(plot); err != nil || st.Size() < 1000 {
		t.Errorf("DET plot: %v", err)
	}
	code, js, errs := runCLI(t, "", "face", "eval", "--models", testModels, "--json", "--cache", cache, dir)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
	var res struct {
		Results []struct {
			Crop     string             `json:"crop"`
			Genuine  int                `json:"genuine_pairs"`
			Impostor int                `json:"impostor_pairs"`
			TAR      map[string]float64 `json:"tar_at_far"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil || len(res.Results) != 2 {
		t.Fatalf("json %v: %s", err, js)
	}
	// 3 people x 3 photos: 3*3*2 genuine ordered pairs, 9*6 impostor.
	if r := res.Results[0]; r.Crop != "loose" || r.Genuine != 18 || r.Impostor != 54 || len(r.TAR) != 3 {
		t.Errorf("loose result %+v", r)
	}
	halves := 0
	for _, h := range []string{"calibration", "test"} {
		code, out, _ := runCLI(t, "", "face", "eval", "--models", testModels, "--half", h, "--cache", cache, dir)
		if code == 0 {
			halves++
			if strings.Contains(out, "3 people") {
				t.Errorf("%s half has all three people", h)
			}
		}
	}
	if halves == 0 {
		t.Error("neither half could be evaluated")
	}
	if code, _, _ := runCLI(t, "", "face", "eval", "--models", testModels, "--half", "middle", dir); code != 2 {
		t.Errorf("--half middle: exit %d, want 2", code)
	}
}
