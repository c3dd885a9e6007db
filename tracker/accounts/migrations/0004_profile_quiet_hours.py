"""Issue 10: quiet hours for the nudges, on by default."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_email_addresses"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="quiet_hours",
            field=models.BooleanField(default=True, verbose_name="hold nudges at night"),
        ),
    ]
