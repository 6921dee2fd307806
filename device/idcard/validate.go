package idcard

import (
	"errors"

	"github.com/hbzk/kiosk/device/clock"
)

// IDChecksumOK reports whether the card's number has a correct GB 11643
// check character, and whether the question applies: resident and HMT
// cards always carry an 18-character ID number; foreign cards only since
// the 2023 version (18 characters starting with 9), the older 15-character
// permit numbers have no GB 11643 check.
func (c *Card) IDChecksumOK() (ok, applies bool) {
	switch c.Type {
	case Resident, HMTPermit:
		return ValidIDNumber(c.IDNumber), true
	case ForeignPermanent:
		if len(c.PermitNumber) == 18 {
			return ValidIDNumber(c.PermitNumber), true
		}
	}
	return false, false
}

// Expired reports whether the card's validity has ended on the date of now
// (China time). A card is valid through its ValidTo date.
func (c *Card) Expired(today Date) bool {
	return !c.NoExpiry && c.ValidTo.Before(today)
}

// Check validates a card for the kiosk: the ID number's check digit, the
// birth date against the ID number, and the validity dates against the
// clock. It returns nil or an error joining one *Refusal per problem; each
// Refusal carries a message for the candidate. errors.Is works with
// ErrIDChecksum, ErrBirthMismatch, ErrExpired and ErrNotYetValid.
func (c *Card) Check(clk clock.Clock) error {
	var errs []error
	if ok, applies := c.IDChecksumOK(); applies && !ok {
		errs = append(errs, &Refusal{Err: ErrIDChecksum,
			ZH: "证件号码校验失败，请联系工作人员。",
			EN: "The number on this card failed its check. Please ask the staff for help."})
	} else if applies {
		if b, err := BirthFromID(c.Number()); err != nil || b != c.Birth {
			errs = append(errs, &Refusal{Err: ErrBirthMismatch,
				ZH: "证件信息不一致，请联系工作人员。",
				EN: "The data on this card is inconsistent. Please ask the staff for help."})
		}
	}
	today := DateOf(clk.Now())
	if c.Expired(today) {
		errs = append(errs, &Refusal{Err: ErrExpired, Detail: "valid to " + c.ValidTo.String(),
			ZH: "您的证件已过有效期，无法办理确认。请携带有效证件到人工窗口办理。",
			EN: "Your card has expired and cannot be used. Please bring a valid card to the staffed counter."})
	}
	if today.Before(c.ValidFrom) {
		errs = append(errs, &Refusal{Err: ErrNotYetValid, Detail: "valid from " + c.ValidFrom.String(),
			ZH: "您的证件尚未生效，请到人工窗口办理。",
			EN: "Your card is not valid yet. Please go to the staffed counter."})
	}
	return errors.Join(errs...)
}

// Refusals lists the Refusals inside an error returned by Check.
func Refusals(err error) []*Refusal {
	var out []*Refusal
	var walk func(error)
	walk = func(e error) {
		if r, ok := e.(*Refusal); ok {
			out = append(out, r)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}
