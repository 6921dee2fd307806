package opencv

import (
	"testing"

	"github.com/hbzk/kiosk/device/face"
)

// TestFillBlob checks the channel order and normalisation each model is
// fed: the detector BGR, the embedding RGB, the landmarks grey.
func TestFillBlob(t *testing.T) {
	bgr := []byte{10, 20, 30, 127, 255, 0} // two pixels, B G R
	for _, tc := range []struct {
		name string
		mod  face.Model
		src  []byte
		ch   int
		want []float32
		ok   bool
	}{
		{"bgr", face.Model{Channels: "bgr", Mean: 127, Scale: 1.0 / 128}, bgr, 3,
			[]float32{(10 - 127) / 128., 0, (20 - 127) / 128., 1, (30 - 127) / 128., -127 / 128.}, true},
		{"rgb", face.Model{Channels: "rgb", Mean: 127, Scale: 1.0 / 128}, bgr, 3,
			[]float32{(30 - 127) / 128., -127 / 128., (20 - 127) / 128., 1, (10 - 127) / 128., 0}, true},
		{"gray", face.Model{Channels: "gray", Mean: 0, Scale: 1.0 / 256}, []byte{0, 128, 255}, 1,
			[]float32{0, 0.5, 255 / 256.}, true},
		{"raw", face.Model{Channels: "rgb", Mean: 0, Scale: 1}, bgr, 3, []float32{30, 0, 20, 255, 10, 127}, true},
		{"grey into colour", face.Model{Channels: "rgb", Scale: 1}, []byte{1, 2}, 1, make([]float32, 2), false},
		{"wrong size", face.Model{Channels: "bgr", Scale: 1}, bgr, 3, make([]float32, 5), false},
	} {
		got := make([]float32, len(tc.want))
		err := fillBlob(got, tc.src, tc.ch, tc.mod)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		for i := range got {
			if d := got[i] - tc.want[i]; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s: blob %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
