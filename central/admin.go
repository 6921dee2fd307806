package central

import (
	"context"
	"encoding/base32"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hbzk/kiosk/device/idcard"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/record"
)

// MaxTokenTTL is the longest an enrolment token may stay valid.
const MaxTokenTTL = 90 * 24 * time.Hour

// CreateTokens makes n one-time enrolment tokens bound to spec (site,
// optional device name, expiry), stores their hashes and returns the
// tokens (shown once; central keeps only hashes).
//
// A token is "SECRET.FINGERPRINT": SECRET is 32 base32 characters (160
// random bits), the only part sent to central; FINGERPRINT is the 64 hex
// digits of SHA-256 over the DER of central's CA certificate (caFP, see
// CAFingerprint), which the kiosk checks the server's chain against
// before it sends SECRET. The token names neither the site nor the device:
// those live in the token's row at central.
func CreateTokens(ctx context.Context, st Storage, n int, spec TokenSpec, caFP string, now time.Time, rand io.Reader) ([]string, error) {
	if n < 1 || n > 100000 {
		return nil, fmt.Errorf("central: token count %d: want 1..100000", n)
	}
	if spec.Site == "" {
		return nil, fmt.Errorf("central: token: a site is required (a token is bound to one site)")
	}
	if len(spec.Site) > 256 || len(spec.Name) > 64 {
		return nil, fmt.Errorf("central: token: site or name too long")
	}
	if n > 1 && spec.Name != "" {
		return nil, fmt.Errorf("central: token: a device name binds one token, not %d", n)
	}
	if !spec.Expires.After(now) || spec.Expires.Sub(now) > MaxTokenTTL {
		return nil, fmt.Errorf("central: token: expiry %s: want within %s from now", spec.Expires.Format(time.RFC3339), MaxTokenTTL)
	}
	if len(caFP) != 64 || strings.Trim(caFP, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("central: token: CA fingerprint %q: want 64 lower-case hex digits", caFP)
	}
	toks := make([]string, n)
	hashes := make([]string, n)
	for i := range toks {
		b := make([]byte, 20)
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("central: token: %w", err)
		}
		secret := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		toks[i] = secret + "." + caFP
		hashes[i] = TokenHash(secret)
	}
	if err := st.AddTokens(ctx, hashes, spec, now); err != nil {
		return nil, err
	}
	return toks, nil
}

// CSVError is a bad line of a roster CSV file.
type CSVError struct {
	Line int
	// Col is the 1-based column of the bad field, 0 when the whole line
	// is at fault.
	Col int
	Msg string
}

func (e *CSVError) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("central: roster csv line %d column %d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("central: roster csv line %d: %s", e.Line, e.Msg)
}

// ParseRosterCSV reads a roster: a header line naming the columns
// id_number and name (required), site, state (pending or confirmed) and
// removed (true/false, 1/0) in any order, then one candidate a line.
func ParseRosterCSV(r io.Reader) ([]record.RosterEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{Line: 1, Msg: "empty file: want a header line (id_number,name[,site,state,removed])"}
	}
	if err != nil {
		return nil, fmt.Errorf("central: roster csv: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "id_number", "name", "site", "state", "removed":
		default:
			return nil, &CSVError{Line: 1, Msg: fmt.Sprintf("unknown column %q (known: id_number, name, site, state, removed)", h)}
		}
		if _, dup := col[h]; dup {
			return nil, &CSVError{Line: 1, Msg: fmt.Sprintf("column %q twice", h)}
		}
		col[h] = i
	}
	for _, need := range []string{"id_number", "name"} {
		if _, ok := col[need]; !ok {
			return nil, &CSVError{Line: 1, Msg: "missing column " + need}
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []record.RosterEntry
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &CSVError{Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, fmt.Errorf("central: roster csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(head) {
			return nil, &CSVError{Line: line, Msg: fmt.Sprintf("%d fields, header has %d", len(rec), len(head))}
		}
		e := record.RosterEntry{IDNumber: get(rec, "id_number"), Name: get(rec, "name"), Site: get(rec, "site"),
			State: record.RosterState(get(rec, "state"))}
		if e.IDNumber == "" {
			return nil, &CSVError{Line: line, Msg: "empty id_number"}
		}
		if len(e.IDNumber) > 64 || len(e.Name) > 256 || len(e.Site) > 256 {
			return nil, &CSVError{Line: line, Msg: "field too long"}
		}
		// A typo would leave a candidate who can never be confirmed.
		if !rosterNumberOK(e.IDNumber) {
			return nil, &CSVError{Line: line, Col: col["id_number"] + 1,
				Msg: "id_number: want an 18-character ID number with a valid GB 11643 check character, or a 15-character foreign permit number (3 letters, 12 digits)"}
		}
		if p, dup := seen[e.IDNumber]; dup {
			return nil, &CSVError{Line: line, Msg: fmt.Sprintf("id_number also on line %d", p)}
		}
		seen[e.IDNumber] = line
		switch e.State {
		case "":
			e.State = record.Pending
		case record.Pending, record.Confirmed:
		default:
			return nil, &CSVError{Line: line, Msg: fmt.Sprintf("state %q: want pending or confirmed", e.State)}
		}
		switch strings.ToLower(get(rec, "removed")) {
		case "", "0", "false", "no":
		case "1", "true", "yes":
			e.Removed = true
		default:
			return nil, &CSVError{Line: line, Msg: fmt.Sprintf("removed %q: want true or false", get(rec, "removed"))}
		}
		out = append(out, e)
	}
	return out, nil
}

// ExportSummary is what Export wrote.
type ExportSummary struct {
	Records int `json:"records"`
	Files   int `json:"files"`
}

// exportRecord is the JSON written for each record: the record without
// image bytes, the images' file names, and the signed envelope.
type exportRecord struct {
	Record     *record.Record    `json:"record"`
	Files      map[string]string `json:"files"`
	Hash       record.Hash       `json:"hash"`
	Signature  []byte            `json:"signature"`
	DeviceID   string            `json:"device_id"`
	ReceivedAt time.Time         `json:"received_at"`
}

var extensions = map[string]string{
	record.TypePNG: ".png", record.TypeJPEG: ".jpg", record.TypeWLT: ".wlt",
	record.TypeISOSig: ".iso", record.TypeStrokes: ".json",
}

// Export writes every record to dir/DEVICE/UUID/ (a record is identified
// by device and uuid): record.json and one file per image, decrypted
// (st opened with the key, see OpenSealed). Records already exported
// (record.json present) are skipped, so an export can be resumed.
func Export(ctx context.Context, st Storage, dir string) (ExportSummary, error) {
	var sum ExportSummary
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sum, fmt.Errorf("central: export: %w", err)
	}
	err := st.Records(ctx, func(row Row) error {
		for _, part := range []string{row.DeviceID, row.UUID} {
			if part == "" || part != filepath.Base(part) || strings.HasPrefix(part, ".") {
				return fmt.Errorf("central: export: bad device or uuid %q", part)
			}
		}
		rd := filepath.Join(dir, row.DeviceID, row.UUID)
		if _, err := os.Stat(filepath.Join(rd, "record.json")); err == nil {
			return nil
		}
		rec, err := record.Decode(row.Body)
		if err != nil {
			return fmt.Errorf("central: export %s: %w", row.UUID, err)
		}
		if err := os.MkdirAll(rd, 0o700); err != nil {
			return fmt.Errorf("central: export: %w", err)
		}
		ex := exportRecord{Record: rec, Files: map[string]string{}, Hash: row.Hash, Signature: row.Sig,
			DeviceID: row.DeviceID, ReceivedAt: row.ReceivedAt}
		blobs := []*record.Blob{&rec.Images.ChipPhotoWLT, &rec.Images.ChipPhoto, &rec.Images.LiveFrame, &rec.Images.RegPhoto,
			&rec.Images.SignaturePNG, &rec.Images.SignatureISO, &rec.Images.SignatureStrokes}
		for i, nb := range rec.Images.Named() {
			if nb.Blob.Empty() {
				continue
			}
			ext := extensions[nb.Blob.Type]
			if ext == "" {
				ext = ".bin"
			}
			name := nb.Name + ext
			if err := os.WriteFile(filepath.Join(rd, name), nb.Blob.Data, 0o600); err != nil {
				return fmt.Errorf("central: export: %w", err)
			}
			ex.Files[nb.Name] = name
			blobs[i].Data = nil
			sum.Files++
		}
		b, _ := json.MarshalIndent(ex, "", "  ")
		tmp := filepath.Join(rd, "record.json.tmp")
		if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("central: export: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(rd, "record.json")); err != nil {
			return fmt.Errorf("central: export: %w", err)
		}
		sum.Records++
		return nil
	})
	return sum, err
}

// rosterNumberOK applies the kiosk's own card check (device/idcard): an
// 18-character number (resident, HMT and 2023 foreign cards) needs a valid
// GB 11643 check character; the older 15-character foreign permit number
// (3 letters and 12 digits) has no check character.
func rosterNumberOK(s string) bool {
	if len(s) == 15 {
		for i := 0; i < 15; i++ {
			c := s[i]
			if i < 3 && (c < 'A' || c > 'Z') || i >= 3 && (c < '0' || c > '9') {
				return false
			}
		}
		return true
	}
	return idcard.ValidIDNumber(s)
}
