"""The account page for everyone, and an admin's changes to a person's account."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from lms.account.export import data_zip
from lms.account.forms import (
    EmailChangeForm,
    NameForm,
    PasswordChangeForm,
    PersonEmailForm,
    PersonNameForm,
    TimeZoneForm,
)
from lms.account.services import (
    NO_MAIL,
    AccountChangeError,
    WrongPassword,
    change_email,
    change_name,
    change_password,
    claim_download,
    confirm_email_change,
    pending_email_change,
    read_email_link,
    record_download,
    release_download,
    request_email_change,
    set_time_zone,
)
from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.auth.services import AccountError
from lms.auth.signin import begin_session, refresh_identity
from lms.extensions import db, limiter
from lms.notifications.services import mail_enabled
from lms.timezones import common_zones

bp = Blueprint("account", __name__)

DOWNLOAD_RUNNING = ("Your previous download is still being prepared. Please wait for it to "
                    "finish, then try again if you need another copy.")


def _zone_form(person: User) -> TimeZoneForm:
    form = TimeZoneForm(time_zone=person.time_zone or "")
    default = current_app.config["LMS_TIME_ZONE"]
    form.time_zone.choices = [("", f"The program's default ({default})"),
                              *((zone, zone) for zone in common_zones())]
    return form


def _me() -> User:
    """Return the signed-in person's record (current_user is a light identity)."""
    return db.get_or_404(User, current_user.id)


def _page(status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    person = _me()
    context = {
        "person": person,
        "name_form": forms.get("name_form") or NameForm(display_name=person.display_name),
        "password_form": forms.get("password_form") or PasswordChangeForm(),
        # Prefixed: the password form on the same page has its own "current password" box.
        "email_form": forms.get("email_form") or EmailChangeForm(prefix="email"),
        "mail_enabled": mail_enabled(),
        "pending_email": pending_email_change(person),
        "zone_form": forms.get("zone_form") or _zone_form(person),
        "download_form": FlaskForm(),
        # Other features add their own settings pages; link them only once they exist.
        "notifications_url": _url_if("notifications.preferences"),
        "sign_out_everywhere_url": _url_if("auth.sign_out_everywhere"),
    }
    return render_template("account/account.html", **context), status


def _url_if(endpoint: str) -> str | None:
    return url_for(endpoint) if endpoint in current_app.view_functions else None


@bp.get("/account")
@login_required
def account() -> tuple[str, int]:
    """Show the person's name, address, password, time zone and data download."""
    return _page()


@bp.post("/account/name")
@login_required
def name() -> Response | tuple[str, int]:
    """Change one's own name; the change is recorded in the audit log."""
    form = NameForm()
    if form.validate_on_submit():
        try:
            me = _me()
            changed = change_name(me, form.display_name.data or "", me)
            refresh_identity(me)
        except AccountChangeError as error:
            form.display_name.errors = [str(error)]
        else:
            db.session.commit()
            flash("Your name is changed." if changed else "Your name was already that; nothing "
                  "changed.", "success")
            return redirect(url_for("account.account"))
    return _page(400, name_form=form)


@bp.post("/account/email")
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def email() -> Response | tuple[str, int]:
    """Ask for a new address: checked with the password, then confirmed by a link sent to it."""
    if not mail_enabled():
        # The page shows no form then; a stale one posted says why nothing happened.
        flash(NO_MAIL, "info")
        return redirect(url_for("account.account"))
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            address = request_email_change(_me(), form.new_email.data or "",
                                           form.current_password.data or "")
        except WrongPassword as error:
            form.current_password.errors = [str(error)]
        except AccountChangeError as error:
            form.new_email.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"We sent a link to {address}. Your address changes when you open it; until "
                  "then you keep signing in with your current one.", "success")
            return redirect(url_for("account.account"))
    return _page(400, email_form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Response | tuple[str, int]:
    """Open a confirmation link: a button, so that mail scanners fetching it change nothing."""
    try:
        pending = read_email_link(token)
    except AccountChangeError as error:
        return render_template("account/email_link_problem.html", message=str(error)), 410
    form = FlaskForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("account/email_confirm.html", form=form,
                               new_email=pending.new_email), status
    try:
        person = confirm_email_change(token)
    except AccountChangeError as error:
        db.session.rollback()
        return render_template("account/email_link_problem.html", message=str(error)), 410
    db.session.commit()
    if current_user.is_authenticated and current_user.id == person.id:
        flash(f"Your e-mail address is now {person.email}. Sign in with it from now on.",
              "success")
        return redirect(url_for("account.account"))
    # Signed out, or signed in as someone else: the change stands; this browser stays as it is.
    return render_template("account/email_confirmed.html", new_email=person.email,
                           someone_else=current_user.is_authenticated), 200


@bp.post("/account/password")
@login_required
def password() -> Response | tuple[str, int]:
    """Change one's own password; every other session ends, this one stays signed in."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            me = _me()
            change_password(me, form.current_password.data or "",
                            form.password.data or "")
        except AccountChangeError as error:
            form.current_password.errors = [str(error)]
        except AccountError as error:
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            # The new stamp ended every session, this one too: begin a new one here.
            begin_session(me)
            db.session.commit()
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("account.account"))
    return _page(400, password_form=form)


@bp.post("/account/time-zone")
@login_required
def time_zone() -> Response | tuple[str, int]:
    """Choose the zone times are shown in."""
    me = _me()
    form = _zone_form(me)
    if form.validate_on_submit():
        try:
            set_time_zone(me, form.time_zone.data or "")
        except AccountChangeError as error:
            form.time_zone.errors = [str(error)]
        else:
            db.session.commit()
            refresh_identity(me)
            zone = me.time_zone or current_app.config["LMS_TIME_ZONE"]
            flash(f"Times are now shown in {zone}.", "success")
            return redirect(url_for("account.account"))
    return _page(400, zone_form=form)


def _stream(person: User, back: str) -> Response:
    """Record the download and stream the ZIP, one at a time per person."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not claim_download(person.id):
        flash(DOWNLOAD_RUNNING, "info")
        return redirect(back)
    try:
        record_download(person, _me())
        db.session.commit()
        archive = data_zip(person)
    except BaseException:
        release_download(person.id)
        raise

    def chunks() -> Iterator[bytes]:
        try:
            yield from archive
        finally:
            release_download(person.id)

    filename = f"lantern-data-{person.id}.zip"
    return Response(stream_with_context(chunks()), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.post("/account/data")
@login_required
def my_data() -> Response:
    """Download everything Lantern holds about oneself, as a ZIP."""
    return _stream(_me(), url_for("account.account"))


def _person_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _person_page(person: User, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    return render_template(
        "account/person.html", person=person,
        name_form=forms.get("name_form") or PersonNameForm(display_name=person.display_name),
        email_form=forms.get("email_form") or PersonEmailForm(email=person.email),
        download_form=FlaskForm()), status


@bp.get("/admin/people/<int:user_id>/account")
@role_required(Role.ADMIN)
def person(user_id: int) -> tuple[str, int]:
    """Show an admin the forms to change a person's name or address, and their data download."""
    return _person_page(_person_or_404(user_id))


@bp.post("/admin/people/<int:user_id>/name")
@role_required(Role.ADMIN)
def person_name(user_id: int) -> Response | tuple[str, int]:
    """Change a person's name; recorded in the audit log."""
    person = _person_or_404(user_id)
    form = PersonNameForm()
    if form.validate_on_submit():
        try:
            changed = change_name(person, form.display_name.data or "", _me())
        except AccountChangeError as error:
            form.display_name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"The name is now {person.display_name}. Active certificates keep the old "
                  "name until you reissue them." if changed else "The name was already that; "
                  "nothing changed.", "success")
            return redirect(url_for("account.person", user_id=person.id))
    return _person_page(person, 400, name_form=form)


@bp.post("/admin/people/<int:user_id>/email")
@role_required(Role.ADMIN)
def person_email(user_id: int) -> Response | tuple[str, int]:
    """Change a person's sign-in address; recorded in the audit log."""
    person = _person_or_404(user_id)
    form = PersonEmailForm()
    if form.validate_on_submit():
        try:
            changed = change_email(person, form.email.data or "", _me())
        except AccountChangeError as error:
            form.email.errors = [str(error)]
        else:
            db.session.commit()
            flash("The address is changed." if changed else "The address was already that; "
                  "nothing changed.", "success")
            return redirect(url_for("account.person", user_id=person.id))
    return _person_page(person, 400, email_form=form)


@bp.post("/admin/people/<int:user_id>/data")
@role_required(Role.ADMIN)
def person_data(user_id: int) -> Response:
    """Download everything Lantern holds about a person; recorded in the audit log."""
    person = _person_or_404(user_id)
    return _stream(person, url_for("account.person", user_id=person.id))
