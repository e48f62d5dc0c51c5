"""Clerical review: the queue by impact, one pair side by side, a decision with its reason,
undo, and how many remain.

Decisions are refused unless the pair is in the published queue (so unknown record ids never
reach linkage); they are kept here and applied to linkage by the next night (decisions.py).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from orchestration.published import NothingPublishedError
from orchestration.web import audit, night
from orchestration.web.models import ReviewDecision
from orchestration.web.roles import requires


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=ReviewDecision._meta.get_field("decision").choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(widget=forms.Textarea, max_length=1000, min_length=5)


def _pending_pairs() -> set[tuple[str, str]]:
    return set(
        ReviewDecision.objects.filter(undone_at__isnull=True).values_list(
            "record_id_l", "record_id_r"
        )
    )


def _unavailable(request, error: NothingPublishedError):
    return render(request, "web/nothing_published.html", {"error": str(error)}, status=503)


@requires("view_review_queue")
def review_queue(request):
    try:
        with night.published() as con:
            pairs = night.review_queue(con, exclude=_pending_pairs())
    except NothingPublishedError as error:
        return _unavailable(request, error)
    audit.record(request, "view_review_queue", detail=f"{len(pairs)} pairs remain")
    decisions = ReviewDecision.objects.all()[:20]
    by_impact = Counter(pair["impact"] for pair in pairs)
    return render(
        request,
        "web/review_queue.html",
        {
            "pairs": pairs[:100],
            "remaining": len(pairs),
            "can_change_eligibility": by_impact[3],
            "can_change_criteria": by_impact[2],
            "decisions": decisions,
        },
    )


def _place_in_queue(queue: list[dict], pair: dict) -> tuple[dict | None, dict | None]:
    """This pair's row in the scored queue, and the pair to offer after it."""
    key = (pair["record_id_l"], pair["record_id_r"])
    mine = next((q for q in queue if (q["record_id_l"], q["record_id_r"]) == key), None)
    following = next((q for q in queue if (q["record_id_l"], q["record_id_r"]) != key), None)
    return mine, following


def _pair_url(pair: dict) -> str:
    query = urlencode({"left": pair["record_id_l"], "right": pair["record_id_r"]})
    return f"{reverse('review_pair')}?{query}"


@requires("view_review_queue")
def review_pair(request):
    # Record ids hold ":" and "|" (and may hold "/"): they travel as query parameters.
    left, right = request.GET.get("left", ""), request.GET.get("right", "")
    try:
        with night.published() as con:
            pair = night.queued_pair(con, left, right)
            queue = night.review_queue(con, exclude=_pending_pairs()) if pair else []
    except NothingPublishedError as error:
        return _unavailable(request, error)
    if pair is None:
        audit.record(request, "refused", detail=f"pair not in the queue: {left} {right}")
        raise Http404("that pair is not in the review queue")
    scored, following = _place_in_queue(queue, pair)
    form = DecisionForm()
    if request.method == "POST":
        if not request.user.has_perm("web.decide_review"):
            from orchestration.web.roles import refuse

            refuse(request, "lacks decide_review")
        form = DecisionForm(request.POST)
        if form.is_valid():
            decision = ReviewDecision.objects.create(
                record_id_l=pair["record_id_l"],
                record_id_r=pair["record_id_r"],
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                reviewer=request.user.get_username(),
            )
            audit.record(
                request,
                "review_decision",
                detail=f"decision {decision.pk} ({decision.decision}) on pair "
                f"{pair['record_id_l']} {pair['record_id_r']}",
            )
            messages.success(
                request,
                "Decision recorded: it applies from the next night (undo it from the queue "
                "until then).",
            )
            # Straight on to the next pair by impact, as a reviewer works through the queue.
            return redirect(_pair_url(following)) if following else redirect("review_queue")
    # The values of both records are personal data: the view names both persons.
    audit.record(
        request,
        "view_review_pair",
        person_id=pair["person_l"] or "",
        detail=f"pair {pair['record_id_l']} {pair['record_id_r']}; persons "
        f"{pair['person_l'] or '-'} {pair['person_r'] or '-'}",
    )
    return render(
        request,
        "web/review_pair.html",
        {
            "pair": pair,
            "form": form,
            "impact_label": scored["impact_label"] if scored else "",
            "remaining_after": max(0, len(queue) - 1) if scored else len(queue),
        },
    )


@requires("decide_review")
def undo_decision(request, decision_id: int):
    if request.method != "POST":
        raise Http404("undo is a form submission")
    decision = get_object_or_404(ReviewDecision, pk=decision_id, undone_at__isnull=True)
    if decision.applied_at is not None:
        messages.error(
            request,
            "That decision was applied by a night already: record the opposite decision "
            "if it was wrong.",
        )
        return redirect("review_queue")
    decision.undone_at = timezone.now()
    decision.save(update_fields=["undone_at"])
    audit.record(request, "review_undo", detail=f"decision {decision.pk} undone")
    messages.success(request, "Decision undone: the pair is back in the queue.")
    return redirect("review_queue")
