package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrBadWAV is wrapped by errors about a WAV file the kiosk cannot read.
var ErrBadWAV = errors.New("bad WAV file")

// maxWAVBytes bounds the audio data read from one WAV file (about 20 min of
// 16 kHz mono; prompts are seconds long).
const maxWAVBytes = 64 << 20

// EncodeWAV writes pcm as a RIFF WAVE file: PCM format 1, mono, 16-bit.
func EncodeWAV(w io.Writer, pcm PCM) error {
	if err := pcm.Check(); err != nil {
		return err
	}
	n := len(pcm.Samples) * 2
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], uint32(pcm.Rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(pcm.Rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
	buf := make([]byte, 44+n)
	copy(buf, h[:])
	for i, s := range pcm.Samples {
		binary.LittleEndian.PutUint16(buf[44+2*i:], uint16(s))
	}
	_, err := w.Write(buf)
	return err
}

// DecodeWAV reads a RIFF WAVE file of 16-bit PCM (format 1 or
// WAVE_FORMAT_EXTENSIBLE with the PCM subformat). Several channels are mixed
// down to mono. Chunks other than fmt and data are skipped. espeak-ng writes
// a data size of 0x7ffff000 when it writes to a pipe: a data chunk that runs
// past the end of the file is read to the end.
func DecodeWAV(data []byte) (PCM, error) {
	bad := func(format string, args ...any) (PCM, error) {
		return PCM{}, fmt.Errorf("audio: %w: %s", ErrBadWAV, fmt.Sprintf(format, args...))
	}
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return bad("no RIFF/WAVE header")
	}
	var (
		haveFmt        bool
		channels, bits int
		rate           int
		format         uint16
	)
	p := data[12:]
	for len(p) >= 8 {
		id, size := string(p[0:4]), int(binary.LittleEndian.Uint32(p[4:8]))
		body := p[8:]
		if size < 0 || size > len(body) {
			if id != "data" {
				return bad("chunk %q of %d bytes runs past the end of the file", id, size)
			}
			size = len(body) &^ 1
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return bad("fmt chunk of %d bytes", size)
			}
			format = binary.LittleEndian.Uint16(body[0:])
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
			if format == 0xFFFE && size >= 40 {
				format = binary.LittleEndian.Uint16(body[24:])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return bad("data before fmt")
			}
			if format != 1 {
				return bad("format %d: only PCM (1) is read", format)
			}
			if bits != 16 {
				return bad("%d bits per sample: only 16 is read", bits)
			}
			if channels < 1 || channels > 8 {
				return bad("%d channels", channels)
			}
			if size > maxWAVBytes {
				return bad("%d bytes of audio: more than %d", size, maxWAVBytes)
			}
			out := PCM{Rate: rate}
			if err := out.Check(); err != nil {
				return PCM{}, fmt.Errorf("audio: %w: %v", ErrBadWAV, err)
			}
			frames := size / (2 * channels)
			out.Samples = make([]int16, frames)
			for i := range frames {
				sum := 0
				for c := range channels {
					sum += int(int16(binary.LittleEndian.Uint16(body[2*(i*channels+c):])))
				}
				out.Samples[i] = int16(sum / channels)
			}
			return out, nil
		}
		adv := 8 + size + size&1
		if adv > len(p) {
			break
		}
		p = p[adv:]
	}
	return bad("no data chunk")
}

// ReadWAV reads a WAV file.
func ReadWAV(path string) (PCM, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return PCM{}, fmt.Errorf("audio: %w", err)
	}
	p, err := DecodeWAV(b)
	if err != nil {
		return PCM{}, fmt.Errorf("%w (%s)", err, path)
	}
	return p, nil
}

// WriteWAV writes pcm to path as a WAV file (through a temporary file, so
// that a reader never sees half a file).
func WriteWAV(path string, pcm PCM) error {
	var buf bytes.Buffer
	if err := EncodeWAV(&buf, pcm); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("audio: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("audio: %w", err)
	}
	return nil
}
