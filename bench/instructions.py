"""Instructions per request of each page, counted by valgrind: a figure the machine's load
does not move (bench/web.py's CPU ms drift by 10-30% between runs on a shared machine).

    .venv/bin/python bench/instructions.py [--db tracker_bench] [--tree PATH] [--pk N]

Needs the database `bench/web.py --db ...` seeded (it is kept after that run) and Debian's
`valgrind`. For each page (the trivial view, the dashboard, the incident page bench/web.py
loads, the history), a Python process of the tree at `--tree` (this checkout by default) runs
under `valgrind --tool=cachegrind --cache-sim=no`: it logs the bench person in, asks the page
3 times to warm up, then `N` more times. Run with N=2 and N=12, the difference over 10 is what
one request costs, start-up and warm-up cancelled out. Requests go through Django's test client
in one process (the full middleware stack, DEBUG off, PostgreSQL; no HTTP server), so the
figure is the app's own work.

To compare two commits: check the other one out (`git worktree add /tmp/base <commit>`), copy
this checkout's `bench/seed.py` (and this file) there so that both databases hold the same rows,
seed its own database with its bench/web.py, and run this with `--tree /tmp/base --db ...`.
Each run takes about two minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LOW, HIGH = 2, 12


def child(db: str, path: str, n: int) -> None:
    """The measured process: runs inside the tree under test (its cwd)."""
    sys.path.insert(0, os.getcwd())
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tracker.settings", DEBUG="false", SECURE_SSL_REDIRECT="false",
        SECRET_KEY="bench-instructions-" + "x" * 40, ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"{PG}/{db}?conn_max_age=600", LOG_LEVEL="CRITICAL",
    )
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    for _ in range(3):
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"GET {path}: {status}, not 200 (is the database seeded?)")
    for _ in range(n):
        client.get(path)


def instructions(tree: Path, db: str, path: str, n: int) -> int:
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           str(tree / ".venv/bin/python"), str(Path(__file__).resolve()), "--child", db, path,
           str(n)]
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def realistic_pk(tree: Path, db: str) -> int:
    """The incident bench/web.py loads (its `realistic_incident`), asked of the tree."""
    code = (
        "import os,sys; sys.path.insert(0, os.getcwd()); sys.argv=['x'];"
        f"os.environ.update(DJANGO_SETTINGS_MODULE='tracker.settings', DEBUG='false',"
        f"SECRET_KEY='x'*50, ALLOWED_HOSTS='x', DATABASE_URL='{PG}/{db}');"
        "import django; django.setup();"
        "from django.contrib.auth import get_user_model;"
        "from bench.web import realistic_incident;"
        "print(realistic_incident(get_user_model().objects.get(username='bench')))"
    )
    out = subprocess.run([str(tree / ".venv/bin/python"), "-c", code], cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1])


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="tracker_bench")
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--pk", type=int, help="the incident page's incident (default: the "
                        "one bench/web.py loads)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")
    tree = args.tree.resolve()
    pk = args.pk or realistic_pk(tree, args.db)
    pages = {"trivial": "/healthz/live", "dashboard": "/", "incident": f"/incidents/{pk}/",
             "history": "/history/"}
    print(f"tree {tree}, database {args.db}; valgrind cachegrind, (I(n={HIGH}) - I(n={LOW})) / "
          f"{HIGH - LOW}")
    for name, path in pages.items():
        per = (instructions(tree, args.db, path, HIGH)
               - instructions(tree, args.db, path, LOW)) / (HIGH - LOW)
        print(f"{name:<9} {path:<17} {per / 1e6:8.2f} M instructions/request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
