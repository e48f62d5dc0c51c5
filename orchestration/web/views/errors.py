"""Error pages in the service's style (no detail of what was refused beyond the page)."""

from django.shortcuts import render


def forbidden(request, exception=None):
    return render(request, "web/403.html", status=403)
