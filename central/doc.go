// Package central is the reference implementation of the central sync
// endpoint (cmd/centrald): enrolment of kiosks with one-time tokens and a
// certificate authority of its own, exactly-once ingest of signed records,
// rejection (logged and counted, never with personal data) of tampered
// records, records of another device, unknown devices, replayed tokens and
// expired certificates, the roster as versioned deltas, export of records as
// JSON and images, Prometheus metrics and a health check.
//
// Storage is one interface (Storage) with one SQL implementation for two
// databases: SQLite (modernc.org/sqlite, one file, one process) and
// PostgreSQL (through pgx; several centrald processes may share a
// database). Exactly-once rests on the primary key of records and
// INSERT ... ON CONFLICT, not on locks in the process. The same test suite
// runs against both (KIOSK_TEST_POSTGRES; build/ci/postgres.sh).
//
// The wire protocol is described in docs/sync-protocol.md; its bodies are
// the types of device/record (wire.go). Sources: RFC 8949 (CBOR, §4.2
// deterministic encoding), RFC 8032 (Ed25519), RFC 8446 (TLS 1.3), RFC 9110
// (Retry-After), RFC 4180 (CSV).
package central
