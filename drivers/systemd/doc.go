// Package systemd speaks to the service manager that started the kiosk:
// readiness, status text, stopping and watchdog pings (sd_notify), in pure
// Go, without libsystemd.
//
// # Protocol
//
// systemd passes the address of a Unix datagram socket in the environment
// variable NOTIFY_SOCKET: a file-system path ("/run/systemd/notify") or, when
// it starts with '@', an abstract socket name. A notification is one
// datagram of newline-separated VARIABLE=value assignments:
//
//	READY=1            start-up finished (Type=notify units wait for it)
//	STATUS=text        one line shown by `systemctl status`
//	STOPPING=1         shutting down
//	WATCHDOG=1         keep-alive ping
//
// Without NOTIFY_SOCKET (started by hand, in tests) every notification is
// a no-op.
//
// With WatchdogSec= in the unit, systemd sets WATCHDOG_USEC to the timeout
// in microseconds (and WATCHDOG_PID to the process it expects pings from);
// a service silent for longer is killed with SIGABRT and, with
// Restart=always, started again. The recommended ping interval is half the
// timeout. Watchdog.Ping is meant to be called from the kiosk's main (UI)
// loop, not from a goroutine of its own, so that a hung loop stops the
// pings and gets the kiosk restarted.
//
// STATUS text is visible to every user of the machine and lands in the
// journal: never put personal data in it.
//
// Sources: sd_notify(3) and systemd.service(5),
// https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html,
// https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#WatchdogSec=
package systemd
