"""Issue 10: one calendar identity per incident's interview. The incident's calendar SEQUENCE and,
on each reschedule, the sequence of its last significant change, what it was, when, and the start
it moved from.

Interviews confirmed before this migration get their version as their sequence (their copies had
a UID per reschedule, so any number starts the new identity cleanly) and no recorded change, so no
notice email is sent for them until they next change."""

from django.db import migrations, models
from django.db.models import Max


def sequences_from_versions(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Reschedule = apps.get_model("incidents", "Reschedule")
    confirmed = Reschedule.objects.filter(confirmed_at__isnull=False)
    confirmed.update(sequence=models.F("version"))
    tops = confirmed.values("incident").annotate(top=Max("sequence"))
    for row in tops.iterator():
        Incident.objects.filter(pk=row["incident"]).update(calendar_sequence=row["top"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="calendar_sequence",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reschedule",
            name="sequence",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reschedule",
            name="last_change",
            field=models.CharField(
                blank=True,
                choices=[
                    ("confirmed", "Confirmed"),
                    ("moved", "Moved"),
                    ("changed", "Details changed"),
                    ("called_off", "Called off"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="reschedule",
            name="last_change_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reschedule",
            name="previous_start",
            field=models.DateTimeField(blank=True, help_text="UTC", null=True),
        ),
        migrations.RunPython(sequences_from_versions, migrations.RunPython.noop),
    ]
