package idcard

import (
	"errors"
	"fmt"
)

// Errors a Reader returns; the flow branches on them with errors.Is.
var (
	// ErrNoCard: no card is in the reader's field (yet).
	ErrNoCard = errors.New("no card on the reader")
	// ErrCardRemoved: the card left the field before its read finished.
	ErrCardRemoved = errors.New("card removed during the read")
	// ErrReadFailed: the card is there but could not be read (after the
	// retries that are safe).
	ErrReadFailed = errors.New("card could not be read")
	// ErrSAMFault: the reader's security module refused or failed (not
	// authorised, self-test failed, authentication failed).
	ErrSAMFault = errors.New("reader security module fault")
	// ErrReaderGone: the reader does not answer or its port went away.
	ErrReaderGone = errors.New("reader not connected")
	// ErrTimeout: the reader did not answer in time.
	ErrTimeout = errors.New("reader did not answer in time")
	// ErrFrame: a frame from the reader was corrupt (checksum, length).
	ErrFrame = errors.New("corrupt frame from the reader")
)

// Errors of parsing and validation.
var (
	// ErrBadData: the chip data does not have the layout of any card type.
	ErrBadData = errors.New("card data malformed")
	// ErrIDChecksum: the ID number's check digit is wrong.
	ErrIDChecksum = errors.New("ID number check digit wrong")
	// ErrBirthMismatch: the birth date differs from the one in the ID number.
	ErrBirthMismatch = errors.New("birth date does not match the ID number")
	// ErrExpired: the card's validity has ended.
	ErrExpired = errors.New("card expired")
	// ErrNotYetValid: the card's validity has not begun.
	ErrNotYetValid = errors.New("card not yet valid")
)

// FieldError says which field of the text block is malformed; it wraps
// ErrBadData.
type FieldError struct {
	Field string
	// Reason describes the problem without repeating the field's value
	// (which may be personal data).
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("idcard: field %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrBadData) true.
func (e *FieldError) Unwrap() error { return ErrBadData }

// Refusal is a validation failure with a message made for the candidate in
// Chinese and English. Err is one of ErrIDChecksum, ErrBirthMismatch,
// ErrExpired, ErrNotYetValid.
type Refusal struct {
	Err error
	// Detail is for the log: no personal data.
	Detail string
	// ZH and EN are shown to the candidate.
	ZH, EN string
}

func (r *Refusal) Error() string {
	if r.Detail == "" {
		return "idcard: " + r.Err.Error()
	}
	return "idcard: " + r.Err.Error() + ": " + r.Detail
}

// Unwrap returns the sentinel.
func (r *Refusal) Unwrap() error { return r.Err }

// CandidateMessage returns the text for the screen.
func (r *Refusal) CandidateMessage() (zh, en string) { return r.ZH, r.EN }
