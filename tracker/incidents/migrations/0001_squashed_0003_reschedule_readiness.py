"""Incidents, squashed from 0001-0003: incidents, contacts, outreach, reschedules and their
proposed times, safeguards, promised materials and the timeline, with the calendar identity
(issue 10), the text validators (issue 12) and the readiness marks (issue 15).

A database migrated to 0003_reschedule_readiness takes this as applied. One that stopped earlier
upgrades through the release that still carried the three files (0002 backfilled the calendar
sequence of interviews confirmed before it; a new database has none)."""

import django.core.validators
import django.db.models.deletion
import tracker.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ("incidents", "0001_initial"),
        ("incidents", "0002_calendar_sequence_text_validators"),
        ("incidents", "0003_reschedule_readiness"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProposedSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField(help_text='UTC')),
                ('time_zone', models.CharField(max_length=64, validators=[tracker.validators.validate_zone])),
                ('position', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Contact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, validators=[tracker.validators.OneLineText()])),
                ('role', models.CharField(choices=[('interviewer', 'Interviewer'), ('recruiter', 'Recruiter'), ('hr', 'HR'), ('coordinator', 'Scheduling coordinator')], default='interviewer', max_length=20)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('phone', models.CharField(blank=True, max_length=40, validators=[tracker.validators.OneLineText()])),
                ('time_zone', models.CharField(blank=True, max_length=64, validators=[tracker.validators.validate_zone])),
                ('preferred_channel', models.CharField(choices=[('phone', 'Phone'), ('email', 'Email'), ('any', 'No preference')], default='any', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['name', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company', models.CharField(max_length=120, validators=[tracker.validators.OneLineText()])),
                ('role', models.CharField(max_length=120, validators=[tracker.validators.OneLineText()])),
                ('interview_at', models.DateTimeField(help_text='When the missed interview was (UTC).')),
                ('interview_tz', models.CharField(max_length=64, validators=[tracker.validators.validate_zone])),
                ('candidate_tz', models.CharField(max_length=64, validators=[tracker.validators.validate_zone])),
                ('format', models.CharField(choices=[('phone', 'Phone'), ('video', 'Video'), ('onsite', 'On site')], default='video', max_length=10)),
                ('cause', models.CharField(choices=[('personal', 'Overslept or personal error'), ('transit', 'Transit or travel delay'), ('technical', 'Technical failure'), ('emergency', 'Emergency or medical'), ('timezone', 'Time-zone error'), ('calendar', 'Calendar error'), ('other', 'Other')], max_length=12)),
                ('discovered_at', models.DateTimeField()),
                ('phase', models.CharField(choices=[('contain', 'Contain'), ('correct', 'Correct'), ('consolidate', 'Consolidate'), ('closed', 'Closed')], default='contain', max_length=12)),
                ('outcome', models.CharField(blank=True, choices=[('recovered', 'Recovered'), ('declined', 'Declined'), ('no_response', 'No response'), ('moved_on', 'Moved on')], max_length=12)),
                ('first_outreach_at', models.DateTimeField(blank=True, null=True)),
                ('attended_at', models.DateTimeField(blank=True, null=True)),
                ('thank_you_sent_at', models.DateTimeField(blank=True, null=True)),
                ('thank_you_topic', models.CharField(blank=True, max_length=200, validators=[tracker.validators.OneLineText()])),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('notes', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000), tracker.validators.MultilineText()])),
                ('lessons', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000), tracker.validators.MultilineText()])),
                ('calendar_sequence', models.PositiveIntegerField(default=0)),
                ('alarm_test_at', models.DateTimeField(blank=True, null=True)),
                ('alarm_test_result', models.CharField(blank=True, choices=[('rang', 'It rang'), ('silent', "It didn't ring")], max_length=8)),
                ('alarm_test_answered_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('contacts', models.ManyToManyField(blank=True, related_name='incidents', to='incidents.contact')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-discovered_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Outreach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('call', 'Phone call'), ('voicemail', 'Voicemail'), ('email', 'Email'), ('message', 'Message')], max_length=10)),
                ('purpose', models.CharField(choices=[('apology', 'Apology'), ('reschedule', 'Reschedule request'), ('follow_up', 'Follow-up'), ('confirmation', 'Confirmation'), ('thank_you', 'Thank-you note'), ('materials', 'Promised materials'), ('other', 'Other')], default='apology', max_length=12)),
                ('occurred_at', models.DateTimeField()),
                ('subject', models.CharField(blank=True, max_length=200, validators=[tracker.validators.OneLineText()])),
                ('text', models.TextField(blank=True, max_length=10000, validators=[django.core.validators.MaxLengthValidator(10000), tracker.validators.MultilineText()])),
                ('result', models.CharField(choices=[('reached', 'Reached'), ('voicemail', 'Left voicemail'), ('no_answer', 'No answer'), ('sent', 'Sent'), ('replied', 'Replied')], max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outreach', to='incidents.contact')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outreach', to='incidents.incident')),
            ],
            options={
                'verbose_name_plural': 'outreach',
                'ordering': ['occurred_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='PromisedMaterial',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('description', models.CharField(max_length=200, validators=[tracker.validators.OneLineText()])),
                ('due_on', models.DateField(blank=True, null=True)),
                ('status', models.CharField(choices=[('pending', 'To deliver'), ('delivered', 'Delivered'), ('dropped', 'Dropped')], default='pending', max_length=10)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='materials', to='incidents.incident')),
            ],
            options={
                'ordering': ['due_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Reschedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField()),
                ('reply', models.CharField(choices=[('pending', 'Waiting for a reply'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('no_response', 'No response')], default='pending', max_length=12)),
                ('replied_at', models.DateTimeField(blank=True, null=True)),
                ('followed_up_at', models.DateTimeField(blank=True, null=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('start', models.DateTimeField(blank=True, help_text='UTC', null=True)),
                ('time_zone', models.CharField(blank=True, max_length=64, validators=[tracker.validators.validate_zone])),
                ('duration_minutes', models.PositiveIntegerField(blank=True, null=True)),
                ('format', models.CharField(blank=True, choices=[('phone', 'Phone'), ('video', 'Video'), ('onsite', 'On site')], max_length=10)),
                ('location', models.CharField(blank=True, max_length=500, validators=[tracker.validators.OneLineText()], verbose_name='link or place')),
                ('version', models.PositiveIntegerField(default=0)),
                ('sequence', models.PositiveIntegerField(default=0)),
                ('last_change', models.CharField(blank=True, choices=[('confirmed', 'Confirmed'), ('moved', 'Moved'), ('changed', 'Details changed'), ('called_off', 'Called off')], max_length=12)),
                ('last_change_at', models.DateTimeField(blank=True, null=True)),
                ('previous_start', models.DateTimeField(blank=True, help_text='UTC', null=True)),
                ('attended_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('ready_at', models.DateTimeField(blank=True, null=True)),
                ('ready_version', models.PositiveIntegerField(default=0)),
                ('reconfirmed_at', models.DateTimeField(blank=True, null=True)),
                ('reconfirmed_version', models.PositiveIntegerField(default=0)),
                ('accepted_slot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.proposedslot')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reschedules', to='incidents.incident')),
                ('interviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.contact')),
            ],
            options={
                'ordering': ['requested_at', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='proposedslot',
            name='reschedule',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slots', to='incidents.reschedule'),
        ),
        migrations.CreateModel(
            name='Safeguard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('duplicate_alarms', 'Alarms on two devices, 24 h and 1 h before'), ('both_zones', 'Both time zones written in the calendar invite'), ('confirmation_sent', 'Written confirmation sent (date, time, zone, link)'), ('confirm_day_before', 'Re-confirm 24 h before and on the morning'), ('tech_check', 'Tech check 30–60 minutes before (camera, mic, connection)'), ('travel_buffer', 'Travel buffer blocked in the calendar'), ('prep_block', 'Preparation time blocked (three stories, fit summary, questions)'), ('partner', 'Accountability partner reminds you the night before'), ('join_early', 'Join 10–15 minutes early')], max_length=24)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='safeguards', to='incidents.incident')),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TimelineEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('kind', models.CharField(max_length=40)),
                ('message', models.CharField(max_length=500)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='timeline', to='incidents.incident')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('phase', 'closed'), _negated=True), fields=['owner', '-discovered_at', '-id'], name='incident_open_by_owner'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['owner', 'phase', '-discovered_at'], name='incident_owner_phase'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['owner', '-discovered_at'], name='incident_owner_discovered'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('phase__in', ['contain', 'correct', 'consolidate', 'closed'])), name='incident_phase_valid'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['', 'recovered', 'declined', 'no_response', 'moved_on'])), name='incident_outcome_valid'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('cause__in', ['personal', 'transit', 'technical', 'emergency', 'timezone', 'calendar', 'other'])), name='incident_cause_valid'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('format__in', ['phone', 'video', 'onsite'])), name='incident_format_valid'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('closed_at__isnull', False), ('phase', 'closed'), models.Q(('outcome', ''), _negated=True)), models.Q(models.Q(('phase', 'closed'), _negated=True), ('outcome', ''), ('closed_at__isnull', True)), _connector='OR'), name='incident_closed_has_outcome'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('phase__in', ['correct', 'consolidate']), _negated=True), ('first_outreach_at__isnull', False), _connector='OR'), name='incident_past_contain_has_outreach'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('phase', 'consolidate'), ('attended_at__isnull', False)), models.Q(('phase__in', ['contain', 'correct']), ('attended_at__isnull', True)), ('phase', 'closed'), _connector='OR'), name='incident_consolidate_iff_attended'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('thank_you_sent_at__isnull', True), ('attended_at__isnull', False), _connector='OR'), name='incident_thank_you_after_attended'),
        ),
        migrations.AddIndex(
            model_name='outreach',
            index=models.Index(fields=['incident', 'occurred_at'], name='outreach_incident_at'),
        ),
        migrations.AddConstraint(
            model_name='promisedmaterial',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'pending'), ('resolved_at__isnull', True)), models.Q(('status__in', ['delivered', 'dropped']), ('resolved_at__isnull', False)), _connector='OR'), name='material_resolved_iff_not_pending'),
        ),
        migrations.AddIndex(
            model_name='reschedule',
            index=models.Index(fields=['incident', 'requested_at'], name='reschedule_incident_at'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.UniqueConstraint(condition=models.Q(('cancelled_at__isnull', True)), fields=('incident',), name='reschedule_one_live_per_incident'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(('reply__in', ['pending', 'accepted', 'declined', 'no_response'])), name='reschedule_reply_valid'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reply', 'pending'), ('replied_at__isnull', True)), models.Q(models.Q(('reply', 'pending'), _negated=True), ('replied_at__isnull', False)), _connector='OR'), name='reschedule_replied_iff_not_pending'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(('accepted_slot__isnull', True), ('reply', 'accepted'), _connector='OR'), name='reschedule_accepted_slot_means_accepted'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('confirmed_at__isnull', True), ('version', 0)), models.Q(('confirmed_at__isnull', False), ('start__isnull', False), ('duration_minutes__isnull', False), models.Q(('time_zone', ''), _negated=True), models.Q(('format', ''), _negated=True), ('version__gte', 1), ('reply', 'accepted')), _connector='OR'), name='reschedule_confirmed_has_slot'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(('attended_at__isnull', True), ('confirmed_at__isnull', False), _connector='OR'), name='reschedule_attended_was_confirmed'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(('attended_at__isnull', True), ('cancelled_at__isnull', True), _connector='OR'), name='reschedule_not_attended_and_cancelled'),
        ),
        migrations.AddConstraint(
            model_name='reschedule',
            constraint=models.CheckConstraint(condition=models.Q(('duration_minutes__isnull', True), ('duration_minutes__gte', 1), _connector='OR'), name='reschedule_duration_positive'),
        ),
        migrations.AddConstraint(
            model_name='proposedslot',
            constraint=models.UniqueConstraint(fields=('reschedule', 'position'), name='slot_unique_position'),
        ),
        migrations.AddConstraint(
            model_name='proposedslot',
            constraint=models.UniqueConstraint(fields=('reschedule', 'start'), name='slot_unique_start'),
        ),
        migrations.AddConstraint(
            model_name='proposedslot',
            constraint=models.CheckConstraint(condition=models.Q(('position__lt', 3)), name='slot_position_at_most_3'),
        ),
        migrations.AddConstraint(
            model_name='safeguard',
            constraint=models.UniqueConstraint(fields=('incident', 'kind'), name='safeguard_unique_kind'),
        ),
        migrations.AddIndex(
            model_name='timelineevent',
            index=models.Index(fields=['incident', 'at'], name='timeline_incident_at'),
        ),
    ]
