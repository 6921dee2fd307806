package central

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

// rosterCases seed TestParseRosterCSV and FuzzParseRosterCSV. want < 0:
// an error whose message holds bad.
var rosterCases = []struct {
	name string
	in   string
	want int
	bad  string
}{
	{"minimal", "id_number,name\n420101199001010018,甲\n", 1, ""},
	{"all columns, any order", "site,removed,state,name,id_number\ns1,false,confirmed,乙,420102198506150026\ns2,1,,丙,420103199203120031\n", 2, ""},
	{"BOM and spaces", "\ufeffid_number, name\n420101199001010018, 甲\n", 1, ""},
	{"header only", "id_number,name\n", 0, ""},
	{"empty", "", -1, "empty file"},
	{"unknown column", "id_number,name,colour\n", -1, "unknown column"},
	{"missing name column", "id_number\nA\n", -1, "missing column name"},
	{"column twice", "id_number,name,name\n", -1, "twice"},
	{"empty id", "id_number,name\n,甲\n", -1, "line 2: empty id_number"},
	{"duplicate id", "id_number,name\n420101199001010018,甲\n420101199001010018,乙\n", -1, "also on line 2"},
	{"bad state", "id_number,name,state\n420101199001010018,甲,done\n", -1, "state \"done\""},
	{"bad removed", "id_number,name,removed\n420101199001010018,甲,maybe\n", -1, "removed \"maybe\""},
	{"short line", "id_number,name,site\nA,甲\n", -1, "2 fields"},
	{"bad quote", "id_number,name\n\"A,甲\n", -1, "line"},
	{"not an ID number", "id_number,name\n12345,甲\n", -1, "line 2 column 1: id_number"},
	{"bad check digit", "name,id_number\n甲,420101199001010019\n", -1, "line 2 column 2: id_number"},
	{"old foreign permit", "id_number,name\nUSA310870409023,简\n", 1, ""},
	{"bad permit", "id_number,name\nUS1310870409023,简\n", -1, "column 1"},
	{"too long", "id_number,name\n" + strings.Repeat("9", 65) + ",x\n", -1, "too long"},
}

func TestParseRosterCSV(t *testing.T) {
	for _, tc := range rosterCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRosterCSV(strings.NewReader(tc.in))
			if tc.want < 0 {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Errorf("err %v, want one with %q", err, tc.bad)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("%d entries, %v", len(got), err)
			}
		})
	}
	got, _ := ParseRosterCSV(strings.NewReader(rosterCases[1].in))
	if !reflect.DeepEqual(got[0], record.RosterEntry{IDNumber: "420102198506150026", Name: "乙", Site: "s1", State: record.Confirmed}) || !got[1].Removed || got[1].State != record.Pending {
		t.Errorf("fields: %+v", got)
	}
	var ce *CSVError
	if _, err := ParseRosterCSV(strings.NewReader("id_number,name\n,x\n")); !errors.As(err, &ce) || ce.Line != 2 {
		t.Errorf("CSVError: %v", err)
	}
}

func FuzzParseRosterCSV(f *testing.F) {
	for _, tc := range rosterCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseRosterCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range got {
			if e.IDNumber == "" || seen[e.IDNumber] || !e.State.Valid() || e.State == record.Unknown {
				t.Fatalf("accepted a bad entry %+v", e)
			}
			seen[e.IDNumber] = true
		}
	})
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	sealer, _ := NewSealer(bytes32(1), entropy.Seeded(1))
	st, err := OpenSealed(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := record.GenerateKey(entropy.Seeded(1))
	r, _ := record.New(entropy.Seeded(2), "k1")
	r.Card.Name = "甲"
	r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: []byte{1, 2, 3}}
	r.Images.SignatureISO = record.Blob{Type: record.TypeISOSig, Data: []byte{4}}
	r.Images.LiveFrame = record.Blob{Type: "image/x-odd", Data: []byte{5}}
	s, _ := record.Sign(r, key)
	st.PutRecords(ctx, []Row{{UUID: s.UUID, DeviceID: "k1", Hash: s.Hash, Sig: s.Sig, Body: s.Body, ReceivedAt: t0}})
	dir := t.TempDir()
	sum, err := Export(ctx, st, dir)
	if err != nil || sum.Records != 1 || sum.Files != 3 {
		t.Fatalf("export: %+v %v", sum, err)
	}
	for _, f := range []string{"record.json", "reg_photo.jpg", "signature_iso.iso", "live_frame.bin"} {
		if _, err := os.Stat(filepath.Join(dir, "k1", s.UUID, f)); err != nil {
			t.Error(err)
		}
	}
	js, _ := os.ReadFile(filepath.Join(dir, "k1", s.UUID, "record.json"))
	if !strings.Contains(string(js), `"reg_photo": "reg_photo.jpg"`) || !strings.Contains(string(js), "甲") || strings.Contains(string(js), `"AQID"`) {
		t.Errorf("record.json: %s", js)
	}
	// Resumable: a second export skips what is there.
	if sum, _ := Export(ctx, st, dir); sum.Records != 0 {
		t.Errorf("second export wrote %d", sum.Records)
	}
}
