"""Accounts against the real database: registration with consent, server-side sessions, limits, CSRF, reset."""

from __future__ import annotations

import re
from typing import Any

from tests.portal.conftest import Auth, csrf_of

REGISTER = {
    "kind": "legal",
    "organisation": "ООО «Вектор»",
    "full_name": "Орлова Ольга",
    "phone": "8 (912) 111-22-33",
    "email": "vector@example.ru",
    "password": "correct-horse-1",
    "password2": "correct-horse-1",
    "consent": "y",
}


def test_register_legal_stores_consent_and_normalised_phone(client: Any, auth: Auth, conn: Any) -> None:
    response = auth.post("/register", REGISTER)
    assert response.status_code == 302
    user = conn.execute("SELECT * FROM users WHERE email = 'vector@example.ru'").fetchone()
    assert user["consumer_kind"] == "legal"
    assert user["organisation"] == "ООО «Вектор»"
    assert user["phone"] == "+79121112233"
    assert user["password_hash"].startswith("$argon2id$")
    consent = conn.execute("SELECT * FROM consents WHERE user_id = %s", (user["id"],)).fetchone()
    assert consent["text_version"] == "2025-01"
    assert consent["given_at"] is not None
    assert auth.login("vector@example.ru", "correct-horse-1").status_code == 302
    page = client.get("/meters/connect").get_data(as_text=True)
    assert "Номер записи в ЕГРЮЛ или ЕГРИП" in page
    assert "Дата внесения в реестр" in page


def test_registration_answers_alike_whether_or_not_the_address_exists(
    client: Any, auth: Auth, people: Any, conn: Any
) -> None:
    def answer(data: dict[str, str]) -> tuple[int, str, list[str]]:
        response = auth.post("/register", data)
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
        return (
            response.status_code,
            response.headers["Location"],
            re.findall(r'class="flash[^"]*"[^>]*>([^<]+)<', shown),
        )

    fresh = answer(REGISTER)
    taken_email = people["emails"]["individual"]
    before = conn.execute("SELECT * FROM users WHERE email = %s", (taken_email,)).fetchone()
    taken = answer({**REGISTER, "kind": "individual", "email": taken_email.upper()})
    assert fresh == taken
    assert fresh[2] == ["Проверьте почту: мы отправили письмо на указанный адрес. Затем войдите в личный кабинет."]

    # Nothing changed for the owner; he is told of the attempt by mail, through the outbox.
    after = conn.execute("SELECT * FROM users WHERE email = %s", (taken_email,)).fetchone()
    assert after == before
    assert conn.execute("SELECT count(*) AS n FROM users WHERE lower(email) = %s", (taken_email,)).fetchone()["n"] == 1
    mails = conn.execute("SELECT recipient, body FROM outbox ORDER BY id").fetchall()
    assert [m["recipient"] for m in mails] == ["vector@example.ru", taken_email]
    assert "пытался зарегистрироваться" in mails[1]["body"]
    assert "/reset" in mails[1]["body"]


def test_login_and_reset_answer_alike_for_unknown_addresses(auth: Auth, people: Any) -> None:
    known = auth.login(people["emails"]["individual"], "wrong-password-1").get_data(as_text=True)
    unknown = auth.login("nobody@example.ru", "wrong-password-1").get_data(as_text=True)
    message = "Неверный адрес электронной почты или пароль."
    assert message in known
    assert message in unknown
    answers = [auth.post("/reset", {"email": e}) for e in (people["emails"]["individual"], "nobody@example.ru")]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {(302, "/login")}


def test_register_errors_in_russian(auth: Auth, conn: Any) -> None:
    bad = {**REGISTER, "phone": "12", "password2": "other-password", "consent": ""}
    page = auth.post("/register", bad).get_data(as_text=True)
    assert "Укажите номер телефона полностью" in page
    assert "Пароли не совпадают" in page
    assert "Без согласия на обработку персональных данных регистрация невозможна" in page
    assert conn.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 0


def test_policy_page_is_public(client: Any) -> None:
    page = client.get("/policy")
    assert page.status_code == 200
    assert "152-ФЗ" in page.get_data(as_text=True)


def test_logged_out_cookie_does_not_work_again(client: Any, auth: Auth, people: Any) -> None:
    auth.login(people["emails"]["individual"])
    cookie = client.get_cookie("uchet_session")
    assert cookie is not None
    assert client.get("/meters/").status_code == 200
    auth.logout()
    client.set_cookie("uchet_session", cookie.value)  # replay the old cookie
    response = client.get("/meters/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_400(client: Any, people: Any) -> None:
    response = client.post("/login", data={"email": people["emails"]["individual"], "password": "x"})
    assert response.status_code == 400


def test_sixth_wrong_password_in_a_minute_is_limited(client: Any, auth: Auth, people: Any) -> None:
    email = people["emails"]["individual"]
    for _ in range(5):
        page = auth.login(email, "wrong-password")
        assert page.status_code == 200
        assert "Неверный адрес электронной почты или пароль" in page.get_data(as_text=True)
    sixth = auth.login(email, "wrong-password")
    assert sixth.status_code == 429
    assert "Слишком много попыток" in sixth.get_data(as_text=True)
    # The right password is refused too while the limit holds: the account is what is being guessed.
    assert auth.login(email).status_code == 429


def test_security_headers(client: Any) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_password_reset_link_is_single_use(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    email = people["emails"]["individual"]
    auth.post("/reset", {"email": email})
    mail = conn.execute("SELECT * FROM outbox ORDER BY id DESC LIMIT 1").fetchone()
    assert mail["recipient"] == email
    path = re.search(r"http://[^/]+(/reset/\S+)", mail["body"]).group(1)
    new = {"password": "brand-new-pass-1", "password2": "brand-new-pass-1"}
    link = client.get(path)  # the token leaves the URL: the form lives at /reset/new
    assert link.status_code == 302
    assert link.headers["Location"] == "/reset/new"
    assert auth.post("/reset/new", new).status_code == 302
    again = client.get(path)
    assert again.status_code == 302
    assert "/reset" in again.headers["Location"]
    assert auth.login(email, "brand-new-pass-1").status_code == 302
    row = conn.execute("SELECT expires_at - created_at AS life FROM password_resets").fetchone()
    assert row["life"].total_seconds() == 3600


def test_reset_does_not_tell_whether_an_account_exists(client: Any, auth: Auth, conn: Any) -> None:
    response = auth.post("/reset", {"email": "nobody@example.ru"})
    assert response.status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM outbox").fetchone()["n"] == 0


def test_csrf_token_is_on_every_form(client: Any) -> None:
    for path in ("/login", "/register", "/reset"):
        assert csrf_of(client, path)


def test_russian_by_default_english_selectable(client: Any) -> None:
    assert "Вход в личный кабинет" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in to your account" in page
    assert 'lang="en"' in page


def test_login_renews_a_hash_made_with_older_argon2_parameters(auth: Auth, people: Any, conn: Any) -> None:
    from argon2 import PasswordHasher

    from portal.demo import PASSWORD_FOR_TESTS
    from portal.passwords import needs_rehash, verify_password

    email = people["emails"]["individual"]
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD_FOR_TESTS)
    conn.execute("UPDATE users SET password_hash = %s WHERE email = %s", (weak, email))
    assert needs_rehash(weak)
    assert auth.login(email).status_code == 302
    stored = conn.execute("SELECT password_hash FROM users WHERE email = %s", (email,)).fetchone()["password_hash"]
    assert stored != weak
    assert not needs_rehash(stored)
    assert verify_password(stored, PASSWORD_FOR_TESTS)


def test_a_used_reset_link_kills_the_older_ones_and_the_sessions(
    client: Any, auth: Auth, people: Any, conn: Any
) -> None:
    email = people["emails"]["individual"]
    assert auth.login(email).status_code == 302
    session_cookie = client.get_cookie("uchet_session")
    assert session_cookie is not None
    paths = []
    for _ in range(2):
        auth.post("/reset", {"email": email})
        body = conn.execute("SELECT body FROM outbox ORDER BY id DESC LIMIT 1").fetchone()["body"]
        paths.append(re.search(r"http://[^/]+(/reset/\S+)", body).group(1))
    client.get(paths[1])
    assert auth.post("/reset/new", {"password": "brand-new-pass-2", "password2": "brand-new-pass-2"}).status_code == 302
    older = client.get(paths[0])  # mailed before the reset: must not change the new password
    assert older.status_code == 302
    assert "/reset/new" not in older.headers["Location"]
    assert client.get("/reset/new").headers["Location"].endswith("/reset")
    client.set_cookie("uchet_session", session_cookie.value)  # the session from before the reset is revoked
    assert "/login" in client.get("/meters/").headers["Location"]


def test_registration_is_limited_per_address(auth: Auth, people: Any, conn: Any) -> None:
    taken = {**REGISTER, "kind": "individual", "email": people["emails"]["individual"]}
    for _ in range(3):
        assert auth.post("/register", taken).status_code == 302
    assert auth.post("/register", taken).status_code == 429
    assert conn.execute("SELECT count(*) AS n FROM outbox").fetchone()["n"] == 3  # no mail bomb for the owner
    assert auth.post("/register", REGISTER).status_code == 302  # another address is not held back
