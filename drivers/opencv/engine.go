package opencv

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// Options tune the engine; the zero value uses the manifest as it is.
type Options struct {
	// Threads sets OpenCV's thread count for the process (0: leave it).
	Threads int
	// MinFacePx is the smallest face (box width, pixels) reported in live
	// frames; 0 means 40.
	MinFacePx int
	// Threshold overrides the manifest's match threshold when > 0.
	Threshold float64
	// Flip adds the embedding of the mirrored face to every embedding
	// (test-time augmentation: twice the embedding's cost).
	Flip bool
}

// chipMinFacePx is the smallest face accepted in a chip photo, whose face
// is about 50 px wide.
const chipMinFacePx = 20

// Engine is the face engine on OpenCV's DNN module. It is not safe for
// concurrent use; its methods reuse its buffers.
type Engine struct {
	man                  *face.Manifest
	det, lm, emb         face.Model
	detNet, lmNet, emNet gocv.Net
	threshold            float32
	minFace              float32

	// Buffers, kept from call to call.
	src     gocv.Mat // the picture, BGR
	padded  gocv.Mat // the picture padded to the detector's aspect
	chipPad gocv.Mat // a chip photo on a larger white canvas (see chipFace)
	// chipOff is where the chip photo sits in e.src while e.src is
	// chipPad's swap (chipSwapped).
	chipOff     image.Point
	chipSwapped bool
	// chipForce skips the detector's retries (tests of the geometry path).
	chipForce bool
	flip      bool
	flipped   gocv.Mat // the aligned face mirrored (Options.Flip)
	detIn     gocv.Mat // resized for the detector, BGR 8-bit
	detBlob   gocv.Mat // 1x3xHxW float
	lmIn      gocv.Mat // landmark crop resized, BGR
	lmGray    gocv.Mat // landmark crop, grey
	lmBlob    gocv.Mat // 1x1x64x64 float
	aligned   gocv.Mat // 112x112 BGR
	embBlob   gocv.Mat // 1x3x112x112 float
	affine    gocv.Mat // 2x3 float64
	dets      []face.Detection
	// Geometry of the last detector input: padded size and offset.
	padW, padH, padX, padY int
	scoreBuf               []float32
	boxBuf                 []float32

	nets   []*gocv.Net // loaded, to close
	stages []Stage
	closed bool
}

var _ face.Engine = (*Engine)(nil)

// Stage is extra per-frame analysis run by Analyze after landmarks and
// alignment (head pose, eyes, anti-spoof). A stage keeps its own results.
type Stage interface {
	// Run analyses one picture. st and its Mats are valid during the call.
	Run(st *State) error
	// Close frees the stage's networks and buffers.
	Close() error
}

// State is what a Stage gets: the picture and what the engine found in it.
// The Mats belong to the engine and must not be closed or kept.
type State struct {
	Frame  *camera.Frame
	Source face.Source
	// BGR is the picture as an 8-bit BGR Mat.
	BGR gocv.Mat
	// Detections are all the faces found, best first.
	Detections []face.Detection
	// Face is the chosen face with its landmarks (and its embedding when
	// Analyze was asked for one).
	Face face.Face
	// Aligned is the face warped to the 112x112 ArcFace template, BGR.
	Aligned gocv.Mat
}

// New loads the detection, landmark and embedding networks of a manifest,
// after checking each file. Nothing OpenCV cannot load is handed to it.
func New(man *face.Manifest, o Options) (*Engine, error) {
	SetNumThreads(o.Threads)
	e := &Engine{
		man:     man,
		src:     gocv.NewMat(),
		padded:  gocv.NewMat(),
		chipPad: gocv.NewMat(),
		flipped: gocv.NewMat(),
		flip:    o.Flip,
		detIn:   gocv.NewMat(),
		detBlob: gocv.NewMat(),
		lmIn:    gocv.NewMat(),
		lmGray:  gocv.NewMat(),
		lmBlob:  gocv.NewMat(),
		aligned: gocv.NewMat(),
		embBlob: gocv.NewMat(),
		affine:  gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F),
	}
	var err error
	for _, l := range []struct {
		role string
		net  *gocv.Net
		mod  *face.Model
	}{{"detect", &e.detNet, &e.det}, {"landmark", &e.lmNet, &e.lm}, {"embed", &e.emNet, &e.emb}} {
		if *l.net, *l.mod, err = LoadNet(man, l.role); err != nil {
			break
		}
		e.nets = append(e.nets, l.net)
	}
	if err == nil {
		err = e.checkShapes()
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	e.threshold = float32(e.emb.Threshold)
	if o.Threshold > 0 {
		e.threshold = float32(o.Threshold)
	}
	e.minFace = 40
	if o.MinFacePx > 0 {
		e.minFace = float32(o.MinFacePx)
	}
	ensureBlob(&e.detBlob, e.det.Input)
	ensureBlob(&e.lmBlob, e.lm.Input)
	ensureBlob(&e.embBlob, e.emb.Input)
	if err := e.warmUp(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) checkShapes() error {
	if e.det.Channels == "gray" || e.emb.Channels == "gray" {
		return fmt.Errorf("opencv: manifest: %w: detect and embed take colour input", face.ErrManifest)
	}
	if e.lm.Channels != "gray" {
		return fmt.Errorf("opencv: manifest: %w: landmark takes grey input", face.ErrManifest)
	}
	if e.emb.Input[2] != face.AlignedSize || e.emb.Input[3] != face.AlignedSize {
		return fmt.Errorf("opencv: manifest: %w: embed input %v: the alignment template is %dx%d", face.ErrManifest, e.emb.Input, face.AlignedSize, face.AlignedSize)
	}
	if len(e.det.Outputs) != 2 {
		return fmt.Errorf("opencv: manifest: %w: detect outputs %v: want [scores, boxes]", face.ErrManifest, e.det.Outputs)
	}
	return nil
}

// warmUp runs each network once: the first forward pass is much slower.
func (e *Engine) warmUp() error {
	blank := camera.NewFrame(320, 240)
	if _, err := e.Detect(&blank, face.Live); err != nil {
		return err
	}
	d := face.Detection{Box: face.Rect{X1: 100, Y1: 60, X2: 220, Y2: 180}}
	lm, err := e.Landmarks(&blank, d)
	if err != nil {
		return err
	}
	if err := e.align(&lm); err != nil {
		return err
	}
	_, err = e.embed()
	return err
}

// LoadNet checks a manifest model (exists, ONNX, sha256, survives a test
// load and forward pass in a child process: modelguard.go) and loads it on
// OpenCV's own CPU backend (the only one that works in Debian's build).
func LoadNet(man *face.Manifest, role string) (gocv.Net, face.Model, error) {
	data, mod, err := man.Read(role)
	if err != nil {
		return gocv.Net{}, mod, err
	}
	if err := guardModel(data, mod.Input); err != nil {
		return gocv.Net{}, mod, fmt.Errorf("opencv: model %s (%s): %w: %v", man.Path(mod), role, face.ErrModelCorrupt, err)
	}
	net, err := gocv.ReadNetFromONNXBytes(data)
	if err != nil || net.Empty() {
		if err == nil {
			net.Close()
			err = errors.New("OpenCV loaded an empty network")
		}
		return gocv.Net{}, mod, fmt.Errorf("opencv: model %s (%s): %w: %v", man.Path(mod), role, face.ErrModelCorrupt, err)
	}
	net.SetPreferableBackend(gocv.NetBackendOpenCV)
	net.SetPreferableTarget(gocv.NetTargetCPU)
	return net, mod, nil
}

// Close frees the networks, the buffers and the stages.
func (e *Engine) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	var errs []error
	for _, s := range e.stages {
		errs = append(errs, s.Close())
	}
	for _, n := range e.nets {
		n.Close()
	}
	for _, m := range []*gocv.Mat{&e.src, &e.padded, &e.chipPad, &e.flipped, &e.detIn, &e.detBlob, &e.lmIn, &e.lmGray, &e.lmBlob, &e.aligned, &e.embBlob, &e.affine} {
		m.Close()
	}
	return errors.Join(errs...)
}

// AddStage adds per-frame analysis to Analyze; Close closes it.
func (e *Engine) AddStage(s Stage) { e.stages = append(e.stages, s) }

// Manifest is the manifest the engine was loaded from.
func (e *Engine) Manifest() *face.Manifest { return e.man }

// ModelVersion names the embedding model.
func (e *Engine) ModelVersion() string { return e.emb.Version }

// Threshold is the match threshold in use.
func (e *Engine) Threshold() float32 { return e.threshold }

// Compare decides whether two embeddings show the same person.
func (e *Engine) Compare(a, b face.Embedding) face.Match {
	return face.Decide(a, b, e.threshold, e.emb.Version)
}

func (e *Engine) load(img *camera.Frame) error {
	if e.closed {
		return fmt.Errorf("opencv: %w", face.ErrClosed)
	}
	if err := loadFrame(&e.src, img); err != nil {
		return fmt.Errorf("opencv: %w", err)
	}
	return nil
}

// Detect finds the faces in img, best first.
func (e *Engine) Detect(img *camera.Frame, src face.Source) ([]face.Detection, error) {
	if err := e.load(img); err != nil {
		return nil, err
	}
	if err := e.detect(src); err != nil {
		return nil, err
	}
	return append([]face.Detection(nil), e.dets...), nil
}

// detectBlob fills the detector's input blob from e.src: padded to the
// detector's aspect (chip photos on white, their background; other
// pictures on mid-grey), resized, normalised.
func (e *Engine) detectBlob(src face.Source) error {
	w, h := e.src.Cols(), e.src.Rows()
	inW, inH := e.det.Input[3], e.det.Input[2]
	pw, ph := w, h
	if w*inH < h*inW {
		pw = (h*inW + inH - 1) / inH
	} else {
		ph = (w*inH + inW - 1) / inW
	}
	ox, oy := (pw-w)/2, (ph-h)/2
	e.padW, e.padH, e.padX, e.padY = pw, ph, ox, oy
	in := e.src
	if pw != w || ph != h {
		pad := grey
		if src == face.Chip {
			pad = white
		}
		gocv.CopyMakeBorder(e.src, &e.padded, oy, ph-h-oy, ox, pw-w-ox, gocv.BorderConstant, pad)
		in = e.padded
	}
	ensure(&e.detIn, inH, inW, gocv.MatTypeCV8UC3)
	gocv.Resize(in, &e.detIn, image.Pt(inW, inH), 0, 0, gocv.InterpolationLinear)
	pix, err := e.detIn.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("opencv: detect: %w", err)
	}
	blob, err := e.detBlob.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("opencv: detect: %w", err)
	}
	if err := fillBlob(blob, pix, 3, e.det); err != nil {
		return fmt.Errorf("opencv: detect: %v", err)
	}
	return nil
}

// detect runs the detector on e.src into e.dets.
func (e *Engine) detect(src face.Source) error {
	if err := e.detectBlob(src); err != nil {
		return err
	}
	w, h := e.src.Cols(), e.src.Rows()
	pw, ph, ox, oy := e.padW, e.padH, e.padX, e.padY
	e.detNet.SetInput(e.detBlob, "")
	outs := e.detNet.ForwardLayers(e.det.Outputs)
	defer closeAll(outs)
	if len(outs) != 2 {
		return fmt.Errorf("opencv: detect: %d outputs, want 2 (%v)", len(outs), e.det.Outputs)
	}
	var err error
	e.scoreBuf, err = copyFloats(e.scoreBuf, outs[0])
	if err == nil {
		e.boxBuf, err = copyFloats(e.boxBuf, outs[1])
	}
	if err != nil {
		return fmt.Errorf("opencv: detect: %w", err)
	}
	minFace := e.minFace
	if src == face.Chip {
		minFace = chipMinFacePx
	}
	e.dets, err = face.DecodeUltraFace(e.dets, e.scoreBuf, e.boxBuf, face.DecodeParams{
		ScoreThreshold: float32(e.det.Threshold),
		NMS:            float32(e.det.NMS),
		MinSize:        minFace,
		Width:          float32(pw),
		Height:         float32(ph),
		MaxFaces:       32,
	})
	if err != nil {
		return fmt.Errorf("opencv: %w", err)
	}
	// Back from the padded picture to the original.
	keep := e.dets[:0]
	for _, d := range e.dets {
		b := &d.Box
		b.X1, b.X2 = max(b.X1-float32(ox), 0), min(b.X2-float32(ox), float32(w))
		b.Y1, b.Y2 = max(b.Y1-float32(oy), 0), min(b.Y2-float32(oy), float32(h))
		if b.Area() > 0 {
			keep = append(keep, d)
		}
	}
	e.dets = keep
	return nil
}

func copyFloats(dst []float32, m gocv.Mat) ([]float32, error) {
	f, err := m.DataPtrFloat32()
	if err != nil {
		return dst, err
	}
	return append(dst[:0], f...), nil
}

func closeAll(ms []gocv.Mat) {
	for i := range ms {
		ms[i].Close()
	}
}

// Landmarks finds the 68 points of the face in box d.
func (e *Engine) Landmarks(img *camera.Frame, d face.Detection) (face.Landmarks, error) {
	if err := e.load(img); err != nil {
		return face.Landmarks{}, err
	}
	return e.landmarks(d)
}

func (e *Engine) landmarks(d face.Detection) (face.Landmarks, error) {
	var lm face.Landmarks
	w, h := e.src.Cols(), e.src.Rows()
	r := rectInt(d.Box.Square(w, h), w, h)
	if r.Dx() < 4 || r.Dy() < 4 {
		return lm, fmt.Errorf("opencv: landmarks: %w: face box %v too small", face.ErrNoFace, r)
	}
	inW, inH := e.lm.Input[3], e.lm.Input[2]
	crop := e.src.Region(r)
	ensure(&e.lmIn, inH, inW, gocv.MatTypeCV8UC3)
	gocv.Resize(crop, &e.lmIn, image.Pt(inW, inH), 0, 0, gocv.InterpolationLinear)
	crop.Close()
	// The JavaScript converts RGBA data with BGR2GRAY: the red and blue
	// weights swapped. On BGR data that is RGB2GRAY.
	ensure(&e.lmGray, inH, inW, gocv.MatTypeCV8UC1)
	gocv.CvtColor(e.lmIn, &e.lmGray, gocv.ColorRGBToGray)
	pix, err := e.lmGray.DataPtrUint8()
	if err != nil {
		return lm, fmt.Errorf("opencv: landmarks: %w", err)
	}
	blob, err := e.lmBlob.DataPtrFloat32()
	if err != nil {
		return lm, fmt.Errorf("opencv: landmarks: %w", err)
	}
	if err := fillBlob(blob, pix, 1, e.lm); err != nil {
		return lm, fmt.Errorf("opencv: landmarks: %v", err)
	}
	e.lmNet.SetInput(e.lmBlob, "")
	out := e.lmNet.Forward(e.lm.Outputs[0])
	defer out.Close()
	v, err := out.DataPtrFloat32()
	if err != nil {
		return lm, fmt.Errorf("opencv: landmarks: %w", err)
	}
	if len(v) != 136 {
		return lm, fmt.Errorf("opencv: landmarks: %d outputs, want 136", len(v))
	}
	fw, fh := float32(r.Dx()), float32(r.Dy())
	for i := range lm {
		lm[i] = face.Point{X: v[2*i]*fw + float32(r.Min.X), Y: v[2*i+1]*fh + float32(r.Min.Y)}
	}
	return lm, nil
}

// Align warps the face to the 112x112 ArcFace template.
func (e *Engine) Align(img *camera.Frame, lm *face.Landmarks) (camera.Frame, error) {
	if err := e.load(img); err != nil {
		return camera.Frame{}, err
	}
	if err := e.align(lm); err != nil {
		return camera.Frame{}, err
	}
	return frameFromMat(e.aligned)
}

func (e *Engine) align(lm *face.Landmarks) error {
	a, ok := face.AlignTransform(lm)
	if !ok {
		return fmt.Errorf("opencv: align: %w: landmarks are degenerate", face.ErrNoFace)
	}
	for i, v := range a {
		e.affine.SetDoubleAt(i/3, i%3, v)
	}
	ensure(&e.aligned, face.AlignedSize, face.AlignedSize, gocv.MatTypeCV8UC3)
	gocv.WarpAffineWithParams(e.src, &e.aligned, e.affine, image.Pt(face.AlignedSize, face.AlignedSize),
		gocv.InterpolationLinear, gocv.BorderConstant, blackColor)
	return nil
}

// Embed computes the embedding of a 112x112 aligned face.
func (e *Engine) Embed(aligned *camera.Frame) (face.Embedding, error) {
	if e.closed {
		return nil, fmt.Errorf("opencv: %w", face.ErrClosed)
	}
	if aligned.Width != face.AlignedSize || aligned.Height != face.AlignedSize {
		return nil, fmt.Errorf("opencv: embed: %w: %dx%d, want an aligned %dx%d face", face.ErrBadImage, aligned.Width, aligned.Height, face.AlignedSize, face.AlignedSize)
	}
	if err := loadFrame(&e.aligned, aligned); err != nil {
		return nil, fmt.Errorf("opencv: embed: %w", err)
	}
	return e.embed()
}

func (e *Engine) embed() (face.Embedding, error) {
	v, err := e.embedMat(e.aligned)
	if err != nil || !e.flip {
		return v, err
	}
	gocv.Flip(e.aligned, &e.flipped, 1)
	m, err := e.embedMat(e.flipped)
	if err != nil {
		return nil, err
	}
	for i := range v {
		v[i] += m[i]
	}
	return face.Normalize(v), nil
}

// embedMat runs the embedding network on a 112x112 aligned face.
func (e *Engine) embedMat(aligned gocv.Mat) (face.Embedding, error) {
	pix, err := aligned.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("opencv: embed: %w", err)
	}
	blob, err := e.embBlob.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("opencv: embed: %w", err)
	}
	if err := fillBlob(blob, pix, 3, e.emb); err != nil {
		return nil, fmt.Errorf("opencv: embed: %v", err)
	}
	e.emNet.SetInput(e.embBlob, "")
	out := e.emNet.Forward(e.emb.Outputs[0])
	defer out.Close()
	v, err := out.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("opencv: embed: %w", err)
	}
	if len(v) == 0 {
		return nil, errors.New("opencv: embed: empty output")
	}
	return face.Normalize(append(face.Embedding(nil), v...)), nil
}

// Face runs the whole pipeline on one picture.
func (e *Engine) Face(img *camera.Frame, src face.Source) (face.Face, error) {
	return e.Analyze(img, src, true)
}

// Analyze runs detection, the choice of face, landmarks and alignment, the
// embedding when embed is set, and then every added Stage.
func (e *Engine) Analyze(img *camera.Frame, src face.Source, embed bool) (face.Face, error) {
	if err := e.load(img); err != nil {
		return face.Face{}, err
	}
	if err := e.detect(src); err != nil {
		return face.Face{}, err
	}
	var f face.Face
	var err error
	if src == face.Chip {
		// The chip photo's own path: padded retries, then its geometry.
		// e.src may be left padded: put the picture back at the end.
		defer e.unpadChip()
		if f, err = e.chipFace(img); err != nil {
			return f, err
		}
	} else {
		f.Count = len(e.dets)
		f.Path = "detect"
		d, err := face.Pick(e.dets, img.Width, img.Height, src)
		if err != nil {
			return f, fmt.Errorf("opencv: %w", err)
		}
		f.Detection = d
		if f.Landmarks, err = e.landmarks(d); err != nil {
			return f, err
		}
	}
	if err := e.align(&f.Landmarks); err != nil {
		return f, err
	}
	if embed {
		if f.Embedding, err = e.embed(); err != nil {
			return f, err
		}
	}
	f = e.chipUnshift(f)
	e.unpadChip()
	if len(e.stages) > 0 {
		st := &State{Frame: img, Source: src, BGR: e.src, Detections: e.dets, Face: f, Aligned: e.aligned}
		for _, s := range e.stages {
			if err := s.Run(st); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

var blackColor = color.RGBA{A: 255}
