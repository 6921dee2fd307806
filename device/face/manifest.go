package face

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Manifest names the model files and how to feed and read each, so that a
// deployment can swap in another licensed model by editing the manifest.
// It is TOML; model files are relative to the manifest's folder.
type Manifest struct {
	// Version of the manifest format: 1.
	Version int `toml:"version"`
	// Models by role: "detect", "landmark", "embed" (and "pose", "eye",
	// "liveness" for the liveness checks).
	Models map[string]Model `toml:"models"`
	// Dir is the manifest's folder (not in the file).
	Dir string `toml:"-"`
}

// Model describes one network.
type Model struct {
	// File is the ONNX file, relative to the manifest.
	File string `toml:"file"`
	// SHA256 pins the file's content (hex).
	SHA256 string `toml:"sha256"`
	// Input is the input blob shape, N x C x H x W.
	Input []int `toml:"input"`
	// Channels is the channel order fed: "bgr", "rgb" or "gray".
	Channels string `toml:"channels"`
	// Mean is subtracted from each 0..255 pixel value, then Scale
	// multiplies it: (x - Mean) * Scale.
	Mean  float64 `toml:"mean"`
	Scale float64 `toml:"scale"`
	// Outputs are the output blob names, in the order the decoder reads.
	Outputs []string `toml:"outputs"`
	// Layout documents the outputs for people.
	Layout string `toml:"layout"`
	// Threshold: for "detect" the minimum face score, for "embed" the
	// calibrated cosine-similarity match threshold.
	Threshold float64 `toml:"threshold"`
	// TargetFAR, for "embed", is the false accept rate the threshold was
	// chosen for on a calibration set (`kioskctl face eval --half
	// calibration`), recorded with each decision.
	TargetFAR float64 `toml:"target_far"`
	// NMS is the detector's IoU suppression threshold.
	NMS float64 `toml:"nms"`
	// Version names the model in confirmed records.
	Version string `toml:"version"`
}

// RoleEmbed is the embedding network's role in a manifest.
const RoleEmbed = "embed"

// Roles the face engine needs.
var EngineRoles = []string{"detect", "landmark", "embed"}

// LoadManifest reads and checks a manifest file (not the model files: see
// Manifest.Read).
func LoadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("face: manifest %s: %w: %v (run `make deps` or set paths.models)", path, ErrManifest, err)
		}
		return nil, fmt.Errorf("face: manifest %s: %w: %v", path, ErrManifest, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("face: manifest %s: %w", path, err)
	}
	m.Dir = filepath.Dir(path)
	return m, nil
}

// ParseManifest parses manifest TOML strictly (unknown keys are errors) and
// checks each model entry.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("%w: line %d column %d: %s", ErrManifest, row, col, de.String())
		}
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return nil, fmt.Errorf("%w: %s", ErrManifest, strings.TrimSpace(sm.String()))
		}
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("%w: version %d: want 1", ErrManifest, m.Version)
	}
	for role, mod := range m.Models {
		if err := mod.check(); err != nil {
			return nil, fmt.Errorf("%w: models.%s: %v", ErrManifest, role, err)
		}
	}
	return &m, nil
}

func (m Model) check() error {
	switch {
	case m.File == "" || strings.ContainsRune(m.File, 0):
		return errors.New("file: missing")
	case len(m.SHA256) != 64 || strings.Trim(strings.ToLower(m.SHA256), "0123456789abcdef") != "":
		return fmt.Errorf("sha256 %q: want 64 hex digits", m.SHA256)
	case len(m.Input) != 4:
		return fmt.Errorf("input %v: want [N, C, H, W]", m.Input)
	case len(m.Outputs) == 0:
		return errors.New("outputs: want at least one name")
	case !(m.Scale > 0) || m.Scale > 1e3:
		return fmt.Errorf("scale %v: want > 0", m.Scale)
	case m.Threshold < -1 || m.Threshold > 1 || m.NMS < 0 || m.NMS > 1:
		return errors.New("threshold and nms: want -1..1 and 0..1")
	case m.TargetFAR < 0 || m.TargetFAR >= 1 || math.IsNaN(m.TargetFAR):
		return fmt.Errorf("target_far %v: want a rate in [0, 1)", m.TargetFAR)
	}
	for _, d := range m.Input {
		if d < 1 || d > 4096 {
			return fmt.Errorf("input %v: each dimension 1..4096", m.Input)
		}
	}
	want := 3
	switch m.Channels {
	case "bgr", "rgb":
	case "gray":
		want = 1
	default:
		return fmt.Errorf("channels %q: want bgr, rgb or gray", m.Channels)
	}
	if m.Input[0] != 1 || m.Input[1] != want {
		return fmt.Errorf("input %v: want batch 1 and %d channel(s) for %s", m.Input, want, m.Channels)
	}
	return nil
}

// Model returns the entry of a role.
func (m *Manifest) Model(role string) (Model, error) {
	mod, ok := m.Models[role]
	if !ok {
		return Model{}, fmt.Errorf("face: manifest: %w: no [models.%s]", ErrManifest, role)
	}
	return mod, nil
}

// Path is the model file's path.
func (m *Manifest) Path(mod Model) string {
	if filepath.IsAbs(mod.File) {
		return mod.File
	}
	return filepath.Join(m.Dir, mod.File)
}

// Read returns a role's model file content after checking that it exists,
// starts like an ONNX model and has the pinned sha256. OpenCV aborts the
// whole process on a missing or corrupt model, so nothing else may be
// handed to it. The caller loads the returned bytes (not the file again).
func (m *Manifest) Read(role string) ([]byte, Model, error) {
	mod, err := m.Model(role)
	if err != nil {
		return nil, mod, err
	}
	path := m.Path(mod)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, mod, fmt.Errorf("face: model %s (%s): %w (run `make deps` to fetch the models)", path, role, ErrModelMissing)
		}
		return nil, mod, fmt.Errorf("face: model %s (%s): %w: %v", path, role, ErrModelMissing, err)
	}
	if err := CheckONNX(data); err != nil {
		return nil, mod, fmt.Errorf("face: model %s (%s): %w: %v (run `make deps` to fetch it again)", path, role, ErrModelCorrupt, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != strings.ToLower(mod.SHA256) {
		return nil, mod, fmt.Errorf("face: model %s (%s): %w: sha256 %s, manifest pins %s (run `make deps` to fetch it again)", path, role, ErrModelCorrupt, got, mod.SHA256)
	}
	return data, mod, nil
}

// CheckONNX checks that data starts like a serialised ONNX ModelProto: a
// protobuf whose first fields are well-formed and which carries a graph
// (field 7). It is a sanity check before the hash, with a clearer message.
func CheckONNX(data []byte) error {
	if len(data) < 16 {
		return fmt.Errorf("%d bytes: too short for an ONNX model", len(data))
	}
	graph := false
	for i, fields := 0, 0; i < len(data) && fields < 16 && !graph; fields++ {
		key, n := uvarint(data[i:])
		if n <= 0 {
			return errors.New("not an ONNX model (bad protobuf key)")
		}
		i += n
		field, wire := key>>3, key&7
		if field == 0 || field > 32 {
			return fmt.Errorf("not an ONNX model (protobuf field %d)", field)
		}
		switch wire {
		case 0:
			_, n = uvarint(data[i:])
			if n <= 0 {
				return errors.New("not an ONNX model (bad varint)")
			}
			i += n
		case 2:
			l, n := uvarint(data[i:])
			if n <= 0 || l > uint64(len(data)-i-n) {
				return errors.New("not an ONNX model (truncated field)")
			}
			i += n + int(l)
			graph = field == 7
		default:
			return fmt.Errorf("not an ONNX model (protobuf wire type %d)", wire)
		}
	}
	if !graph {
		return errors.New("not an ONNX model (no graph)")
	}
	return nil
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}
