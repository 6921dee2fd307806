package camsim

import (
	_ "embed" // the default photo's landmarks
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/hbzk/kiosk/device/face"
)

// PhotoLandmarks are the 68 landmarks of a face photo, in the photo's
// pixels, as the real face engine found them. The performing scene warps
// the photo by them.
type PhotoLandmarks struct {
	// Photo names the photo file (base name, for people).
	Photo string
	// Width and Height are the photo's size.
	Width, Height int
	// Box is the detector's face box.
	Box face.Rect
	// Points are the 68 landmarks.
	Points face.Landmarks
}

// ErrBadLandmarks is wrapped by errors about a landmarks file.
var ErrBadLandmarks = errors.New("bad landmarks file")

type landmarksJSON struct {
	Photo  string       `json:"photo"`
	Width  int          `json:"width"`
	Height int          `json:"height"`
	Box    [4]float32   `json:"box"`
	Points [][2]float32 `json:"points"`
}

// astronautLandmarks are DefaultPhoto's, computed by the engine
// (drivers/opencv TestAstronautLandmarks -update-landmarks).
//
//go:embed astronaut.landmarks.json
var astronautLandmarks []byte

// DefaultLandmarks returns DefaultPhoto's landmarks.
func DefaultLandmarks() PhotoLandmarks {
	l, err := DecodeLandmarks(astronautLandmarks)
	if err != nil {
		panic("camsim: embedded astronaut.landmarks.json: " + err.Error())
	}
	return l
}

// EncodeLandmarks writes landmarks as JSON.
func EncodeLandmarks(l PhotoLandmarks) ([]byte, error) {
	j := landmarksJSON{Photo: l.Photo, Width: l.Width, Height: l.Height, Box: [4]float32{l.Box.X1, l.Box.Y1, l.Box.X2, l.Box.Y2}}
	for _, p := range l.Points {
		j.Points = append(j.Points, [2]float32{float32(math.Round(float64(p.X)*100) / 100), float32(math.Round(float64(p.Y)*100) / 100)})
	}
	if _, err := DecodeLandmarks(mustJSON(j)); err != nil {
		return nil, err
	}
	return json.MarshalIndent(j, "", " ")
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// DecodeLandmarks reads and checks landmarks JSON: a positive photo size
// up to 16384, 68 finite points and a box inside the photo.
func DecodeLandmarks(data []byte) (PhotoLandmarks, error) {
	var j landmarksJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return PhotoLandmarks{}, fmt.Errorf("camsim: %w: %v", ErrBadLandmarks, err)
	}
	if j.Width <= 0 || j.Height <= 0 || j.Width > 16384 || j.Height > 16384 {
		return PhotoLandmarks{}, fmt.Errorf("camsim: %w: photo size %dx%d", ErrBadLandmarks, j.Width, j.Height)
	}
	if len(j.Points) != 68 {
		return PhotoLandmarks{}, fmt.Errorf("camsim: %w: %d points, want 68", ErrBadLandmarks, len(j.Points))
	}
	inside := func(x, y float32) bool {
		return !math.IsNaN(float64(x)) && !math.IsNaN(float64(y)) && x >= 0 && y >= 0 && x <= float32(j.Width) && y <= float32(j.Height)
	}
	l := PhotoLandmarks{Photo: j.Photo, Width: j.Width, Height: j.Height, Box: face.Rect{X1: j.Box[0], Y1: j.Box[1], X2: j.Box[2], Y2: j.Box[3]}}
	if !inside(j.Box[0], j.Box[1]) || !inside(j.Box[2], j.Box[3]) || l.Box.Area() < 1 {
		return PhotoLandmarks{}, fmt.Errorf("camsim: %w: face box %v outside the %dx%d photo", ErrBadLandmarks, j.Box, j.Width, j.Height)
	}
	for i, p := range j.Points {
		if !inside(p[0], p[1]) {
			return PhotoLandmarks{}, fmt.Errorf("camsim: %w: point %d %v outside the %dx%d photo", ErrBadLandmarks, i, p, j.Width, j.Height)
		}
		l.Points[i] = face.Point{X: p[0], Y: p[1]}
	}
	return l, nil
}
