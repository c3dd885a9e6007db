"""The reminders panel on the incident page (filled in by the reminder engine)."""

from django import template

register = template.Library()


@register.inclusion_tag("web/_reminders_panel.html")
def reminders_panel(incident):
    return {"incident": incident, "reminders": []}
