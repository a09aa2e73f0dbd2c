"""Helpers shared by the practice views: loading records and refusing with a reason."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from lms.auth.assignments import assigned_trainee_ids
from lms.auth.models import Role, User
from lms.catalog.content import Program
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.practice import profile
from lms.practice.deidentify import highlight, screen, summary
from lms.practice.models import EntryState, PracticeDecision, PracticeEntry
from lms.practice.once import ALREADY_SENT, claim_form


def resend_of(form_key: str | None, fallback_url: str) -> Response | None:
    """Claim the form's one-time key; if it was already sent, lead to the first send's result."""
    earlier = claim_form(form_key, current_user)
    if earlier is None:
        return None
    flash(ALREADY_SENT, "info")
    return redirect(earlier or fallback_url)


#: Why a supervisor cannot see an entry that was in their queue a moment ago.
TAKEN_BACK = ("The trainee has taken this entry back to edit it. It will return to your queue "
              "when they send it again.")


def conflict(message: str, back_url: str, back_label: str) -> tuple[str, int]:
    """Render the 409 page: what was refused, why, and that nothing changed."""
    return render_template("practice/conflict.html", message=message, back_url=back_url,
                           back_label=back_label), 409


def load_entry(entry_id: int) -> PracticeEntry:
    """Return an entry with its trainee, approver and decisions loaded, or 404."""
    query = (select(PracticeEntry).where(PracticeEntry.id == entry_id)
             .options(joinedload(PracticeEntry.trainee), joinedload(PracticeEntry.approved_by),
                      selectinload(PracticeEntry.decisions)
                      .joinedload(PracticeDecision.supervisor)))
    entry = db.session.scalar(query)
    if entry is None:
        abort(404)
    return entry


def own_entry(entry_id: int) -> PracticeEntry:
    """Return the signed-in trainee's own entry, else 404 like a missing one."""
    entry = load_entry(entry_id)
    # Someone else's entry answers exactly as a missing one: ids reveal nothing.
    if current_user.role is not Role.TRAINEE or entry.trainee_id != current_user.id:
        abort(404)
    return entry


def reviewable_entry(entry_id: int) -> PracticeEntry:
    """Return an entry an assigned supervisor may see (never a draft), else 403 or 404."""
    entry = load_entry(entry_id)
    if (current_user.role is not Role.SUPERVISOR
            or entry.trainee_id not in assigned_trainee_ids(current_user.id)):
        abort(404)  # the entry of a trainee they do not supervise: as if it did not exist
    if entry.state is EntryState.DRAFT:
        abort(403, TAKEN_BACK)
    return entry


def trainee_for_viewer(user_id: int) -> User:
    """Return a trainee an admin or an assigned supervisor may look at, else 403 or 404."""
    trainee = db.get_or_404(User, user_id)
    if trainee.role is not Role.TRAINEE:
        abort(404)
    if current_user.role is Role.ADMIN:
        return trainee
    if current_user.role is Role.SUPERVISOR and trainee.id in assigned_trainee_ids(current_user.id):
        return trainee
    abort(403, "Only an administrator or a supervisor assigned to this trainee can see their "
               "records.")


def text_sha(text: str | None) -> str:
    """Return the SHA-256 of text as shown, to tie a confirmation to what was screened."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()


def screen_context(text: str | None) -> dict[str, Any]:
    """Return what the screening panel shows for a text: hits, highlighted text and advice."""
    text = (text or "").strip()
    hits = screen(text)
    return {"hits": hits, "marked": highlight(text, hits) if hits else None,
            "kinds": summary(hits), "sha": text_sha(text), "guide_url": guidance_url()}


def guidance_url() -> str:
    """Return the link to the confidentiality module's section on practice logs."""
    for program in get_catalog():
        try:
            module = program.module("confidentiality")
        except KeyError:
            continue
        anchor = next((entry.anchor_id for entry in module.toc
                       if "practice log" in entry.title.lower()), None)
        return module.url + (f"#{anchor}" if anchor else "")
    return url_for("main.home")


def choices_for(program: Program) -> dict[str, list[tuple[str, str]]]:
    """Return the program's lists for the entry form's radio buttons and checkboxes."""
    return {
        "activity": [(a.key, a.label) for a in profile.activity_types(program)],
        "setting": profile.settings(program),
        "competencies": profile.competencies(program),
    }
