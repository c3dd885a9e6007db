"""The "download my data" ZIP: what the person owns, read from the database.

- `data.json`: every table below as a list of rows (reschedules carry their proposed slots),
  with the account and the profile.
- `csv/<table>.csv`: one file per table, for a spreadsheet (UTF-8 with a BOM, so Excel reads
  accents; lists and objects as JSON).
- `calendar/incident-<id>.ics`: each agreed interview as the person's calendar should hold it
  (the confirmed one, or the last called off), built by tracker/messaging/calendar.py through
  the same copy the .ics download serves.
- `README.txt`: what each file is.

Internal bookkeeping is left out: the dispatcher's lease of a reminder, who on the staff wrote
a timeline event, the coach's account id.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import slugify

from tracker.incidents import models as incidents
from tracker.incidents.selectors import situations_for_dispatch
from tracker.messaging import calendar
from tracker.reminders.mail import calendar_copy
from tracker.reminders.models import Reminder

from .models import CoachAccess, CoachComment, ContactErasure

FORMAT = "tracker-export/1"
CHUNK = 2000
ICS_CHUNK = 200
# Columns of no meaning to the person (or naming someone else's account).
LEFT_OUT = {
    "Reminder": {"lease_token", "lease_expires_at", "claimed_at", "next_attempt_at"},
    "TimelineEvent": {"actor"},
    "CoachAccess": {"coach"},
    "CoachComment": {"author"},
}


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    owner_path: str  # the lookup from a row to the person who owns it

    def rows(self, owner):
        return self.model._default_manager.filter(**{self.owner_path: owner})


TABLES: tuple[Table, ...] = (
    Table("incidents", incidents.Incident, "owner"),
    Table("contacts", incidents.Contact, "owner"),
    Table("incident_contacts", incidents.Incident.contacts.through, "incident__owner"),
    Table("outreach", incidents.Outreach, "incident__owner"),
    Table("reschedules", incidents.Reschedule, "incident__owner"),
    Table("proposed_slots", incidents.ProposedSlot, "reschedule__incident__owner"),
    Table("safeguards", incidents.Safeguard, "incident__owner"),
    Table("promised_materials", incidents.PromisedMaterial, "incident__owner"),
    Table("timeline", incidents.TimelineEvent, "incident__owner"),
    Table("reminders", Reminder, "incident__owner"),
    Table("coach_access", CoachAccess, "person"),
    Table("coach_comments", CoachComment, "incident__owner"),
    Table("contact_erasures", ContactErasure, "incident__owner"),
)
TABLE = {t.name: t for t in TABLES}
PROFILE_FIELDS = (
    "full_name",
    "phone",
    "time_zone",
    "partner_email",
    "partner_state",
    "partner_invited_at",
    "partner_answered_at",
    "reminders_off",
    "quiet_hours",
)


def columns(model) -> list[str]:
    skip = LEFT_OUT.get(model.__name__, set())
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in skip and f.attname not in skip
    ]


def row_count(owner) -> int:
    """How many rows the export would hold: small ones are built in the request."""
    return sum(t.rows(owner).count() for t in TABLES)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, memoryview | bytes):
        return None
    return value


def _rows(table: Table, owner) -> Iterable[dict]:
    cols = columns(table.model)
    qs = table.rows(owner).order_by("pk").values(*cols)
    for row in qs.iterator(chunk_size=CHUNK):
        yield {k: _plain(v) for k, v in row.items()}


def account_rows(owner) -> tuple[dict, dict]:
    from allauth.account.models import EmailAddress

    account = {
        "username": owner.get_username(),
        "email": owner.email,
        "date_joined": _plain(owner.date_joined),
        "last_login": _plain(owner.last_login),
        "email_addresses": [
            {"email": e, "verified": v, "primary": p}
            for e, v, p in EmailAddress.objects.filter(user=owner)
            .order_by("pk")
            .values_list("email", "verified", "primary")
        ],
    }
    profile = getattr(owner, "profile", None)
    profile_row = {f: _plain(getattr(profile, f)) for f in PROFILE_FIELDS} if profile else {}
    return account, profile_row


def _csv(rows: list[dict], cols: list[str]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False)
                if isinstance(v, list | dict)
                else ("" if v is None else v)
                for k, v in row.items()
            }
        )
    return out.getvalue().encode("utf-8")


def calendar_files(owner, *, now: datetime) -> Iterable[tuple[str, bytes]]:
    """(file name, .ics) of every incident with an agreed interview, in incident order."""
    ids = list(
        incidents.Reschedule.objects.filter(incident__owner=owner, confirmed_at__isnull=False)
        .order_by("incident_id")
        .values_list("incident_id", flat=True)
        .distinct()
    )
    for start in range(0, len(ids), ICS_CHUNK):
        chunk = ids[start : start + ICS_CHUNK]
        situations = situations_for_dispatch(chunk)
        for pk in chunk:
            situation = situations[pk]
            copy = calendar_copy(situation, now=now, method=calendar.PUBLISH)
            if copy is None:
                continue
            ics, _method = copy
            slug = slugify(f"{situation.incident.company}")[:40] or "interview"
            yield f"calendar/incident-{pk}-{slug}.ics", ics


README = """Your data from the interview recovery tracker, exported {exported_at} (UTC).

data.json      everything below in one file: your account and profile, then one list per
               table (reschedules carry their proposed slots).
csv/           the same tables, one CSV file each, for a spreadsheet.
calendar/      each agreed interview as a calendar file (.ics) to import.

Tables and rows:
{counts}
Times are in UTC (ISO 8601); the zone each time was agreed in is in the column next to it.
"""


def build_zip(
    owner, *, now: datetime, progress: Callable[[str], None] = lambda s: None
) -> tuple[bytes, dict[str, int]]:
    """The ZIP and the number of rows (or files) per table."""
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    account, profile = account_rows(owner)
    data: dict = {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "account": account,
        "profile": profile,
    }
    steps = len(TABLES) + 2
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "csv/account.csv",
            _csv([{**account, "email_addresses": account["email_addresses"]}], list(account)),
        )
        archive.writestr("csv/profile.csv", _csv([profile], list(PROFILE_FIELDS)))
        counts["account"] = 1
        counts["profile"] = 1 if profile else 0
        for n, table in enumerate(TABLES, start=1):
            progress(f"Writing {table.name.replace('_', ' ')} ({n} of {steps})")
            rows = list(_rows(table, owner))
            archive.writestr(f"csv/{table.name}.csv", _csv(rows, columns(table.model)))
            data[table.name] = rows
            counts[table.name] = len(rows)
        slots: dict[int, list] = {}
        for slot in data["proposed_slots"]:
            slots.setdefault(slot["reschedule_id"], []).append(slot)
        for r in data["reschedules"]:
            r["slots"] = slots.get(r["id"], [])
        progress(f"Writing the calendar files ({steps - 1} of {steps})")
        ics = 0
        for name, content in calendar_files(owner, now=now):
            archive.writestr(name, content)
            ics += 1
        counts["calendar_files"] = ics
        progress(f"Packing ({steps} of {steps})")
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        )
        archive.writestr(
            "README.txt",
            README.format(
                exported_at=now.strftime("%Y-%m-%d %H:%M"),
                counts="".join(f"  {k:<20} {v}\n" for k, v in counts.items()),
            ),
        )
    return buffer.getvalue(), counts
