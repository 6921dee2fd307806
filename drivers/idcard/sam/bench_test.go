package sam_test

import (
	"testing"

	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
)

func benchFrame(b *testing.B) []byte {
	data, err := idcard.EncodeChipData(testCard().Card, nil)
	if err != nil {
		b.Fatal(err)
	}
	// Some line noise before the frame, as a port may deliver.
	return append([]byte{0x00, 0x55, 0xAA}, sam.Answer(sam.StatusOK, data)...)
}

// BenchmarkDecodeParse is the per-card cost: find the frame, check it,
// split the answer and parse the card (text fields, dates, photo hash).
func BenchmarkDecodeParse(b *testing.B) {
	frame := benchFrame(b)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		body, err := sam.Decode(frame)
		if err != nil {
			b.Fatal(err)
		}
		r, _ := sam.ParseResponse(body)
		if _, err := idcard.ParseChipData(r.Data, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChecksumBaseline is the floor: the XOR over the same bytes.
func BenchmarkChecksumBaseline(b *testing.B) {
	frame := benchFrame(b)
	b.SetBytes(int64(len(frame)))
	var x byte
	for b.Loop() {
		x ^= sam.Checksum(frame)
	}
	_ = x
}
