#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the central storage tests.
#
#   eval "$(build/ci/postgres.sh start)"   # initdb in a temp dir, start on
#                                          # 127.0.0.1 on a free port, create
#                                          # a database; prints the exports
#                                          # KIOSK_TEST_POSTGRES (the DSN the
#                                          # tests read) and KIOSK_PG_DIR
#   build/ci/postgres.sh stop [DIR]        # stop it and delete DIR
#                                          # (default $KIOSK_PG_DIR)
#
# Needs Debian's postgresql package (server binaries under
# /usr/lib/postgresql/N/bin). PostgreSQL refuses to run as root: as root the
# cluster runs as the user postgres (created if missing). Only the export
# lines go to stdout; everything else goes to stderr.
set -euo pipefail

pgbin=${PGBIN:-}
if [ -z "$pgbin" ]; then
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "postgres.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2
	exit 1
fi

as_pg=()
if [ "$(id -u)" = 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent postgres >&2
	fi
	as_pg=(runuser -u postgres --)
fi

case "${1:-}" in
start)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-pg.XXXXXX")
	chmod 0755 "$dir"
	[ ${#as_pg[@]} -gt 0 ] && chown postgres: "$dir"
	"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -U kiosk --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -U kiosk --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	started=
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 40000))
		if "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2; then
			started=1
			break
		fi
	done
	if [ -z "$started" ]; then
		cat "$dir/server.log" >&2 || true
		echo "postgres.sh: could not start PostgreSQL" >&2
		exit 1
	fi
	"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U kiosk kiosk_test >&2
	echo "export KIOSK_TEST_POSTGRES='postgres://kiosk@127.0.0.1:$port/kiosk_test?sslmode=disable'"
	echo "export KIOSK_PG_DIR='$dir'"
	;;
stop)
	dir=${2:-${KIOSK_PG_DIR:-}}
	if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
		echo "postgres.sh stop: no cluster (give its folder or set KIOSK_PG_DIR)" >&2
		exit 1
	fi
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: postgres.sh start | stop [DIR]" >&2
	exit 2
	;;
esac
