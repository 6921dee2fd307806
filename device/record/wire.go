package record

import "time"

// The sync protocol's bodies (docs/sync-protocol.md). Each is sent as
// JSON (application/json) or CBOR (application/cbor); []byte fields are
// base64 in JSON and byte strings in CBOR, hashes are hex in JSON.

// WireVersion is the protocol version, sent in the Kiosk-Protocol header.
const WireVersion = "1"

// UploadRequest is the body of POST /v1/records.
type UploadRequest struct {
	Records []Signed `cbor:"records" json:"records"`
}

// UploadResult is central's answer for one record.
type UploadResult struct {
	UUID string `cbor:"uuid" json:"uuid"`
	// Status is "stored", "duplicate" (already stored: acknowledged) or
	// "rejected" (Reason says why; the kiosk keeps the record and reports
	// it, it will not be accepted on retry).
	Status string `cbor:"status" json:"status"`
	Reason string `cbor:"reason,omitempty" json:"reason,omitempty"`
}

// UploadResponse is the body of a 200 answer to POST /v1/records.
type UploadResponse struct {
	Results []UploadResult `cbor:"results" json:"results"`
}

// Upload statuses.
const (
	StatusStored    = "stored"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// EnrolRequest is the body of POST /v1/enrol.
type EnrolRequest struct {
	Token     string `cbor:"token" json:"token"`
	PublicKey []byte `cbor:"public_key" json:"public_key"`
	Site      string `cbor:"site" json:"site"`
	Software  string `cbor:"software" json:"software"`
}

// EnrolResponse is the body of a 200 answer to POST /v1/enrol.
type EnrolResponse struct {
	DeviceID    string `cbor:"device_id" json:"device_id"`
	Certificate string `cbor:"certificate" json:"certificate"` // PEM
	CA          string `cbor:"ca" json:"ca"`                   // PEM
	// Site and Name are the device's site and name at central (from the
	// enrolment token), which the kiosk writes into its config.
	Site string `cbor:"site,omitempty" json:"site,omitempty"`
	Name string `cbor:"name,omitempty" json:"name,omitempty"`
}

// RenewRequest is the body of POST /v1/renew (over the device's mutual
// TLS; the certificate is renewed for the same key).
type RenewRequest struct {
	Software string `cbor:"software" json:"software"`
}

// RenewResponse is the answer to POST /v1/renew.
type RenewResponse struct {
	Certificate string `cbor:"certificate" json:"certificate"` // PEM
}

// Heartbeat is the body of POST /v1/heartbeat.
type Heartbeat struct {
	Software      string            `cbor:"software" json:"software"`
	QueueDepth    int               `cbor:"queue_depth" json:"queue_depth"`
	RosterVersion int64             `cbor:"roster_version" json:"roster_version"`
	Time          time.Time         `cbor:"time" json:"time"`
	Health        map[string]string `cbor:"health" json:"health"`
}

// HeartbeatResponse carries central's time, so the kiosk can see its
// clock skew.
type HeartbeatResponse struct {
	Time time.Time `cbor:"time" json:"time"`
}

// ErrorBody is the body of every non-200 answer.
type ErrorBody struct {
	Error string `cbor:"error" json:"error"`
}
