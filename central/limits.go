package central

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/record"
)

// Body limits per endpoint: what each one carries, with room to spare.
const (
	// MaxEnrolBody bounds POST /v1/enrol (a token, a 32-byte key, a site
	// name and a version string).
	MaxEnrolBody = 8 << 10
	// MaxSmallBody bounds heartbeats and renewals.
	MaxSmallBody = 64 << 10
	// DefaultMaxRecordBytes is the largest record body central takes by
	// default (records are ~140 KB today).
	DefaultMaxRecordBytes = 1 << 20
	// DefaultMaxBatch is the most records one upload may carry.
	DefaultMaxBatch = 64
)

// errBatchTooLarge: the upload's record count (read before any record is
// decoded) is above the limit.
type errBatchTooLarge struct{ n, max int }

func (e errBatchTooLarge) Error() string {
	return fmt.Sprintf("batch of %d records: at most %d", e.n, e.max)
}

// errTrailing: something follows the request's one value.
var errTrailing = errors.New("trailing data after the request body")

// uploadLimit is the records endpoint's body limit: the batch limit times
// the largest record, plus the envelope's share of each.
func (s *Server) uploadLimit() int64 {
	return int64(s.cfg.MaxBatch) * (int64(s.cfg.MaxRecordBytes)*4/3 + 1024)
}

// decodeOne decodes exactly one value from a body limited to limit bytes;
// anything after it is refused.
func (c codec) decodeOne(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, limit))
	if c.cbor {
		_, dm := record.CBOR()
		dec := dm.NewDecoder(body)
		if err := dec.Decode(v); err != nil {
			return err
		}
		return cborEOF(dec.Buffered(), body)
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	return jsonEOF(dec)
}

func cborEOF(buffered io.Reader, rest io.Reader) error {
	var b [1]byte
	if n, _ := buffered.Read(b[:]); n > 0 {
		return errTrailing
	}
	if n, err := rest.Read(b[:]); n > 0 {
		return errTrailing
	} else if err != nil && err != io.EOF {
		return err
	}
	return nil
}

func jsonEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); err == io.EOF {
		return nil
	} else if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
	}
	return errTrailing
}

// decodeUpload reads an UploadRequest as a stream: the record count is
// checked before any record is decoded (CBOR: the array header; JSON:
// counted while reading, stopping at max+1), each record is decoded on
// its own and checked against maxRecord, and the body's limit stops the
// read at the first byte past it.
func (c codec) decodeUpload(w http.ResponseWriter, r *http.Request, limit int64, max, maxRecord int) ([]record.Signed, error) {
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, limit))
	check := func(sg *record.Signed) error {
		if len(sg.Body) > maxRecord {
			return fmt.Errorf("record %q of %d bytes: at most %d", sg.UUID, len(sg.Body), maxRecord)
		}
		return nil
	}
	if c.cbor {
		n, err := cborUploadHeader(body)
		if err != nil {
			return nil, err
		}
		if n > uint64(max) {
			return nil, errBatchTooLarge{int(min(n, 1<<31)), max}
		}
		_, dm := record.CBOR()
		dec := dm.NewDecoder(body)
		out := make([]record.Signed, int(n))
		for i := range out {
			if err := dec.Decode(&out[i]); err != nil {
				return nil, err
			}
			if err := check(&out[i]); err != nil {
				return nil, err
			}
		}
		return out, cborEOF(dec.Buffered(), body)
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	out := []record.Signed{}
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if k, _ := tok.(string); k != "records" || seen {
			return nil, fmt.Errorf("json: unknown or repeated field %q", tok)
		}
		seen = true
		if t, err := dec.Token(); err != nil {
			return nil, err
		} else if t == nil {
			continue
		} else if d, ok := t.(json.Delim); !ok || d != '[' {
			return nil, errors.New("json: records: want an array")
		}
		for dec.More() {
			if len(out) == max {
				return nil, errBatchTooLarge{max + 1, max}
			}
			var sg record.Signed
			if err := dec.Decode(&sg); err != nil {
				return nil, err
			}
			if err := check(&sg); err != nil {
				return nil, err
			}
			out = append(out, sg)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return out, jsonEOF(dec)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("json: want %q, got %v", want, t)
	}
	return nil
}

// cborUploadHeader reads the head of a CBOR UploadRequest, a map of one
// pair "records": [ ... ] of definite length, and returns the array's
// length (before a record is read).
func cborUploadHeader(r *bufio.Reader) (uint64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xa1 { // map of one pair
		return 0, errors.New("cbor: upload: want a map of one key, records")
	}
	key := make([]byte, 8)
	if _, err := io.ReadFull(r, key); err != nil {
		return 0, err
	}
	if string(key) != "\x67records" {
		return 0, errors.New("cbor: upload: unknown field (want records)")
	}
	b, err = r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b>>5 != 4 { // major type 4: array
		return 0, errors.New("cbor: upload: records: want an array")
	}
	switch ai := b & 0x1f; {
	case ai < 24:
		return uint64(ai), nil
	case ai >= 24 && ai <= 27:
		buf := make([]byte, 1<<(ai-24))
		if _, err := io.ReadFull(r, buf); err != nil {
			return 0, err
		}
		var n uint64
		for _, x := range buf {
			n = n<<8 | uint64(x)
		}
		return n, nil
	}
	return 0, errors.New("cbor: upload: records: indefinite or malformed array length")
}

// limitListener accepts at most n connections at once: the next Accept
// waits until one closes (the kernel's backlog holds the rest).
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func newLimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// rejectLimiter is a token bucket for rejection rows and log lines: a
// flood of bad requests is counted in metrics but writes at most burst
// rows at once and rate rows a second after.
type rejectLimiter struct {
	mu         sync.Mutex
	rate       float64
	burst      float64
	tokens     float64
	last       time.Time
	suppressed int64
}

func (l *rejectLimiter) allow(now time.Time) (ok bool, suppressed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last.IsZero() {
		l.tokens = l.burst
	} else if d := now.Sub(l.last).Seconds(); d > 0 {
		l.tokens = min(l.burst, l.tokens+d*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	s := l.suppressed
	l.suppressed = 0
	return true, s
}
