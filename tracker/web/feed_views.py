"""Issue 15: the live calendar feed, fetched by calendar apps without a login. The token in the
URL is the key; an unknown or revoked one gets the same 404. A conditional GET (If-None-Match /
If-Modified-Since) gets a 304 when nothing changed."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from tracker.reminders.feed import feed_for_token


@login_not_required
@require_safe
def calendar_feed(request, token: str):
    feed = feed_for_token(token, now=timezone.now())
    if feed is None:
        raise Http404("No such feed.")
    modified = int(feed.last_modified.timestamp()) if feed.last_modified else None
    response = get_conditional_response(request, etag=feed.etag, last_modified=modified)
    if response is None:
        response = HttpResponse(feed.body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="interviews.ics"'
    response["ETag"] = feed.etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    # Private to the person, revalidated on every fetch; never stored by shared caches.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
