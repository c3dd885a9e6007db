#!/bin/sh
# Start a container: the web service applies migrations (MIGRATE_ON_START=true); the worker and
# beat wait until they are applied, so no task runs against a half-migrated schema.
set -eu

if [ "${MIGRATE_ON_START:-false}" = "true" ]; then
    python manage.py migrate --noinput
else
    tries=0
    until python manage.py migrate --check >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge "${MIGRATE_WAIT_TRIES:-90}" ]; then
            echo "entrypoint: migrations still not applied; is the web service running?" >&2
            exit 1
        fi
        sleep 2
    done
fi

exec "$@"
