"""The user's notices: the list (unread first), opening one, marking them all read. A notice belongs to
its user only: anyone else gets a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from parcours.coordination import notices
from parcours.coordination.models import Notification


@require_GET
def notifications(request):
    page = notices.notices_page(request.user, request.GET.get("page"))
    return render(
        request,
        "coordination/notifications/list.html",
        {"page": page, "unread": notices.unread_count(request.user)},
    )


@require_GET
def notification(request, uuid):
    notice = get_object_or_404(Notification.objects.filter(user=request.user), uuid=uuid)
    target = notices.open_notice(notice, user=request.user)
    if target is None:
        messages.error(request, "Cet avis mène à une adresse extérieure à Parcours : il n'a pas été ouvert.")
        return redirect("coordination:notifications")
    return redirect(target)


@require_POST
def mark_all_read(request):
    count = notices.mark_all_read(user=request.user)
    if count:
        messages.success(request, "Tous vos avis sont marqués comme lus.")
    return redirect("coordination:notifications")
