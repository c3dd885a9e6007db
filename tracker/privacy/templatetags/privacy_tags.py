"""{% retention_notice %}: the history page tells the person what the retention sweep erases,
what it has erased and what is next (issue 16)."""

from django import template
from django.utils import timezone

from tracker.privacy import selectors

register = template.Library()


@register.inclusion_tag("privacy/_retention_notice.html", takes_context=True)
def retention_notice(context):
    user = context["request"].user
    return {"notice": selectors.retention_notice_for_page(person=user, now=timezone.now())}
