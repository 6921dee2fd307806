// Package record is the confirmed identity record a kiosk produces for one
// candidate, its canonical encoding, its hash and its device signature, and
// the interfaces the candidate flow uses to keep records (Store) and to check
// the roster of registered candidates (Roster).
//
// Canonical form: the Record is encoded as deterministic CBOR (RFC 8949
// section 4.2.1, "core deterministic encoding": shortest integers and floats,
// map keys sorted bytewise, definite lengths); times are RFC 3339 strings in
// UTC. The content hash is SHA-256 of those bytes. The device signs
// SignedMessage(hash) with its ed25519 key. A body that does not re-encode to
// the same bytes is rejected, so one record has exactly one encoding and one
// hash. See docs/sync-protocol.md.
package record

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"
)

// SchemaVersion is the version of the Record layout this package writes.
// Decoders accept versions 1..SchemaVersion.
const SchemaVersion = 1

// Record is everything the kiosk confirmed about one candidate.
type Record struct {
	Schema    int    `cbor:"schema" json:"schema"`
	UUID      string `cbor:"uuid" json:"uuid"`
	DeviceID  string `cbor:"device_id" json:"device_id"`
	Site      string `cbor:"site" json:"site"`
	Simulated bool   `cbor:"simulated" json:"simulated"`
	// Software is the kiosk's version string.
	Software string `cbor:"software" json:"software"`

	Times    Times    `cbor:"times" json:"times"`
	Card     Card     `cbor:"card" json:"card"`
	Images   Images   `cbor:"images" json:"images"`
	Scores   Scores   `cbor:"scores" json:"scores"`
	Attempts Attempts `cbor:"attempts" json:"attempts"`
	// Models maps a model role ("detect", "feature", ...) to its version or
	// sha256.
	Models map[string]string `cbor:"models" json:"models"`
}

// Times are the instants of each step of the session (zero when a step did
// not happen).
type Times struct {
	Started   time.Time `cbor:"started" json:"started"`
	CardRead  time.Time `cbor:"card_read" json:"card_read"`
	Liveness  time.Time `cbor:"liveness" json:"liveness"`
	FaceMatch time.Time `cbor:"face_match" json:"face_match"`
	Photo     time.Time `cbor:"photo" json:"photo"`
	Signature time.Time `cbor:"signature" json:"signature"`
	Confirmed time.Time `cbor:"confirmed" json:"confirmed"`
}

// Card is the text read from the ID card chip. Which fields are set depends
// on the card type: " " resident ID, "J" HK/Macau/Taiwan residence permit,
// "I" foreign permanent resident card.
type Card struct {
	Type         string `cbor:"type" json:"type"`
	Name         string `cbor:"name" json:"name"`
	NameEN       string `cbor:"name_en" json:"name_en"`
	Sex          string `cbor:"sex" json:"sex"`
	Nation       string `cbor:"nation" json:"nation"`
	Nationality  string `cbor:"nationality" json:"nationality"`
	Birth        string `cbor:"birth" json:"birth"`
	Address      string `cbor:"address" json:"address"`
	IDNumber     string `cbor:"id_number" json:"id_number"`
	PermitNumber string `cbor:"permit_number" json:"permit_number"`
	Authority    string `cbor:"authority" json:"authority"`
	ValidFrom    string `cbor:"valid_from" json:"valid_from"`
	ValidTo      string `cbor:"valid_to" json:"valid_to"`
}

// Blob is an opaque image or document with its content type.
type Blob struct {
	Type string `cbor:"type" json:"type"`
	Data []byte `cbor:"data" json:"data"`
}

// Empty reports whether the blob holds nothing.
func (b Blob) Empty() bool { return len(b.Data) == 0 }

// Content types used by the kiosk.
const (
	TypeWLT     = "application/x-wlt"
	TypePNG     = "image/png"
	TypeJPEG    = "image/jpeg"
	TypeISOSig  = "application/x-iso19794-7"
	TypeStrokes = "application/json"
)

// Images are the record's pictures and signature data.
type Images struct {
	ChipPhotoWLT     Blob `cbor:"chip_photo_wlt" json:"chip_photo_wlt"`
	ChipPhoto        Blob `cbor:"chip_photo" json:"chip_photo"`
	LiveFrame        Blob `cbor:"live_frame" json:"live_frame"`
	RegPhoto         Blob `cbor:"reg_photo" json:"reg_photo"`
	SignaturePNG     Blob `cbor:"signature_png" json:"signature_png"`
	SignatureISO     Blob `cbor:"signature_iso" json:"signature_iso"`
	SignatureStrokes Blob `cbor:"signature_strokes" json:"signature_strokes"`
}

// Named lists the images with stable names (for export file names).
func (im *Images) Named() []NamedBlob {
	return []NamedBlob{
		{"chip_photo_wlt", im.ChipPhotoWLT}, {"chip_photo", im.ChipPhoto},
		{"live_frame", im.LiveFrame}, {"reg_photo", im.RegPhoto},
		{"signature_png", im.SignaturePNG}, {"signature_iso", im.SignatureISO},
		{"signature_strokes", im.SignatureStrokes},
	}
}

// NamedBlob is a Blob with its field name.
type NamedBlob struct {
	Name string
	Blob Blob
}

// Scores are the measured scores and the thresholds they were held to.
type Scores struct {
	Match               float64 `cbor:"match" json:"match"`
	MatchThreshold      float64 `cbor:"match_threshold" json:"match_threshold"`
	Liveness            float64 `cbor:"liveness" json:"liveness"`
	LivenessThreshold   float64 `cbor:"liveness_threshold" json:"liveness_threshold"`
	PhotoMatch          float64 `cbor:"photo_match" json:"photo_match"`
	PhotoMatchThreshold float64 `cbor:"photo_match_threshold" json:"photo_match_threshold"`
}

// Attempts counts the tries of each retryable step.
type Attempts struct {
	Face      int `cbor:"face" json:"face"`
	Photo     int `cbor:"photo" json:"photo"`
	Signature int `cbor:"signature" json:"signature"`
}

// Errors callers branch on.
var (
	// ErrInvalid: the record or its encoding breaks a rule.
	ErrInvalid = errors.New("invalid record")
	// ErrHash: the body does not hash to the stated hash (tampered).
	ErrHash = errors.New("hash mismatch")
	// ErrSignature: the signature does not verify with the device key.
	ErrSignature = errors.New("bad signature")
)

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	eo := cbor.CoreDetEncOptions()
	eo.Time = cbor.TimeRFC3339Nano
	var err error
	if encMode, err = eo.EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   16,
		MaxArrayElements:  1024,
		MaxMapPairs:       1024,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// New returns a record with a fresh random UUID (read from rand) and the
// current schema.
func New(rand interface{ Read([]byte) (int, error) }, deviceID string) (*Record, error) {
	u, err := uuid.NewRandomFromReader(rand)
	if err != nil {
		return nil, fmt.Errorf("record: new uuid: %w", err)
	}
	return &Record{Schema: SchemaVersion, UUID: u.String(), DeviceID: deviceID}, nil
}

// Validate checks the rules every stored record keeps.
func (r *Record) Validate() error {
	if r.Schema < 1 || r.Schema > SchemaVersion {
		return fmt.Errorf("record: schema %d: want 1..%d: %w", r.Schema, SchemaVersion, ErrInvalid)
	}
	u, err := uuid.Parse(r.UUID)
	if err != nil || u.String() != r.UUID {
		return fmt.Errorf("record: uuid %q: want the canonical lower-case form: %w", r.UUID, ErrInvalid)
	}
	if r.DeviceID == "" || len(r.DeviceID) > 64 {
		return fmt.Errorf("record: device id: want 1..64 characters: %w", ErrInvalid)
	}
	for _, f := range []float64{r.Scores.Match, r.Scores.MatchThreshold, r.Scores.Liveness,
		r.Scores.LivenessThreshold, r.Scores.PhotoMatch, r.Scores.PhotoMatchThreshold} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("record: score is not a finite number: %w", ErrInvalid)
		}
	}
	return nil
}

// normalise puts times in UTC without monotonic readings so that encoding
// is a function of the values only.
func (r *Record) normalise() {
	for _, t := range []*time.Time{&r.Times.Started, &r.Times.CardRead, &r.Times.Liveness,
		&r.Times.FaceMatch, &r.Times.Photo, &r.Times.Signature, &r.Times.Confirmed} {
		*t = t.UTC().Round(0)
	}
	if len(r.Models) == 0 {
		r.Models = nil
	}
}

// Encode returns the canonical encoding of a valid record.
func Encode(r *Record) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	c := *r
	c.normalise()
	b, err := encMode.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("record: encode: %w", err)
	}
	return b, nil
}

// Decode parses a canonical encoding. Bytes that are not exactly the
// canonical encoding of the record they decode to are rejected (ErrInvalid).
func Decode(b []byte) (*Record, error) {
	var r Record
	if err := decMode.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("record: decode: %w: %w", ErrInvalid, err)
	}
	again, err := Encode(&r)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("record: decode: not the canonical encoding: %w", ErrInvalid)
	}
	return &r, nil
}

// Hash is the SHA-256 of a canonical encoding.
type Hash [sha256.Size]byte

// Sum hashes a canonical encoding.
func Sum(body []byte) Hash { return sha256.Sum256(body) }

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads a hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("record: hash %q: want 64 hex digits: %w", s, ErrInvalid)
	}
	copy(h[:], b)
	return h, nil
}

// signContext separates record signatures from any other use of the key
// (the same key authenticates the device in TLS).
const signContext = "hbzk-kiosk record v1\x00"

// SignedMessage is the message the device key signs for a body hash.
func SignedMessage(h Hash) []byte { return append([]byte(signContext), h[:]...) }

// Signed is a record as it travels: its canonical body, hash and device
// signature. It is what the outbox holds and what central stores.
type Signed struct {
	UUID     string `cbor:"uuid" json:"uuid"`
	DeviceID string `cbor:"device_id" json:"device_id"`
	Hash     Hash   `cbor:"hash" json:"hash"`
	Sig      []byte `cbor:"sig" json:"sig"`
	Body     []byte `cbor:"body" json:"body"`
}

// Sign encodes r and signs it with key.
func Sign(r *Record, key ed25519.PrivateKey) (*Signed, error) {
	body, err := Encode(r)
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("record: sign: device key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	h := Sum(body)
	return &Signed{UUID: r.UUID, DeviceID: r.DeviceID, Hash: h, Sig: ed25519.Sign(key, SignedMessage(h)), Body: body}, nil
}

// Verify checks a signed record against the device's public key and
// returns the decoded record. It checks, in order: the hash of the body
// (ErrHash), the signature (ErrSignature), the canonical body (ErrInvalid),
// and that the envelope's UUID and device id are the body's (ErrInvalid).
func Verify(s *Signed, pub ed25519.PublicKey) (*Record, error) {
	if Sum(s.Body) != s.Hash {
		return nil, fmt.Errorf("record: %s: %w", s.UUID, ErrHash)
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, SignedMessage(s.Hash), s.Sig) {
		return nil, fmt.Errorf("record: %s: %w", s.UUID, ErrSignature)
	}
	r, err := Decode(s.Body)
	if err != nil {
		return nil, err
	}
	if r.UUID != s.UUID || r.DeviceID != s.DeviceID {
		return nil, fmt.Errorf("record: %s: envelope does not match the body: %w", s.UUID, ErrInvalid)
	}
	return r, nil
}

// MarshalSigned encodes a signed record as CBOR (for the outbox and the
// wire).
func MarshalSigned(s *Signed) ([]byte, error) { return encMode.Marshal(s) }

// UnmarshalSigned decodes MarshalSigned's output.
func UnmarshalSigned(b []byte) (*Signed, error) {
	var s Signed
	if err := decMode.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("record: signed envelope: %w: %w", ErrInvalid, err)
	}
	return &s, nil
}

// CBOR returns the package's encoding and decoding modes, for the wire
// format of the sync protocol.
func CBOR() (cbor.EncMode, cbor.DecMode) { return encMode, decMode }

// MarshalText writes the hash in hex (JSON).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hex hash.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Reference is a record's confirmation reference for the candidate: the
// first eight hex digits of its UUID in two groups (3F2A-91C0), short to
// read out and enough for the exam office to find the record.
func Reference(uuid string) string {
	var b []byte
	for i := 0; i < len(uuid) && len(b) < 8; i++ {
		c := uuid[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			b = append(b, c)
		case c >= 'a' && c <= 'f':
			b = append(b, c-'a'+'A')
		}
	}
	if len(b) <= 4 {
		return string(b)
	}
	return string(b[:4]) + "-" + string(b[4:])
}
