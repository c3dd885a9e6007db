"""Reminders, squashed from 0001-0003 (the notice kinds of issue 10, the escalation kinds of
issue 15). A database migrated to 0003_escalation_kinds takes this as applied."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ("reminders", "0001_initial"),
        ("reminders", "0002_notice_kinds"),
        ("reminders", "0003_escalation_kinds"),
    ]

    dependencies = [
        ('incidents', '0001_squashed_0003_reschedule_readiness'),
    ]

    operations = [
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('first_hour', 'First-hour nudge'), ('follow_up', 'Follow-up nudge'), ('before_24h', '24 hours before'), ('before_1h', '1 hour before'), ('thank_you', 'Thank-you nudge'), ('thank_you_last_call', 'Thank-you last call'), ('test', 'Test reminder'), ('interview_confirmed', 'Interview confirmed'), ('interview_moved', 'Interview moved'), ('interview_changed', 'Interview details changed'), ('interview_called_off', 'Interview called off'), ('partner_before_24h', "Partner's copy, the day before"), ('escalation', 'Not ready yet: 30 minutes before'), ('partner_escalation', "Partner's note when you are not ready")], max_length=24)),
                ('version', models.PositiveIntegerField(default=0)),
                ('due_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('expired', 'Expired'), ('skipped', 'Skipped')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('lease_token', models.CharField(blank=True, max_length=32)),
                ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('reason', models.CharField(blank=True, max_length=300)),
                ('message_id', models.CharField(max_length=200, unique=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='incidents.incident')),
                ('reschedule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='incidents.reschedule')),
            ],
            options={
                'ordering': ['due_at', 'pk'],
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['due_at'], name='reminder_pending_due'), models.Index(condition=models.Q(('status', 'sending')), fields=['lease_expires_at'], name='reminder_sending_lease'), models.Index(fields=['incident', 'due_at'], name='reminder_incident_due')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('reschedule__isnull', False)), fields=('reschedule', 'kind', 'version'), name='reminder_unique_per_reschedule'), models.UniqueConstraint(condition=models.Q(('reschedule__isnull', True)), fields=('incident', 'kind', 'version'), name='reminder_unique_per_incident'), models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('due_at'))), name='reminder_expires_after_due')],
            },
        ),
    ]
