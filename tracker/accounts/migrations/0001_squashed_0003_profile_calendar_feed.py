"""Accounts: the profile (zone, accountability partner, nudges turned off, quiet hours, the
calendar feed), squashed from 0001-0003, and the move to django-allauth (every existing account
with an address gets its EmailAddress row, primary and not verified, so reminders wait until the
person confirms it; the database refuses two accounts with one address in different cases).

A database migrated to 0003_profile_calendar_feed takes this as applied. One that stopped earlier
upgrades through the release that still carried the three files."""

import django.db.models.deletion
import tracker.validators
from django.conf import settings
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
    initial = True

    replaces = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_profile_partner_email_quiet"),
        ("accounts", "0003_profile_calendar_feed"),
    ]

    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Profile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('full_name', models.CharField(blank=True, max_length=120, validators=[tracker.validators.OneLineText()])),
                ('phone', models.CharField(blank=True, max_length=40, validators=[tracker.validators.OneLineText()])),
                ('time_zone', models.CharField(default='UTC', max_length=64, validators=[tracker.validators.validate_zone])),
                ('partner_email', models.EmailField(blank=True, help_text='Gets the 24-hour reminder too, once they accept the invitation.', max_length=254, verbose_name="accountability partner's email")),
                ('partner_state', models.CharField(blank=True, choices=[('', 'No partner'), ('invited', 'Invited, not answered yet'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('stopped', 'Stopped all email')], default='', max_length=10)),
                ('partner_invited_at', models.DateTimeField(blank=True, null=True)),
                ('partner_answered_at', models.DateTimeField(blank=True, null=True)),
                ('partner_opted_out', models.JSONField(blank=True, default=list)),
                ('reminders_off', models.JSONField(blank=True, default=list)),
                ('quiet_hours', models.BooleanField(default=True, verbose_name='hold nudges at night')),
                ('feed_token', models.CharField(blank=True, db_index=True, default='', max_length=64)),
                ('feed_interviewer', models.BooleanField(default=False, verbose_name='name the interviewer in my calendar feed')),
                ('feed_changed_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(code=check_no_duplicates, reverse_code=migrations.RunPython.noop),
        migrations.RunSQL(sql=UNIQUE_EMAIL_SQL, reverse_sql=DROP_UNIQUE_EMAIL_SQL),
        migrations.RunPython(code=add_email_addresses, reverse_code=migrations.RunPython.noop),
    ]
