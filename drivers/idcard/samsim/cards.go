package samsim

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photo files
	_ "image/png"  // photo files
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/hbzk/kiosk/device/idcard"
)

// CardFile is the TOML file of simulated cards (see sim/cards.toml).
type CardFile struct {
	Cards []CardSpec `toml:"card"`
}

// CardSpec is one [[card]] of the file. Dates are YYYY-MM-DD; valid_to may
// be "long-term".
type CardSpec struct {
	Label        string    `toml:"label"`
	Type         string    `toml:"type"`
	Name         string    `toml:"name"`
	NameEN       string    `toml:"name_en"`
	Sex          string    `toml:"sex"`
	Nation       string    `toml:"nation"`
	Birth        string    `toml:"birth"`
	Address      string    `toml:"address"`
	IDNumber     string    `toml:"id_number"`
	Authority    string    `toml:"authority"`
	ValidFrom    string    `toml:"valid_from"`
	ValidTo      string    `toml:"valid_to"`
	PermitNumber string    `toml:"permit_number"`
	IssueCount   string    `toml:"issue_count"`
	Nationality  string    `toml:"nationality"`
	Version      string    `toml:"version"`
	Photo        PhotoSpec `toml:"photo"`
}

// PhotoSpec is where a card's photo comes from: an image file (relative to
// the cards file) and the head-and-shoulders crop [x, y, width, height],
// area-resized to 102x126.
type PhotoSpec struct {
	File string `toml:"file"`
	Crop []int  `toml:"crop"`
}

// SimCard is a loaded card: its label, the card and its photo encoding.
type SimCard struct {
	Label string
	Card  *idcard.Card
	Photo PhotoInfo
}

// LoadCards reads a cards file and builds every card with its photo.
func LoadCards(path string) ([]SimCard, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samsim: cards file: %w", err)
	}
	var f CardFile
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) && len(sm.Errors) > 0 {
			de := sm.Errors[0]
			row, col := de.Position()
			return nil, fmt.Errorf("samsim: %s:%d:%d: unknown key %q", path, row, col, strings.Join(de.Key(), "."))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("samsim: %s:%d:%d: %v", path, row, col, de)
		}
		return nil, fmt.Errorf("samsim: %s: %w", path, err)
	}
	if len(f.Cards) == 0 {
		return nil, fmt.Errorf("samsim: %s: no [[card]]", path)
	}
	out := make([]SimCard, 0, len(f.Cards))
	for i, cs := range f.Cards {
		sc, err := cs.Build(filepath.Dir(path))
		if err != nil {
			return nil, fmt.Errorf("samsim: %s: card %d (%s): %w", path, i+1, cs.Label, err)
		}
		out = append(out, sc)
	}
	return out, nil
}

// Build makes the card; relative photo paths are resolved against dir.
func (cs CardSpec) Build(dir string) (SimCard, error) {
	var c idcard.Card
	var err error
	if c.Type, err = idcard.ParseType(cs.Type); err != nil {
		return SimCard{}, err
	}
	if c.Sex, err = idcard.ParseSex(cs.Sex); err != nil {
		return SimCard{}, err
	}
	date := func(key, s string) (idcard.Date, error) {
		d, err := idcard.ParseDate(s)
		if err != nil {
			return d, fmt.Errorf("%s %q: %v", key, s, err)
		}
		return d, nil
	}
	if c.Birth, err = date("birth", cs.Birth); err != nil {
		return SimCard{}, err
	}
	if c.ValidFrom, err = date("valid_from", cs.ValidFrom); err != nil {
		return SimCard{}, err
	}
	if cs.ValidTo == "long-term" {
		c.NoExpiry = true
	} else if c.ValidTo, err = date("valid_to", cs.ValidTo); err != nil {
		return SimCard{}, err
	}
	if cs.Nation != "" && idcard.NationName(cs.Nation) == "" {
		return SimCard{}, fmt.Errorf("nation %q: not a nation code", cs.Nation)
	}
	c.Name, c.NameEN, c.Nation, c.Address = cs.Name, cs.NameEN, cs.Nation, cs.Address
	c.IDNumber, c.Authority, c.PermitNumber = cs.IDNumber, cs.Authority, cs.PermitNumber
	c.IssueCount, c.Nationality, c.Version = cs.IssueCount, cs.Nationality, cs.Version
	if _, err := idcard.EncodeText(&c); err != nil {
		return SimCard{}, err
	}
	img, err := cs.Photo.Load(dir)
	if err != nil {
		return SimCard{}, err
	}
	wlt, info, err := EncodePhoto(img)
	if err != nil {
		return SimCard{}, err
	}
	c.SetPhoto(wlt)
	label := cs.Label
	if label == "" {
		label = c.Type.String()
	}
	return SimCard{Label: label, Card: &c, Photo: info}, nil
}

// Load reads the photo file and returns the 102x126 crop.
func (p PhotoSpec) Load(dir string) (*image.RGBA, error) {
	if p.File == "" {
		return nil, errors.New("photo.file: missing")
	}
	path := p.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		hint := ""
		if strings.Contains(path, "imageio") {
			hint = " (Debian package python3-imageio)"
		}
		return nil, fmt.Errorf("photo: %w%s", err, hint)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("photo %s: %w", path, err)
	}
	r := img.Bounds()
	if len(p.Crop) != 0 {
		if len(p.Crop) != 4 || p.Crop[2] <= 0 || p.Crop[3] <= 0 {
			return nil, fmt.Errorf("photo.crop: want [x, y, width, height], got %v", p.Crop)
		}
		c := image.Rect(p.Crop[0], p.Crop[1], p.Crop[0]+p.Crop[2], p.Crop[1]+p.Crop[3]).Add(r.Min)
		if !c.In(r) {
			return nil, fmt.Errorf("photo.crop %v: outside the %dx%d image", p.Crop, r.Dx(), r.Dy())
		}
		r = c
	}
	return AreaResize(img, r, idcard.PhotoWidth, idcard.PhotoHeight), nil
}
