package idcard

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Sizes of the chip data blocks.
const (
	TextSize  = 256
	PhotoSize = 1024
)

// field is one fixed-width UCS-2 field of the text block.
type field struct {
	name     string
	off, len int
}

var (
	fName      = field{"name", 0, 30}
	fSex       = field{"sex", 30, 2}
	fNation    = field{"nation", 32, 4}
	fBirth     = field{"birth", 36, 16}
	fAddress   = field{"address", 52, 70}
	fIDNumber  = field{"id_number", 122, 36}
	fAuthority = field{"authority", 158, 30}
	fValidFrom = field{"valid_from", 188, 16}
	fValidTo   = field{"valid_to", 204, 16}
	fPermit    = field{"permit_number", 220, 18}
	fIssues    = field{"issue_count", 238, 4}
	fType      = field{"type", 248, 2}

	fNameEN      = field{"name_en", 0, 120}
	fFSex        = field{"sex", 120, 2}
	fFPermit     = field{"permit_number", 122, 30}
	fNationality = field{"nationality", 152, 6}
	fCName       = field{"name", 158, 30}
	fFBirth      = field{"birth", 220, 16}
	fVersion     = field{"version", 236, 4}
	fAuthCode    = field{"authority", 240, 8}
)

// get decodes a field: UCS-2 LE (surrogate pairs allowed), trailing and
// leading spaces and NULs trimmed. Control characters and unpaired
// surrogates are errors.
func get(text []byte, f field) (string, error) {
	b := text[f.off : f.off+f.len]
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	rs := utf16.Decode(u)
	for _, r := range rs {
		if r == unicode.ReplacementChar {
			return "", &FieldError{f.name, "not valid UCS-2 (unpaired surrogate)"}
		}
		if r != 0 && unicode.IsControl(r) {
			return "", &FieldError{f.name, fmt.Sprintf("control character U+%04X", r)}
		}
	}
	return strings.Trim(string(rs), " \x00\u3000"), nil
}

// ParseText decodes the 256-byte text block of a card. It checks the layout
// (type byte, sex code, nation code, dates) but not the ID number's check
// digit or the validity against the clock: see Check.
func ParseText(text []byte) (*Card, error) {
	if len(text) != TextSize {
		return nil, &FieldError{"text", fmt.Sprintf("want %d bytes, got %d", TextSize, len(text))}
	}
	typ, err := get(text, fType)
	if err != nil {
		return nil, err
	}
	c := &Card{}
	switch typ {
	case "":
		c.Type = Resident
	case "J":
		c.Type = HMTPermit
	case "I":
		c.Type = ForeignPermanent
	default:
		return nil, &FieldError{"type", fmt.Sprintf("unknown card type %q", typ)}
	}
	var fields []struct {
		f   field
		dst *string
	}
	var sexF, birthF field
	if c.Type == ForeignPermanent {
		sexF, birthF = fFSex, fFBirth
		fields = []struct {
			f   field
			dst *string
		}{{fNameEN, &c.NameEN}, {fFPermit, &c.PermitNumber}, {fNationality, &c.Nationality},
			{fCName, &c.Name}, {fVersion, &c.Version}, {fAuthCode, &c.Authority}}
	} else {
		sexF, birthF = fSex, fBirth
		fields = []struct {
			f   field
			dst *string
		}{{fName, &c.Name}, {fNation, &c.Nation}, {fAddress, &c.Address}, {fIDNumber, &c.IDNumber},
			{fAuthority, &c.Authority}}
		if c.Type == HMTPermit {
			fields = append(fields, struct {
				f   field
				dst *string
			}{fPermit, &c.PermitNumber}, struct {
				f   field
				dst *string
			}{fIssues, &c.IssueCount})
		}
	}
	for _, x := range fields {
		if *x.dst, err = get(text, x.f); err != nil {
			return nil, err
		}
	}
	sex, err := get(text, sexF)
	if err != nil {
		return nil, err
	}
	switch sex {
	case "1":
		c.Sex = Male
	case "2":
		c.Sex = Female
	default:
		return nil, &FieldError{"sex", fmt.Sprintf("want 1 or 2, got %q", sex)}
	}
	if c.Type != ForeignPermanent && c.Nation != "" && NationName(c.Nation) == "" {
		return nil, &FieldError{"nation", fmt.Sprintf("unknown nation code %q", c.Nation)}
	}
	if c.Type == Resident && c.Nation == "" {
		return nil, &FieldError{"nation", "empty"}
	}
	if c.Birth, err = getDate(text, birthF); err != nil {
		return nil, err
	}
	if c.ValidFrom, err = getDate(text, fValidFrom); err != nil {
		return nil, err
	}
	to, err := get(text, fValidTo)
	if err != nil {
		return nil, err
	}
	if to == LongTerm {
		c.NoExpiry = true
	} else if c.ValidTo, err = parseDateField(fValidTo, to); err != nil {
		return nil, err
	}
	if !c.NoExpiry && c.ValidTo.Before(c.ValidFrom) {
		return nil, &FieldError{"valid_to", "before valid_from"}
	}
	return c, nil
}

func getDate(text []byte, f field) (Date, error) {
	s, err := get(text, f)
	if err != nil {
		return Date{}, err
	}
	return parseDateField(f, s)
}

func parseDateField(f field, s string) (Date, error) {
	if len(s) != 8 {
		return Date{}, &FieldError{f.name, fmt.Sprintf("want YYYYMMDD, got %d characters", len([]rune(s)))}
	}
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, &FieldError{f.name, err.Error()}
	}
	return d, nil
}

// put writes s into a field, padded with spaces.
func put(text []byte, f field, s string) error {
	u := utf16.Encode([]rune(s))
	if 2*len(u) > f.len {
		return &FieldError{f.name, fmt.Sprintf("too long: %d UCS-2 units, room for %d", len(u), f.len/2)}
	}
	for i := 0; i < f.len/2; i++ {
		v := uint16(' ')
		if i < len(u) {
			v = u[i]
		}
		binary.LittleEndian.PutUint16(text[f.off+2*i:], v)
	}
	return nil
}

// EncodeText writes the 256-byte text block of a card, the inverse of
// ParseText. It writes what it is given (an ID number with a wrong check
// digit stays wrong): simulators and tests use it.
func EncodeText(c *Card) ([]byte, error) {
	text := make([]byte, TextSize)
	// The unused tail is spaces, as on real cards.
	for i := 0; i < TextSize; i += 2 {
		text[i] = ' '
	}
	sex := map[Sex]string{Male: "1", Female: "2"}[c.Sex]
	if sex == "" {
		return nil, &FieldError{"sex", "want male or female"}
	}
	validTo := LongTerm
	if !c.NoExpiry {
		validTo = c.ValidTo.Compact()
	}
	type fv struct {
		f field
		v string
	}
	var fs []fv
	switch c.Type {
	case Resident, HMTPermit:
		fs = []fv{{fName, c.Name}, {fSex, sex}, {fNation, c.Nation}, {fBirth, c.Birth.Compact()},
			{fAddress, c.Address}, {fIDNumber, c.IDNumber}, {fAuthority, c.Authority},
			{fValidFrom, c.ValidFrom.Compact()}, {fValidTo, validTo}, {fType, " "}}
		if c.Type == HMTPermit {
			fs = append(fs, fv{fPermit, c.PermitNumber}, fv{fIssues, c.IssueCount}, fv{fType, "J"})
		}
	case ForeignPermanent:
		fs = []fv{{fNameEN, c.NameEN}, {fFSex, sex}, {fFPermit, c.PermitNumber},
			{fNationality, c.Nationality}, {fCName, c.Name}, {fValidFrom, c.ValidFrom.Compact()},
			{fValidTo, validTo}, {fFBirth, c.Birth.Compact()}, {fVersion, c.Version},
			{fAuthCode, c.Authority}, {fType, "I"}}
	default:
		return nil, &FieldError{"type", c.Type.String()}
	}
	for _, x := range fs {
		if err := put(text, x.f, x.v); err != nil {
			return nil, err
		}
	}
	return text, nil
}

// ParseChipData decodes the answer data of the read commands: 30 01 (text
// and photo) or, with fingerprint true, 30 10 (text, photo and
// fingerprint). The lengths come first, big-endian.
func ParseChipData(data []byte, fingerprint bool) (*Card, error) {
	hdr := 4
	if fingerprint {
		hdr = 6
	}
	if len(data) < hdr {
		return nil, &FieldError{"lengths", fmt.Sprintf("answer data too short: %d bytes", len(data))}
	}
	tl := int(binary.BigEndian.Uint16(data))
	pl := int(binary.BigEndian.Uint16(data[2:]))
	fl := 0
	if fingerprint {
		fl = int(binary.BigEndian.Uint16(data[4:]))
	}
	if tl != TextSize {
		return nil, &FieldError{"lengths", fmt.Sprintf("text length %d, want %d", tl, TextSize)}
	}
	if pl != PhotoSize {
		return nil, &FieldError{"lengths", fmt.Sprintf("photo length %d, want %d", pl, PhotoSize)}
	}
	if len(data) != hdr+tl+pl+fl {
		return nil, &FieldError{"lengths", fmt.Sprintf("answer data is %d bytes, the lengths say %d", len(data), hdr+tl+pl+fl)}
	}
	c, err := ParseText(data[hdr : hdr+tl])
	if err != nil {
		return nil, err
	}
	c.SetPhoto(data[hdr+tl : hdr+tl+pl])
	if fl > 0 {
		c.Fingerprint = append([]byte(nil), data[hdr+tl+pl:]...)
	}
	return c, nil
}

// EncodeChipData is the inverse of ParseChipData: lengths, text, photo and,
// when fp is not nil, the fingerprint data (the 30 10 layout).
func EncodeChipData(c *Card, fp []byte) ([]byte, error) {
	text, err := EncodeText(c)
	if err != nil {
		return nil, err
	}
	if len(c.Photo) != PhotoSize {
		return nil, &FieldError{"photo", fmt.Sprintf("want %d bytes, got %d", PhotoSize, len(c.Photo))}
	}
	var out []byte
	out = binary.BigEndian.AppendUint16(out, TextSize)
	out = binary.BigEndian.AppendUint16(out, PhotoSize)
	if fp != nil {
		out = binary.BigEndian.AppendUint16(out, uint16(len(fp)))
	}
	out = append(out, text...)
	out = append(out, c.Photo...)
	return append(out, fp...), nil
}
