package syncclient

import (
	"context"
	"sync"

	"github.com/hbzk/kiosk/device/record"
)

// MemOutbox is an in-memory Outbox: loadgen's simulated kiosks and tests
// use it.
type MemOutbox struct {
	mu       sync.Mutex
	queue    []*record.Signed
	acked    map[string]bool
	rejected map[string]string
	attempts map[string]int
	roster   map[string]record.RosterEntry
	version  int64
	meta     map[string][]byte
}

var _ Outbox = (*MemOutbox)(nil)

// NewMemOutbox returns an empty outbox.
func NewMemOutbox() *MemOutbox {
	return &MemOutbox{acked: map[string]bool{}, rejected: map[string]string{}, attempts: map[string]int{},
		roster: map[string]record.RosterEntry{}, meta: map[string][]byte{}}
}

// Add queues a signed record.
func (m *MemOutbox) Add(s *record.Signed) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queue = append(m.queue, s)
}

func (m *MemOutbox) Pending(_ context.Context, n int) ([]*record.Signed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*record.Signed
	for _, s := range m.queue {
		if len(out) == n {
			break
		}
		if _, rej := m.rejected[s.UUID]; !rej {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *MemOutbox) MarkAttempt(_ context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.attempts[id]++
	}
	return nil
}

func (m *MemOutbox) Ack(_ context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.acked[id] = true
	}
	q := m.queue[:0]
	for _, s := range m.queue {
		if !m.acked[s.UUID] {
			q = append(q, s)
		}
	}
	m.queue = q
	return nil
}

func (m *MemOutbox) Reject(_ context.Context, id, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rejected[id] = reason
	return nil
}

func (m *MemOutbox) QueueDepth(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.queue) - len(m.rejected), nil
}

// Acked reports the number of acknowledged records.
func (m *MemOutbox) Acked() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.acked)
}

// Rejected returns central's reasons by UUID.
func (m *MemOutbox) Rejected() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for k, v := range m.rejected {
		out[k] = v
	}
	return out
}

func (m *MemOutbox) RosterVersion(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version, nil
}

func (m *MemOutbox) ApplyRoster(_ context.Context, d *record.RosterDelta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range d.Entries {
		if e.Removed {
			delete(m.roster, e.IDNumber)
		} else {
			m.roster[e.IDNumber] = e
		}
	}
	m.version = d.Version
	return nil
}

// Lookup returns a roster entry (Unknown when absent).
func (m *MemOutbox) Lookup(_ context.Context, id string) (record.RosterEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.roster[id]; ok {
		return e, nil
	}
	return record.RosterEntry{IDNumber: id, State: record.Unknown}, nil
}

func (m *MemOutbox) SetMeta(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.meta[k] = append([]byte(nil), v...)
	return nil
}

func (m *MemOutbox) Meta(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta[k], nil
}
