package idcard

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"
)

// Type is the kind of card.
type Type int

const (
	// Resident is the second-generation resident identity card (type byte ' ').
	Resident Type = iota
	// HMTPermit is the residence permit for Hong Kong, Macau and Taiwan
	// residents (type byte 'J').
	HMTPermit
	// ForeignPermanent is the foreign permanent resident ID card (type byte 'I').
	ForeignPermanent
)

// String gives the JSON name: "resident", "hmt_permit", "foreign_permanent".
func (t Type) String() string {
	switch t {
	case Resident:
		return "resident"
	case HMTPermit:
		return "hmt_permit"
	case ForeignPermanent:
		return "foreign_permanent"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, error) {
	for _, t := range []Type{Resident, HMTPermit, ForeignPermanent} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("idcard: card type %q: want resident, hmt_permit or foreign_permanent", s)
}

// Sex as written on the card.
type Sex int

const (
	SexUnknown Sex = iota
	Male
	Female
)

// String gives "male", "female" or "unknown".
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// Chinese gives 男 or 女.
func (s Sex) Chinese() string {
	switch s {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return "未知"
}

// ParseSex is the inverse of Sex.String.
func ParseSex(s string) (Sex, error) {
	switch s {
	case "male":
		return Male, nil
	case "female":
		return Female, nil
	}
	return SexUnknown, fmt.Errorf("idcard: sex %q: want male or female", s)
}

// Date is a calendar date as printed on a card. The zero Date is "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// IsZero reports whether the date is not set.
func (d Date) IsZero() bool { return d == Date{} }

// String gives YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Compact gives YYYYMMDD, the chip's form.
func (d Date) Compact() string { return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// ChinaZone is the time zone card dates are written in (UTC+8).
var ChinaZone = time.FixedZone("CST", 8*3600)

// DateOf is the date in China of an instant.
func DateOf(t time.Time) Date {
	y, m, d := t.In(ChinaZone).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYYMMDD (the chip's form) or YYYY-MM-DD, and checks that
// the date exists.
func ParseDate(s string) (Date, error) {
	layout := "20060102"
	if len(s) == 10 {
		layout = "2006-01-02"
	}
	if len(s) != len(layout) {
		return Date{}, fmt.Errorf("want YYYYMMDD, got %d characters", len([]rune(s)))
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9' || layout[i] == '-' && r == '-') {
			return Date{}, fmt.Errorf("want YYYYMMDD, got a non-digit")
		}
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a calendar date")
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// LongTerm is how the chip writes "no expiry".
const LongTerm = "长期"

// Card is what the chip of a card holds. Fields a card type does not have
// stay empty.
type Card struct {
	Type Type
	// Name is the Chinese name (for a foreign card: the Chinese name field,
	// often empty).
	Name string
	// NameEN is the English name of a foreign permanent resident card.
	NameEN string
	Sex    Sex
	// Nation is the two-digit nation code (resident cards only).
	Nation string
	Birth  Date
	// Address is the registered address (resident and HMT permit).
	Address string
	// IDNumber is the 18-character citizen identity number (resident and
	// HMT permit).
	IDNumber string
	// Authority is the issuing authority (for a foreign card: its code).
	Authority string
	ValidFrom Date
	// ValidTo is the last day of validity; zero when NoExpiry.
	ValidTo  Date
	NoExpiry bool
	// PermitNumber: the HMT permit's pass number, or the foreign card's
	// permit number.
	PermitNumber string
	// IssueCount is the HMT permit's issue count ("01").
	IssueCount string
	// Nationality is the foreign card's ISO 3166 alpha-3 code.
	Nationality string
	// Version is the foreign card's card version.
	Version string
	// Photo is the raw chip photo (WLT, 1024 bytes); PhotoSHA256 its hash.
	Photo       []byte
	PhotoSHA256 [32]byte
	// Fingerprint is the fingerprint data of a 30 10 read (else empty).
	Fingerprint []byte
}

// SetPhoto stores the raw photo and its hash.
func (c *Card) SetPhoto(wlt []byte) {
	c.Photo = append([]byte(nil), wlt...)
	c.PhotoSHA256 = sha256.Sum256(c.Photo)
}

// Number is the number the card is known by: the ID number, or the permit
// number of a foreign card.
func (c *Card) Number() string {
	if c.Type == ForeignPermanent {
		return c.PermitNumber
	}
	return c.IDNumber
}

// NationName is the Chinese name of the nation code ("" when unknown).
func (c *Card) NationName() string { return NationName(c.Nation) }

// LogValue keeps personal data out of logs: only the type and whether a
// photo is present are logged.
func (c *Card) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", c.Type.String()), slog.Int("photo_bytes", len(c.Photo)))
}

// String hides the personal data from fmt too.
func (c *Card) String() string { return "idcard.Card{" + c.Type.String() + "}" }
