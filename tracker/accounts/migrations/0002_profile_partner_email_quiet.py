"""Accounts after issues 10 and 12, squashed from 0002-0004: the accountability partner's consent,
text validators, quiet hours, and the move to django-allauth (every existing account with an
address gets its EmailAddress row, primary and not verified, so reminders wait until the person
confirms it; the database refuses two accounts with one address in different cases)."""

import tracker.validators
from django.db import migrations, models

# Both PostgreSQL and SQLite: a unique index on the lower-cased address, empty ones aside.
UNIQUE_EMAIL_SQL = (
    "CREATE UNIQUE INDEX auth_user_email_ci_unique ON auth_user (LOWER(email)) WHERE email <> ''"
)
DROP_UNIQUE_EMAIL_SQL = "DROP INDEX auth_user_email_ci_unique"


def check_no_duplicates(apps, schema_editor):
    User = apps.get_model("auth", "User")
    seen: dict[str, int] = {}
    clashes = []
    for pk, email in User.objects.exclude(email="").values_list("pk", "email").order_by("pk"):
        key = email.lower()
        if key in seen:
            clashes.append(f"{email} (users {seen[key]} and {pk})")
        seen.setdefault(key, pk)
    if clashes:
        raise RuntimeError(
            "Several accounts share an email address (case-insensitive); give each its own "
            "before migrating: " + "; ".join(clashes)
        )


def add_email_addresses(apps, schema_editor):
    User = apps.get_model("auth", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    have = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email.lower(), primary=True, verified=False)
            for pk, email in User.objects.exclude(email="").values_list("pk", "email")
            if pk not in have
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    replaces = [
        ("accounts", "0002_profile_partner_consent"),
        ("accounts", "0003_email_addresses"),
        ("accounts", "0004_profile_quiet_hours"),
    ]

    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="partner_answered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="profile",
            name="partner_invited_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="profile",
            name="partner_opted_out",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="profile",
            name="partner_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No partner"),
                    ("invited", "Invited, not answered yet"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("stopped", "Stopped all email"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="profile",
            name="full_name",
            field=models.CharField(
                blank=True, max_length=120, validators=[tracker.validators.OneLineText()]
            ),
        ),
        migrations.AlterField(
            model_name="profile",
            name="partner_email",
            field=models.EmailField(
                blank=True,
                help_text="Gets the 24-hour reminder too, once they accept the invitation.",
                max_length=254,
                verbose_name="accountability partner's email",
            ),
        ),
        migrations.AlterField(
            model_name="profile",
            name="phone",
            field=models.CharField(
                blank=True, max_length=40, validators=[tracker.validators.OneLineText()]
            ),
        ),
        migrations.RunPython(
            code=check_no_duplicates,
            reverse_code=migrations.RunPython.noop,
        ),
        migrations.RunSQL(
            sql=UNIQUE_EMAIL_SQL,
            reverse_sql=DROP_UNIQUE_EMAIL_SQL,
        ),
        migrations.RunPython(
            code=add_email_addresses,
            reverse_code=migrations.RunPython.noop,
        ),
        migrations.AddField(
            model_name="profile",
            name="quiet_hours",
            field=models.BooleanField(default=True, verbose_name="hold nudges at night"),
        ),
    ]
