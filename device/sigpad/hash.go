package sigpad

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Hash is the content hash of a signature for the record: "sha256:" and
// the hex SHA-256 of its canonical form, which is, all big-endian:
//
//	"kiosk-sigpad-v1\n"
//	max_x u32, max_y u32, pressure_levels u32 (0 without pressure)
//	stroke count u32, then per stroke: sample count u32, then per sample
//	t i64 (ms), x i32, y i32, p u16 (round(p*65535), 0 without pressure)
//
// The pad's model name and resolution are not part of it: the same strokes
// from the same coordinate range hash the same.
func Hash(s Signature) string {
	h := sha256.New()
	var b []byte
	b = append(b, "kiosk-sigpad-v1\n"...)
	levels := 0
	if s.Pad.Pressure {
		levels = s.Pad.PressureLevels
	}
	b = binary.BigEndian.AppendUint32(b, uint32(s.Pad.MaxX))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Pad.MaxY))
	b = binary.BigEndian.AppendUint32(b, uint32(levels))
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.Strokes)))
	for _, k := range s.Strokes {
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		for _, p := range k {
			b = binary.BigEndian.AppendUint64(b, uint64(p.T))
			b = binary.BigEndian.AppendUint32(b, uint32(int32(p.X)))
			b = binary.BigEndian.AppendUint32(b, uint32(int32(p.Y)))
			var q uint16
			if s.Pad.Pressure {
				q = uint16(math.Round(math.Min(math.Max(p.P, 0), 1) * 65535))
			}
			b = binary.BigEndian.AppendUint16(b, q)
		}
		if len(b) > 1<<16 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
