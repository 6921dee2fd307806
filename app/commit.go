package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/device/sigpad"
)

// commit builds the confirmed record of a session, signs it and stores it
// with its outbox entry in one transaction; the candidate sees "done" only
// after this returns nil. Sync then uploads it in the background.
func (k *Kiosk) commit(ctx context.Context, s *flow.Session) (string, error) {
	if k.Store == nil {
		return "", errors.New("app: commit: no store")
	}
	rec, err := k.buildRecord(s)
	if err != nil {
		return "", err
	}
	if err := k.Store.Commit(ctx, rec); err != nil {
		return "", err
	}
	k.Log.Info("record committed", "record", rec.UUID)
	if k.Sync != nil {
		k.Sync.Kick()
	}
	return rec.UUID, nil
}

func (k *Kiosk) buildRecord(s *flow.Session) (*record.Record, error) {
	card, ok := s.Card.Raw.(*idcard.Card)
	if !ok || card == nil {
		return nil, errors.New("app: commit: session has no card")
	}
	rec, err := record.New(k.Rand, k.Cfg.Device.ID)
	if err != nil {
		return nil, fmt.Errorf("app: commit: %w", err)
	}
	rec.Site = k.Cfg.Device.Site
	rec.Software = buildinfo.Version
	rec.Simulated = k.simulated()
	now := k.Clock.Now()
	rec.Times = record.Times{
		Started: s.Started, CardRead: s.Entered[flow.PlaceCard], Liveness: s.Entered[flow.Liveness],
		FaceMatch: s.Entered[flow.Matching], Photo: s.Entered[flow.Photo], Signature: s.Entered[flow.Signature],
		Confirmed: now,
	}
	rec.Card = cardFields(card)
	rec.Attempts = record.Attempts{Face: s.MatchAttempts, Photo: s.PhotoAttempts, Signature: s.SignAttempts + 1}
	rec.Images.ChipPhotoWLT = record.Blob{Type: record.TypeWLT, Data: card.Photo}
	rec.Scores.Match, rec.Scores.MatchThreshold = s.Match.Score, s.Match.Threshold

	if m, ok := s.Match.Raw.(*MatchOutcome); ok && m != nil {
		if m.Chip != nil {
			if rec.Images.ChipPhoto.Data, err = encodePNG(m.Chip); err != nil {
				return nil, err
			}
			rec.Images.ChipPhoto.Type = record.TypePNG
		}
	}
	if l, ok := s.Liveness.(*LiveOutcome); ok && l != nil {
		rec.Scores.Liveness, rec.Scores.LivenessThreshold = l.Result.Passive, l.Result.PassiveMin
		if l.Result.Best.Width > 0 {
			if rec.Images.LiveFrame.Data, err = encodeJPEG(l.Result.Best.Image(), 90); err != nil {
				return nil, err
			}
			rec.Images.LiveFrame.Type = record.TypeJPEG
		}
	}
	if p, ok := s.Photo.(*PhotoOutcome); ok && p != nil {
		rec.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: p.Photo.JPEG}
		rec.Scores.PhotoMatch, rec.Scores.PhotoMatchThreshold = float64(p.Match.Score), float64(p.Match.Threshold)
	}
	if sig, ok := s.Signature.(sigpad.Signature); ok {
		var b bytes.Buffer
		if err := sigpad.RenderPNG(&b, sig, sigpad.RenderOptions{MaxWidth: k.Cfg.Signature.PNGWidth,
			MaxHeight: k.Cfg.Signature.PNGHeight, Margin: k.Cfg.Signature.PNGMargin, PenWidth: k.Cfg.Signature.PenWidth,
			Transparent: k.Cfg.Signature.Transparent}); err != nil {
			return nil, fmt.Errorf("app: commit: signature: %w", err)
		}
		rec.Images.SignaturePNG = record.Blob{Type: record.TypePNG, Data: b.Bytes()}
		iso, err := sigpad.EncodeISO(sig)
		if err != nil {
			return nil, fmt.Errorf("app: commit: signature: %w", err)
		}
		rec.Images.SignatureISO = record.Blob{Type: record.TypeISOSig, Data: iso}
		strokes, err := sig.MarshalIndent()
		if err != nil {
			return nil, fmt.Errorf("app: commit: signature: %w", err)
		}
		rec.Images.SignatureStrokes = record.Blob{Type: record.TypeStrokes, Data: strokes}
	}
	if k.Face != nil {
		rec.Models = k.Face.Models()
	}
	return rec, nil
}

// simulated reports whether any device is a simulator: such records are
// marked so that central can keep them apart.
func (k *Kiosk) simulated() bool {
	for _, r := range k.Devices.Reports {
		if r.Simulated {
			return true
		}
	}
	return false
}

func cardFields(c *idcard.Card) record.Card {
	typ := map[idcard.Type]string{idcard.Resident: " ", idcard.HMTPermit: "J", idcard.ForeignPermanent: "I"}[c.Type]
	out := record.Card{
		Type: typ, Name: c.Name, NameEN: c.NameEN, Nation: c.Nation, Nationality: c.Nationality,
		Address: c.Address, IDNumber: c.IDNumber, PermitNumber: c.PermitNumber, Authority: c.Authority,
	}
	switch c.Sex {
	case idcard.Male:
		out.Sex = "male"
	case idcard.Female:
		out.Sex = "female"
	}
	if !c.Birth.IsZero() {
		out.Birth = c.Birth.String()
	}
	if !c.ValidFrom.IsZero() {
		out.ValidFrom = c.ValidFrom.String()
	}
	if c.NoExpiry {
		out.ValidTo = "long-term"
	} else if !c.ValidTo.IsZero() {
		out.ValidTo = c.ValidTo.String()
	}
	return out
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("app: encode png: %w", err)
	}
	return b.Bytes(), nil
}

func encodeJPEG(img image.Image, q int) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("app: encode jpeg: %w", err)
	}
	return b.Bytes(), nil
}
