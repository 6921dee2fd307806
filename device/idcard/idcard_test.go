package idcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
)

func d(s string) Date {
	x, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

// Invented people; the ID numbers are the standard's own examples or carry
// invented serial digits with a computed check character.
var (
	resident = Card{Type: Resident, Name: "张晓雯", Sex: Female, Nation: "01", Birth: d("19490823"),
		Address: "北京市海淀区学院路100号", IDNumber: "11010819490823002X", Authority: "北京市公安局海淀分局",
		ValidFrom: d("20210501"), ValidTo: d("20410501")}
	residentLong = Card{Type: Resident, Name: "李国强", Sex: Male, Nation: "03", Birth: d("19491231"),
		Address: "宁夏回族自治区银川市兴庆区解放街1号", IDNumber: "11010519491231002X", Authority: "银川市公安局",
		ValidFrom: d("20150101"), NoExpiry: true}
	hmt = Card{Type: HMTPermit, Name: "陈家明", Sex: Male, Birth: d("19950616"),
		Address: "广东省深圳市福田区福华路8号", IDNumber: "810000199506160016", Authority: "深圳市公安局",
		ValidFrom: d("20230301"), ValidTo: d("20280301"), PermitNumber: "H60000001", IssueCount: "01"}
	foreign = Card{Type: ForeignPermanent, NameEN: "SMITH, JANE ALICE", Name: "简史密斯", Sex: Female,
		Birth: d("19880214"), PermitNumber: "USA110088021401", Nationality: "USA", Authority: "1500",
		Version: "01", ValidFrom: d("20200110"), ValidTo: d("20300110")}
)

func init() {
	// Fix the check characters of the invented numbers.
	for _, c := range []*Card{&resident, &hmt} {
		cd, _ := CheckDigit(c.IDNumber[:17])
		c.IDNumber = c.IDNumber[:17] + string(cd)
	}
	for _, c := range []*Card{&resident, &residentLong, &hmt, &foreign} {
		p := bytes.Repeat([]byte{0xA5}, PhotoSize)
		p[0] = byte(c.Type)
		c.SetPhoto(p)
	}
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"11010519491231002X", true}, // GB 11643-1999's example
		{"11010519491231002x", true},
		{"440524188001010014", true}, // a textbook example
		{"440524188001010015", false},
		{"110105194912310021", false},
		{"11010519491231002", false},
		{"1101051949123100XX", false},
		{"A1010519491231002X", false},
		{"", false},
	} {
		if got := ValidIDNumber(tc.id); got != tc.ok {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
	if _, err := CheckDigit("123"); err == nil {
		t.Error("CheckDigit of 3 digits: no error")
	}
}

func TestNations(t *testing.T) {
	if NationCodes() != 58 {
		t.Errorf("%d nation codes, want 56+2", NationCodes())
	}
	for code, want := range map[string]string{"01": "汉", "05": "维吾尔", "56": "基诺", "97": "其他", "98": "外国血统中国籍人士", "57": "", "00": ""} {
		if got := NationName(code); got != want {
			t.Errorf("NationName(%s) = %q, want %q", code, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []Card{resident, residentLong, hmt, foreign} {
		t.Run(c.Type.String()+"/"+c.Birth.String(), func(t *testing.T) {
			data, err := EncodeChipData(&c, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseChipData(data, false)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != c.String() || !equalCards(got, &c) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, c)
			}
			fp := []byte{1, 2, 3, 4}
			data, _ = EncodeChipData(&c, fp)
			got, err = ParseChipData(data, true)
			if err != nil || !bytes.Equal(got.Fingerprint, fp) {
				t.Errorf("with fingerprint: %v %x", err, got.Fingerprint)
			}
		})
	}
}

func equalCards(a, b *Card) bool {
	x, y := *a, *b
	if !bytes.Equal(x.Photo, y.Photo) || x.PhotoSHA256 != y.PhotoSHA256 {
		return false
	}
	x.Photo, y.Photo, x.Fingerprint, y.Fingerprint = nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}

// textOf encodes a card and lets f damage the text block.
func textOf(c Card, f func(text []byte)) []byte {
	text, err := EncodeText(&c)
	if err != nil {
		panic(err)
	}
	if f != nil {
		f(text)
	}
	return text
}

func setField(fl field, s string) func([]byte) {
	return func(b []byte) {
		if err := put(b, fl, s); err != nil {
			panic(err)
		}
	}
}

var parseCases = []struct {
	name  string
	text  []byte
	field string // "" means it parses
}{
	{"resident", textOf(resident, nil), ""},
	{"long-term", textOf(residentLong, nil), ""},
	{"hmt", textOf(hmt, nil), ""},
	{"foreign", textOf(foreign, nil), ""},
	{"NUL padding", textOf(resident, func(b []byte) {
		for i := 2 * 3; i < 30; i++ {
			b[i] = 0
		}
	}), ""},
	{"short", make([]byte, 100), "text"},
	{"unknown type", textOf(resident, setField(fType, "Q")), "type"},
	{"bad sex", textOf(resident, setField(fSex, "3")), "sex"},
	{"bad nation", textOf(resident, setField(fNation, "77")), "nation"},
	{"empty nation", textOf(resident, setField(fNation, "")), "nation"},
	{"bad birth", textOf(resident, setField(fBirth, "19490231")), "birth"},
	{"letters in birth", textOf(resident, setField(fBirth, "1949O823")), "birth"},
	{"short birth", textOf(resident, setField(fBirth, "194908")), "birth"},
	{"bad valid to", textOf(resident, setField(fValidTo, "永久")), "valid_to"},
	{"to before from", textOf(resident, setField(fValidTo, "20200101")), "valid_to"},
	{"control char", textOf(resident, setField(fAddress, "a\x01b")), "address"},
	{"lone surrogate", textOf(resident, func(b []byte) { binary.LittleEndian.PutUint16(b[0:], 0xD800) }), "name"},
	{"foreign bad birth", textOf(foreign, setField(fFBirth, "19881314")), "birth"},
}

func TestParseText(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseText(tc.text)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrBadData) {
				t.Fatalf("got %v, %v; want a FieldError for %s", c, err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "idcard: field "+tc.field+": ") {
				t.Errorf("message %q", err)
			}
		})
	}
	c, _ := ParseText(parseCases[4].text)
	if c.Name != "张晓雯" {
		t.Errorf("NUL padded name %q", c.Name)
	}
}

func TestParseChipDataErrors(t *testing.T) {
	good, _ := EncodeChipData(&resident, nil)
	for _, tc := range []struct {
		name string
		data []byte
		fp   bool
	}{
		{"empty", nil, false},
		{"truncated", good[:len(good)-1], false},
		{"extra", append(append([]byte{}, good...), 0), false},
		{"text length", append([]byte{1, 1}, good[2:]...), false},
		{"photo length", append([]byte{1, 0, 3, 0}, good[4:]...), false},
		{"fingerprint expected", good, true},
	} {
		if _, err := ParseChipData(tc.data, tc.fp); !errors.Is(err, ErrBadData) {
			t.Errorf("%s: %v, want ErrBadData", tc.name, err)
		}
	}
}

func TestCheck(t *testing.T) {
	at := func(s string) *clocktest.Fake {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", s, ChinaZone)
		return clocktest.New(tm)
	}
	badDigit := resident
	badDigit.IDNumber = resident.IDNumber[:17] + "5"
	if ValidIDNumber(badDigit.IDNumber) {
		badDigit.IDNumber = resident.IDNumber[:17] + "6"
	}
	otherBirth := resident
	otherBirth.Birth = d("19490824")
	newForeign := foreign
	newForeign.PermitNumber = "931586198802140018"
	cd, _ := CheckDigit(newForeign.PermitNumber[:17])
	newForeign.PermitNumber = newForeign.PermitNumber[:17] + string(cd)
	for _, tc := range []struct {
		name string
		c    Card
		now  string
		want []error
	}{
		{"valid", resident, "2026-11-28 10:00", nil},
		{"last day", resident, "2041-05-01 23:59", nil},
		{"expired next day (China time)", resident, "2041-05-02 00:01", []error{ErrExpired}},
		{"not yet valid", resident, "2021-04-30 12:00", []error{ErrNotYetValid}},
		{"long-term", residentLong, "2099-01-01 00:00", nil},
		{"hmt", hmt, "2026-11-28 10:00", nil},
		{"foreign old number", foreign, "2026-11-28 10:00", nil},
		{"foreign 2023 number", newForeign, "2026-11-28 10:00", nil},
		{"bad check digit", badDigit, "2026-11-28 10:00", []error{ErrIDChecksum}},
		{"birth mismatch", otherBirth, "2026-11-28 10:00", []error{ErrBirthMismatch}},
		{"bad digit and expired", badDigit, "2042-01-01 10:00", []error{ErrIDChecksum, ErrExpired}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Check(at(tc.now))
			rs := Refusals(err)
			if len(rs) != len(tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for i, w := range tc.want {
				if !errors.Is(err, w) || rs[i].Err != w {
					t.Errorf("refusal %d: %v, want %v", i, rs[i], w)
				}
				zh, en := rs[i].CandidateMessage()
				if zh == "" || en == "" {
					t.Errorf("no candidate message for %v", w)
				}
				if strings.Contains(rs[i].Error(), tc.c.IDNumber) {
					t.Errorf("error text carries the ID number: %q", rs[i].Error())
				}
			}
		})
	}
	zh, _ := Refusals(resident.Check(at("2050-01-01 00:00")))[0].CandidateMessage()
	if !strings.Contains(zh, "过有效期") {
		t.Errorf("expired message %q", zh)
	}
}

func TestEncodeTextErrors(t *testing.T) {
	long := resident
	long.Name = strings.Repeat("长", 16)
	noSex := resident
	noSex.Sex = SexUnknown
	for _, c := range []Card{long, noSex, {Type: Type(9), Sex: Male}} {
		if _, err := EncodeText(&c); !errors.Is(err, ErrBadData) {
			t.Errorf("%v: %v", c.Type, err)
		}
	}
	short := resident
	short.Photo = []byte{1}
	if _, err := EncodeChipData(&short, nil); !errors.Is(err, ErrBadData) {
		t.Errorf("short photo: %v", err)
	}
}

func TestTypesAndLog(t *testing.T) {
	for _, ty := range []Type{Resident, HMTPermit, ForeignPermanent} {
		if got, err := ParseType(ty.String()); err != nil || got != ty {
			t.Errorf("ParseType(%s): %v %v", ty, got, err)
		}
	}
	if _, err := ParseType("passport"); err == nil {
		t.Error("ParseType(passport): no error")
	}
	if s, err := ParseSex("female"); err != nil || s != Female || s.Chinese() != "女" {
		t.Errorf("ParseSex: %v %v", s, err)
	}
	if _, err := ParseSex("2"); err == nil {
		t.Error("ParseSex(2): no error")
	}
	v := resident.LogValue().String()
	if strings.Contains(v, resident.Name) || strings.Contains(v, resident.IDNumber) {
		t.Errorf("LogValue leaks: %s", v)
	}
}

func FuzzParseText(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.text)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseText(text)
		if err != nil {
			if !errors.Is(err, ErrBadData) {
				t.Fatalf("error not ErrBadData: %v", err)
			}
			return
		}
		// What parses encodes and parses back to the same card.
		back, err := EncodeText(c)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, err := ParseText(back)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !equalCards(c, c2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", *c, *c2)
		}
		c.Check(clocktest.New(time.Unix(0, 0)))
	})
}

func FuzzParseChipData(f *testing.F) {
	for _, c := range []Card{resident, residentLong, hmt, foreign} {
		data, _ := EncodeChipData(&c, nil)
		f.Add(data, false)
		data, _ = EncodeChipData(&c, []byte{9, 9})
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, fp bool) {
		c, err := ParseChipData(data, fp)
		if err != nil {
			if !errors.Is(err, ErrBadData) {
				t.Fatalf("error not ErrBadData: %v", err)
			}
			return
		}
		if len(c.Photo) != PhotoSize {
			t.Fatalf("photo %d bytes", len(c.Photo))
		}
	})
}
