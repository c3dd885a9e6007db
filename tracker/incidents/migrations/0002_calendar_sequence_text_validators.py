"""Incidents after issues 10 and 12, squashed from 0002-0003.

Issue 10: one calendar identity per incident's interview. The incident's calendar SEQUENCE and,
on each reschedule, the sequence of its last significant change, what it was, when, and the start
it moved from.

Interviews confirmed before this migration get their version as their sequence (their copies had
a UID per reschedule, so any number starts the new identity cleanly) and no recorded change, so no
notice email is sent for them until they next change.

Text fields get the validators that refuse control and bidi characters (issue 12)."""

import django.core.validators
import tracker.validators
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
    replaces = [
        ("incidents", "0002_calendar_sequence"),
        ("incidents", "0003_alter_contact_name_alter_contact_phone_and_more"),
    ]

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
        migrations.RunPython(
            code=sequences_from_versions,
            reverse_code=migrations.RunPython.noop,
        ),
        migrations.AlterField(
            model_name="contact",
            name="name",
            field=models.CharField(max_length=120, validators=[tracker.validators.OneLineText()]),
        ),
        migrations.AlterField(
            model_name="contact",
            name="phone",
            field=models.CharField(
                blank=True, max_length=40, validators=[tracker.validators.OneLineText()]
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="company",
            field=models.CharField(max_length=120, validators=[tracker.validators.OneLineText()]),
        ),
        migrations.AlterField(
            model_name="incident",
            name="lessons",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[
                    django.core.validators.MaxLengthValidator(5000),
                    tracker.validators.MultilineText(),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="notes",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[
                    django.core.validators.MaxLengthValidator(5000),
                    tracker.validators.MultilineText(),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="role",
            field=models.CharField(max_length=120, validators=[tracker.validators.OneLineText()]),
        ),
        migrations.AlterField(
            model_name="incident",
            name="thank_you_topic",
            field=models.CharField(
                blank=True, max_length=200, validators=[tracker.validators.OneLineText()]
            ),
        ),
        migrations.AlterField(
            model_name="outreach",
            name="subject",
            field=models.CharField(
                blank=True, max_length=200, validators=[tracker.validators.OneLineText()]
            ),
        ),
        migrations.AlterField(
            model_name="outreach",
            name="text",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[
                    django.core.validators.MaxLengthValidator(10000),
                    tracker.validators.MultilineText(),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="promisedmaterial",
            name="description",
            field=models.CharField(max_length=200, validators=[tracker.validators.OneLineText()]),
        ),
        migrations.AlterField(
            model_name="reschedule",
            name="location",
            field=models.CharField(
                blank=True,
                max_length=500,
                validators=[tracker.validators.OneLineText()],
                verbose_name="link or place",
            ),
        ),
    ]
