"""The `celery` command line for the integration tests, with the wall clock optionally moved
ahead by TEST_CLOCK_OFFSET_SECONDS (time-machine, ticking), so that a worker can live "23 hours
later" and reach a reminder due then. Forked pool processes inherit the moved clock."""

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

offset = float(os.environ.get("TEST_CLOCK_OFFSET_SECONDS") or 0)
if offset:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()

from celery.__main__ import main  # noqa: E402

sys.argv[0] = "celery"
sys.exit(main())
