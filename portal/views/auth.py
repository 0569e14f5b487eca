"""Registration, login, logout and password reset.

Must not reveal whether an e-mail is registered (registration, login and reset answer alike either way), and
must not put personal data in URLs.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from portal import mail
from portal.accounts import end_session, start_session, token_digest
from portal.db import get_db
from portal.forms.auth import CONSENT_VERSION, LoginForm, RegisterForm, ResetForm, ResetRequestForm
from portal.passwords import hash_password, needs_rehash, verify_password
from portal.store import accounts as account_store
from portal.store import audit as audit_store
from portal.store import sessions as session_store
from portal.throttle import check, client_ip

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    form = RegisterForm()
    if form.is_submitted():
        check("register:ip", client_ip())
    if form.validate_on_submit():
        conn = get_db()
        clean = form.clean
        check("register:account", clean["email"])
        # The same answer and the same redirect whether or not the address is taken; the address's owner learns
        # of the attempt by mail (and how to reset the password), the visitor learns nothing.
        password_hash = hash_password(form.password.data or "")  # hashed either way: the timing is alike too
        owner = account_store.user_by_email(conn, clean["email"])
        if owner is not None:
            with conn.transaction():
                mail.send(conn, str(owner["email"]), REGISTER_SUBJECT, _taken_body())
                audit_store.audit(conn, None, "user.register_taken", None, None, ip=client_ip())
            flash(gettext(REGISTER_DONE), "success")
            return redirect(url_for("auth.login"))
        with conn.transaction():
            user_id = account_store.create_user(
                conn,
                role="consumer",
                consumer_kind=clean["kind"],
                email=clean["email"],
                full_name=clean["full_name"],
                organisation=clean["organisation"],
                phone=clean["phone"],
                password_hash=password_hash,
            )
            account_store.record_consent(conn, user_id, CONSENT_VERSION, client_ip())
            audit_store.audit(
                conn, user_id, "user.register", "user", user_id, {"consent": CONSENT_VERSION}, client_ip()
            )
            mail.send(conn, clean["email"], REGISTER_SUBJECT, _welcome_body())
        flash(gettext(REGISTER_DONE), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form, consent_version=CONSENT_VERSION)


REGISTER_SUBJECT = "Регистрация в личном кабинете"
REGISTER_DONE = "Проверьте почту: мы отправили письмо на указанный адрес. Затем войдите в личный кабинет."


def _site() -> str:
    return str(current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/"))


def _welcome_body() -> str:
    return (
        "Вы зарегистрировались в личном кабинете. Войти можно по адресу:\n"
        f"{_site()}{url_for('auth.login')}\n\nЕсли вы не регистрировались, сообщите нам, ответив на это письмо."
    )


def _taken_body() -> str:
    return (
        "Кто-то пытался зарегистрироваться в личном кабинете с вашим адресом электронной почты. "
        "Ваша учетная запись не изменилась.\n\n"
        f"Если это были вы и вы забыли пароль, восстановите его: {_site()}{url_for('auth.reset_request')}\n"
        "Если нет, ничего делать не нужно."
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        check("login:ip", client_ip())
        check("login:account", email)
        conn = get_db()
        user = account_store.user_by_email(conn, email)
        ok = verify_password(user["password_hash"] if user else None, form.password.data or "")
        if user is None or not ok or not user["is_active"]:
            flash(gettext("Неверный адрес электронной почты или пароль."), "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh CSRF token for the logged-in session
        response = redirect(url_for("pages.index"))
        with conn.transaction():
            if needs_rehash(str(user["password_hash"])):
                # Only now is the password at hand: renew a hash made with older argon2 parameters.
                account_store.set_password(conn, int(user["id"]), hash_password(form.password.data or ""))
            start_session(response, int(user["id"]))
            audit_store.audit(conn, int(user["id"]), "user.login", "user", user["id"], ip=client_ip())
        return response
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required  # type: ignore[untyped-decorator]
def logout() -> ResponseReturnValue:
    response = redirect(url_for("auth.login"))
    conn = get_db()
    with conn.transaction():
        end_session(response)
        audit_store.audit(conn, int(current_user.id), "user.logout", "user", current_user.id, ip=client_ip())
    session.clear()
    return response


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        check("reset:ip", client_ip())
        check("reset:account", email)
        conn = get_db()
        user = account_store.user_by_email(conn, email)
        if user is not None and user["is_active"]:
            token = secrets.token_urlsafe(32)
            with conn.transaction():
                session_store.create_reset(
                    conn, token_digest(token), int(user["id"]), int(current_app.config["RESET_LIFETIME_S"])
                )
                link = (current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")) + url_for(
                    "auth.reset_link", token=token
                )
                body = (
                    "Для смены пароля в личном кабинете перейдите по ссылке (действует один час, один раз):\n"
                    f"{link}\n\nЕсли вы не запрашивали смену пароля, ничего не делайте."
                )
                mail.send(conn, str(user["email"]), "Восстановление пароля", body)
        flash(gettext("Если адрес зарегистрирован, на него отправлено письмо со ссылкой для смены пароля."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


RESET_KEY = "reset_token_digest"


@bp.get("/reset/<token>")
def reset_link(token: str) -> ResponseReturnValue:
    """The link from the mail: remember the token's digest in the session and move to a URL without the token,
    so the form's page, its POST and the access logs never carry it."""
    if session_store.valid_reset_user(get_db(), token_digest(token)) is None:
        flash(gettext("Ссылка недействительна или устарела. Запросите новую."), "error")
        return redirect(url_for("auth.reset_request"))
    session[RESET_KEY] = token_digest(token).hex()
    return redirect(url_for("auth.reset"))


@bp.route("/reset/new", methods=["GET", "POST"])
def reset() -> ResponseReturnValue:
    conn = get_db()
    digest = bytes.fromhex(session.get(RESET_KEY, ""))
    if session_store.valid_reset_user(conn, digest) is None:
        session.pop(RESET_KEY, None)
        flash(gettext("Ссылка недействительна или устарела. Запросите новую."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        with conn.transaction():
            user_id = session_store.use_reset(conn, digest)
            if user_id is None:
                flash(gettext("Ссылка недействительна или устарела. Запросите новую."), "error")
                return redirect(url_for("auth.reset_request"))
            account_store.set_password(conn, user_id, hash_password(form.password.data or ""))
            session_store.revoke_user_sessions(conn, user_id)
            audit_store.audit(conn, user_id, "user.password_reset", "user", user_id, ip=client_ip())
        session.pop(RESET_KEY, None)
        flash(gettext("Пароль изменён. Войдите с новым паролем."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
