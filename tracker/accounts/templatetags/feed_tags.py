"""Issue 15: the calendar feed's addresses on the profile page."""

from django import template

from tracker.accounts import feed

register = template.Library()


@register.simple_tag
def feed_urls(profile):
    return feed.urls(profile) if profile is not None else None
