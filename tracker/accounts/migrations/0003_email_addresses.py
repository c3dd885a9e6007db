"""Accounts move to django-allauth (issue 12): every existing account with an address gets its
EmailAddress row (primary, not verified: reminders wait until the person confirms it), and the
database refuses two accounts with one address in different cases."""

from django.db import migrations

# Both PostgreSQL and SQLite: a unique index on the lower-cased address, empty ones aside.
UNIQUE_EMAIL_SQL = (
    "CREATE UNIQUE INDEX auth_user_email_ci_unique ON auth_user (LOWER(email)) "
    "WHERE email <> ''"
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
    dependencies = [
        ("accounts", "0002_profile_partner_consent"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(check_no_duplicates, migrations.RunPython.noop),
        migrations.RunSQL(UNIQUE_EMAIL_SQL, DROP_UNIQUE_EMAIL_SQL),
        migrations.RunPython(add_email_addresses, migrations.RunPython.noop),
    ]
