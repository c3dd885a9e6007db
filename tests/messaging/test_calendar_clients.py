"""Every copy of the interview that leaves by email, imported in order into real calendar readers:
khal (Debian's `khal`, a CalDAV/vdir client, with its own config and vdir in a temporary folder),
icalendar and vobject. Whatever the sequence of confirm, move, change of link, call-off and new
time, each reader holds exactly one event for the incident, at the right instant with the right
link, and none that is live after a call-off. The same for interviews in a repeated local hour
and on a Lord Howe DST day.

Set KHAL_OUTPUT_DIR to keep what khal listed after each step (for the issue's note)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from tests.messaging.copies import send_due
from tests.scenarios import apologise, confirm, logged
from tracker.incidents import services
from tracker.incidents.selectors import situation_for
from tracker.reminders import planning

pytestmark = pytest.mark.django_db

KHAL_MISSING = (
    "khal is not installed: the calendar-client test imports every copy into Debian's khal. "
    "`make test` installs it (make system-deps); by hand: apt-get update && "
    "apt-get install -y khal"
)


class Khal:
    """khal with its own config, vdir and cache database under `root`."""

    def __init__(self, root: Path, zone: str):
        self.root = root
        (root / "vdir").mkdir(parents=True)
        self.config = root / "khal.conf"
        self.config.write_text(
            "[calendars]\n[[interviews]]\n"
            f"path = {root / 'vdir'}\ntype = calendar\n"
            "[sqlite]\n"
            f"path = {root / 'khal.db'}\n"
            "[locale]\n"
            "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
            f"local_timezone = {zone}\ndefault_timezone = {zone}\n"
            "[default]\ndefault_calendar = interviews\n"
        )

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["khal", "-c", str(self.config), *args], capture_output=True, text=True, timeout=60,
            env={**os.environ, "HOME": str(self.root)},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def import_ics(self, raw: bytes, name: str) -> None:
        path = self.root / name
        path.write_bytes(raw)
        self.run("import", "--batch", "-a", "interviews", str(path))

    def events(self, around: datetime) -> list[dict]:
        """Every event khal lists within a week of `around`, one dict per event."""
        fmt = "{start}|{end}|{status}|{location}|{uid}|{title}"
        out = self.run("list", "--format", fmt, "--day-format", "",
                       (around - timedelta(days=7)).strftime("%Y-%m-%d"),
                       (around + timedelta(days=7)).strftime("%Y-%m-%d"))
        rows = []
        for line in out.splitlines():
            if not line.strip():
                continue
            start, end, status, location, uid, title = line.split("|", 5)
            rows.append({"start": start, "end": end, "status": status.strip(),
                         "location": location, "uid": uid, "title": title, "line": line})
        return rows


@pytest.fixture
def khal_factory(tmp_path):
    if shutil.which("khal") is None:
        pytest.fail(KHAL_MISSING, pytrace=False)

    def make(zone: str) -> Khal:
        return Khal(tmp_path / f"khal-{zone.replace('/', '-')}", zone)

    return make


class Store:
    """A calendar as RFC 5546 has it: a REQUEST adds or updates the event of its UID unless an
    equal or newer SEQUENCE is held; a CANCEL removes it. Read with icalendar or vobject."""

    def __init__(self, reader: str):
        self.reader = reader
        self.events: dict[str, dict] = {}

    def apply(self, raw: bytes) -> None:
        if self.reader == "icalendar":
            cal = Calendar.from_ical(raw)
            method = str(cal["METHOD"])
            (e,) = cal.walk("VEVENT")
            event = {
                "uid": str(e["UID"]), "sequence": int(e.decoded("SEQUENCE")),
                "start": e.decoded("DTSTART"), "end": e.decoded("DTEND"),
                "status": str(e["STATUS"]), "location": str(e.get("LOCATION", "")),
                "alarms": [e.decoded("DTSTART") + a.decoded("TRIGGER") for a in e.walk("VALARM")],
            }
        else:
            cal = vobject.readOne(raw.decode())
            method = cal.method.value
            e = cal.vevent
            event = {
                "uid": e.uid.value, "sequence": int(e.sequence.value),
                "start": e.dtstart.value, "end": e.dtend.value, "status": e.status.value,
                "location": e.location.value if hasattr(e, "location") else "",
                "alarms": [e.dtstart.value + a.trigger.value
                           for a in e.contents.get("valarm", [])],
            }
        held = self.events.get(event["uid"])
        assert held is None or event["sequence"] > held["sequence"], "a copy that outranks none"
        if method == "CANCEL" or event["status"] == "CANCELLED":
            self.events.pop(event["uid"], None)
        else:
            self.events[event["uid"]] = event


@dataclass
class Case:
    name: str
    zone: str
    start: datetime  # the first agreed time
    moved: datetime  # the time it moves to
    again: datetime  # the new time after the call-off


def _local(zone: str, *args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


CASES = [
    Case("Chicago", "America/Chicago", _local("America/Chicago", 2027, 4, 8, 9, 0),
         _local("America/Chicago", 2027, 4, 9, 14, 30), _local("America/Chicago", 2027, 4, 12, 10)),
    # The second 01:45 of Sun 4 Apr 2027 on Lord Howe (clocks go back 30 minutes at 02:00).
    Case("Lord Howe, the repeated hour", "Australia/Lord_Howe",
         _local("Australia/Lord_Howe", 2027, 4, 4, 1, 45, fold=1),
         _local("Australia/Lord_Howe", 2027, 4, 4, 1, 40, fold=1),
         _local("Australia/Lord_Howe", 2027, 4, 4, 1, 50, fold=1)),
    # The second 01:30 of Sun 1 Nov 2026 in New York (clocks go back an hour at 02:00).
    Case("New York, the repeated hour", "America/New_York",
         _local("America/New_York", 2026, 11, 1, 1, 30, fold=1),
         _local("America/New_York", 2026, 11, 1, 1, 15, fold=1),
         _local("America/New_York", 2026, 11, 1, 1, 45, fold=1)),
    # Lord Howe springs forward 30 minutes at 02:00 on Sun 4 Oct 2026: a 09:00 interview.
    Case("Lord Howe DST day", "Australia/Lord_Howe",
         _local("Australia/Lord_Howe", 2026, 10, 4, 9, 0),
         _local("Australia/Lord_Howe", 2026, 10, 4, 11, 0),
         _local("Australia/Lord_Howe", 2026, 10, 5, 9, 0)),
]


def _copies(sent) -> list[tuple[str, bytes]]:
    return [(s.kind, s.ics()) for s in sent if s.kind in planning.NOTICE_KINDS]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_copy_imported_in_order_leaves_one_event_at_the_right_instant(
    user, khal_factory, case
):
    zone = case.zone
    t = case.start - timedelta(days=3)
    incident = logged(user, now=t, discovered_at=t, interview_at=t - timedelta(minutes=30),
                      candidate_tz=zone)
    apologise(incident, now=t + timedelta(minutes=5))
    incident.refresh_from_db()
    khal_utc, khal_local = khal_factory("UTC"), khal_factory(zone)
    stores = [Store("icalendar"), Store("vobject")]
    uids = set()
    transcript = [f"# {case.name}: {khal_utc.run('--version').strip()}; each step lists the "
                  f"event in {zone}, then in UTC"]

    def step(label, now, *, live, link="https://meet.example/first", minutes=45):
        sent = send_due(now)
        (kind, raw), = _copies(sent)
        for khal in (khal_utc, khal_local):
            khal.import_ics(raw, f"{len(transcript):02d}-{kind}.ics")
        for store in stores:
            store.apply(raw)
        uids.add(Calendar.from_ical(raw).walk("VEVENT")[0]["UID"])
        rows = khal_utc.events(live or case.start)
        local_rows = khal_local.events(live or case.start)
        transcript.append(f"## {label} ({kind})")
        transcript.extend(r["line"] for r in local_rows)
        transcript.extend(f"  UTC {r['start']}|{r['end']}|{r['status']}" for r in rows)
        assert len({r["uid"] for r in rows}) <= 1, rows  # one identity, never two events
        active = [r for r in rows if r["status"] != "CANCELLED"]
        if live is None:
            assert active == [], f"{label}: a called-off interview is still live in khal: {rows}"
            for store in stores:
                assert store.events == {}, (store.reader, label)
            return
        (row,) = active
        end = live + timedelta(minutes=minutes)
        assert (row["start"], row["end"]) == (f"{live:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}")
        assert row["location"] == link
        for store in stores:
            (event,) = store.events.values()
            assert (event["start"], event["end"]) == (live, end), store.reader
            assert event["location"] == link, store.reader
            # The alarms ring at the instants of the emails, and none is already past.
            due = {p.kind: p.due_at for p in planning.plan(
                situation_for(incident).plan, now) if p.kind in (planning.BEFORE_24H,
                                                                planning.BEFORE_1H)}
            for instant in event["alarms"]:
                assert instant > now, (store.reader, label)
            for kind in (planning.BEFORE_24H, planning.BEFORE_1H):
                if kind in due and due[kind] > now:
                    assert due[kind] in event["alarms"], (store.reader, label, kind)

    t += timedelta(hours=1)
    confirm(incident, start=case.start, now=t, time_zone=zone,
            location="https://meet.example/first")
    step("confirmed", t, live=case.start)
    t += timedelta(hours=1)
    confirm(incident, start=case.moved, now=t, time_zone=zone,
            location="https://meet.example/first")
    step("moved", t, live=case.moved)
    t += timedelta(hours=1)
    confirm(incident, start=case.moved, now=t, time_zone=zone,
            location="https://meet.example/second")
    step("link changed", t, live=case.moved, link="https://meet.example/second")
    t += timedelta(hours=1)
    services.reschedule_cancel(reschedule=situation_for(incident).current, now=t)
    step("called off", t, live=None)
    t += timedelta(hours=1)
    confirm(incident, start=case.again, now=t, time_zone=zone,
            location="https://meet.example/third", duration_minutes=60)
    step("new time", t, live=case.again, link="https://meet.example/third", minutes=60)

    assert len(uids) == 1
    if os.environ.get("KHAL_OUTPUT_DIR"):
        out = Path(os.environ["KHAL_OUTPUT_DIR"])
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{case.name.replace(' ', '_').replace(',', '')}.txt").write_text(
            "\n".join(transcript) + "\n")
