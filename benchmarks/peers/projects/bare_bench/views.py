from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Item

PAGE_SIZE = 30


def items(request: HttpRequest, thread_id: int) -> HttpResponse:
    """One indexed query (thread, created_at, id), one small template."""
    rows = list(Item.objects.filter(thread_id=thread_id).order_by("created_at", "id")[:PAGE_SIZE])
    if not rows:
        raise Http404
    return render(request, "bare_bench/items.html", {"thread_id": thread_id, "items": rows})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
