"""The benchmark floor: what a page costs on this server when it does almost nothing."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def bench_floor(request):
    """One trivial query and a tiny response: no session, no template, no personal data. Answers
    only when PARCOURS_BENCH_FLOOR is on (benchmark servers), a 404 everywhere else."""
    if not getattr(settings, "PARCOURS_BENCH_FLOOR", False):
        raise Http404
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")
