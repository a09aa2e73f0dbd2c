"""Certificate rules: what a trainee has done, eligibility, and public look-ups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import undefer

from lms.auth.models import User
from lms.catalog.content import Program
from lms.catalog.profile import RequirementProfile, practice_rules, profile, profiles
from lms.catalog.services import get_catalog
from lms.certification import signing
from lms.certification.codes import InvalidCode, format_code, parse_code
from lms.certification.eligibility import Eligibility, Records, counted_minutes, evaluate
from lms.certification.figures import ActiveCertificate
from lms.certification.models import Certificate, CertificateStatus, WalletCopy, status_is
from lms.certification.sharing import ProfileEntry
from lms.cohorts.services import profile_slug_for as cohort_profile
from lms.extensions import db
from lms.learning.services import edition_of, passed_modules, program_of
from lms.models import RecordSource, exported
from lms.practice import services as practice

EXPIRY_WARNING_DAYS = 60


class CertificationError(Exception):
    """A refusal whose message is safe to show."""


class AlreadyIssued(CertificationError):
    """The person already holds an active certificate for the program (maybe issued a moment
    ago by a simultaneous claim); `code` names it when this transaction can see it."""

    def __init__(self, code: str | None) -> None:
        self.code = code
        shown = f" ({format_code(code)})" if code else ""
        super().__init__(f"There is already an active certificate for this program{shown}.")


def trainee_records(trainee_id: int, program: Program,
                    since: datetime | None = None) -> Records:
    """Gather a trainee's records for a program, through each feature's own services."""
    return Records(
        passed_modules={slug: row.best_score or 0
                        for slug, row in passed_modules(trainee_id, program.slug).items()},
        approved_minutes_by_activity=practice.approved_minutes_by_activity(
            trainee_id, program, since=since),
        supervision_minutes=practice.supervision_minutes(trainee_id, since=since),
        observed_competencies=practice.observed_competencies(trainee_id),
    )


def trainee_edition(trainee_id: int, program: Program) -> int:
    """Return the edition the trainee works toward (the current one when not enrolled)."""
    recorded = edition_of(trainee_id, program.slug)
    return program.current_edition.number if recorded is None else recorded


def eligibility_for(trainee: User, program: Program, profile_slug: str | None = None,
                    edition: int | None = None) -> Eligibility:
    """Return the trainee's checklist against a profile of their edition (looked up if None)."""
    if edition is None:
        edition = trainee_edition(trainee.id, program)
    return eligibility_of(program, profile(program, profile_slug, edition),
                          trainee_records(trainee.id, program))


def eligibility_of(program: Program, chosen: RequirementProfile, records: Records) -> Eligibility:
    """Return the checklist for records already gathered."""
    titles = {module.slug: module.title for module in program.modules}
    return evaluate(chosen, practice_rules(program), titles, records)


def continuing_minutes(certificate: Certificate, program: Program) -> int:
    """Return counted practice approved since a certificate was issued (for renewal)."""
    since = datetime.combine(certificate.issued_on, time.min, tzinfo=UTC)
    records = trainee_records(certificate.user_id, program, since=since)
    return counted_minutes(practice_rules(program), records.approved_minutes_by_activity)


def snapshot(program: Program, chosen: RequirementProfile, records: Records,
             edition: int | None = None) -> dict[str, Any]:
    """Return what a certificate certifies, frozen at issue time."""
    rules = practice_rules(program)
    titles = {module.slug: module.title for module in program.modules}
    issued_under = program.edition(edition)
    return {
        "profile": {"slug": chosen.slug, "title": chosen.title, "based_on": chosen.based_on},
        "edition": {"number": issued_under.number, "fingerprint": issued_under.fingerprint},
        "modules": [{"slug": slug, "title": titles.get(slug, slug),
                     "score": records.passed_modules.get(slug)}
                    for slug in chosen.modules if slug in records.passed_modules],
        "practice": [{"activity": activity.key, "label": activity.label,
                      "minutes": records.approved_minutes_by_activity.get(activity.key, 0),
                      "counts": activity.counts}
                     for activity in rules.activity_types
                     if records.approved_minutes_by_activity.get(activity.key)],
        "practice_minutes_counted": counted_minutes(rules, records.approved_minutes_by_activity),
        "supervision_minutes": records.supervision_minutes,
        "competencies": [{"key": key, "label": rules.competency(key).label,
                          "observed_on": records.observed_competencies[key].isoformat()}
                         for key in chosen.competencies if key in records.observed_competencies],
    }


def find_certificate(text: str) -> Certificate | None:
    """Return the certificate for a typed code; raise InvalidCode before touching the database."""
    code = parse_code(text)
    return db.session.scalar(select(Certificate).filter_by(code=code))


def certificates_of(user_id: int) -> list[Certificate]:
    """Return a person's certificates, newest first."""
    query = (select(Certificate).filter_by(user_id=user_id)
             .order_by(Certificate.issued_on.desc(), Certificate.id.desc()))
    return list(db.session.scalars(query))


# Built once per process: the start page asks on every visit.
_ACTIVE_CERTIFICATE = select(Certificate).where(
    Certificate.user_id == bindparam("user_id"),
    Certificate.program_slug == bindparam("program_slug"),
    status_is(CertificateStatus.ACTIVE))


def active_certificate(user_id: int, program_slug: str) -> Certificate | None:
    """Return the person's active certificate in a program, if any."""
    return db.session.scalars(_ACTIVE_CERTIFICATE, {
        "user_id": user_id, "program_slug": program_slug}).first()


def expiry_warning(certificate: Certificate | ActiveCertificate, today: date) -> int | None:
    """Return days until expiry when within the warning window, else None."""
    if certificate.status is not CertificateStatus.ACTIVE or certificate.expires_on is None:
        return None
    days = (certificate.expires_on - today).days
    return days if 0 <= days <= EXPIRY_WARNING_DAYS else None


@dataclass(frozen=True)
class CertificateSummary:
    """What the trainee's start page says about certificates."""

    eligibility: Eligibility | None  # the cohort's (or default) profile of the first program
    active: Certificate | ActiveCertificate | None
    expires_in_days: int | None


def certificate_summary(trainee: User, today: date, program: Program | None = None,
                        edition: int | None = None) -> CertificateSummary:
    """Return the default profile's checklist, the active certificate and any expiry warning.

    The program is the trainee's first one; pass it (and the trainee's edition in it) when the
    caller has already looked them up.
    """
    program = program or program_of(trainee)
    if program is None:
        return CertificateSummary(None, None, None)
    active = active_certificate(trainee.id, program.slug)
    # The checklist shows the profile the trainee's cohort works toward, when their edition
    # offers it (default: the program's).
    ours = cohort_profile(trainee.id, program.slug)
    if ours not in profiles(program, edition if edition is not None else
                            trainee_edition(trainee.id, program)):
        ours = None
    eligibility = None if active else eligibility_for(trainee, program, ours, edition=edition)
    warning = expiry_warning(active, today) if active else None
    return CertificateSummary(eligibility, active, warning)


def certificates_expiring(today: date, within_days: int) -> list[tuple[Certificate, int]]:
    """Return active certificates expiring within the days given, with renewal hours needed."""
    last_day = date.fromordinal(today.toordinal() + within_days)
    query = (select(Certificate)
             .where(status_is(CertificateStatus.ACTIVE),
                    Certificate.expires_on.is_not(None), Certificate.expires_on >= today,
                    Certificate.expires_on <= last_day)
             .order_by(Certificate.id))
    programs = get_catalog().programs
    found = []
    for certificate in db.session.scalars(query):
        program = programs.get(certificate.program_slug)
        minutes = 0
        if program is not None:
            try:
                minutes = profile(program, certificate.profile_slug).renewal_ce_minutes
            except KeyError:
                minutes = 0  # a profile since removed from the content: renewal says the rest
        found.append((certificate, (minutes + 59) // 60))
    return found


def start_page_summary(program: Program, today: date, *, edition: int,
                       active: ActiveCertificate | None, cohort_profile_slug: str | None,
                       passed_modules: dict[str, int],
                       approved_minutes_by_activity: dict[str, int], supervision_minutes: int,
                       observed_competencies: dict[str, date]) -> CertificateSummary:
    """Return the start page's certificate summary from records the page has already read.

    The checklist is the cohort's profile when the trainee's edition offers it, as on the
    certificates page (certificate_summary); otherwise the program's default profile.
    """
    eligibility = None
    if active is None:
        ours = cohort_profile_slug if cohort_profile_slug in profiles(program, edition) else None
        records = Records(passed_modules=passed_modules,
                          approved_minutes_by_activity=approved_minutes_by_activity,
                          supervision_minutes=supervision_minutes,
                          observed_competencies=observed_competencies)
        eligibility = eligibility_of(program, profile(program, ours, edition), records)
    warning = expiry_warning(active, today) if active else None
    return CertificateSummary(eligibility, active, warning)


__all__ = ["AlreadyIssued", "CertificationError", "InvalidCode", "find_certificate"]


def profile_entry(certificate: Certificate) -> ProfileEntry:
    """Return what a holder enters on LinkedIn or a CV for this certificate."""
    code = format_code(certificate.code)
    return ProfileEntry(name=certificate.profile_title, organisation=signing.issuer_name(),
                        issued_on=certificate.issued_on, expires_on=certificate.expires_on,
                        credential_id=code,
                        credential_url=f"{signing.base_url()}/verify/{code}")
#: Stored in files of their own in a data download, not in certificates.json.
CERTIFICATE_FILES = frozenset({"pdf", "credential_json"})


def personal_data(user_id: int) -> dict[str, RecordSource]:
    """Return the person's certificates (without their files) and wallet copies, for download."""
    copies = (select(WalletCopy).join(Certificate, Certificate.id == WalletCopy.certificate_id)
              .where(Certificate.user_id == user_id).options(undefer(WalletCopy.credential_json))
              .order_by(WalletCopy.id))
    return {"certificates.json": exported(select(Certificate)
                                          .where(Certificate.user_id == user_id)
                                          .order_by(Certificate.id), CERTIFICATE_FILES),
            "wallet_copies.json": exported(copies)}


def certificate_files(user_id: int) -> list[tuple[str, Callable[[], bytes]]]:
    """Return each certificate's PDF and signed credential as (file name, reader)."""

    def reader(code: str, column: str) -> Callable[[], bytes]:
        def read() -> bytes:
            value = db.session.scalar(select(getattr(Certificate, column))
                                      .where(Certificate.code == code))
            return value.encode() if isinstance(value, str) else bytes(value or b"")
        return read

    codes = db.session.scalars(select(Certificate.code).where(Certificate.user_id == user_id)
                               .order_by(Certificate.id))
    files: list[tuple[str, Callable[[], bytes]]] = []
    for code in codes:
        files.append((f"certificates/{code}.pdf", reader(code, "pdf")))
        files.append((f"certificates/{code}.credential.json", reader(code, "credential_json")))
    return files
