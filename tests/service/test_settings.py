"""The one Settings object: values are checked when it is built, with the variable named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.settings import SERVE_ONLY_SETTINGS, THRESHOLD_ATTRIBUTES, Limits, Settings


def test_perspective_alias_targets_are_case_insensitive():
    # MODERATION_PERSPECTIVE_ALIASES='{"TOXICITY":"insult"}' used to be accepted and then answer every
    # TOXICITY request with "Attribute TOXICITY does not exist".
    settings = Settings(perspective_aliases={"TOXICITY": "insult", "SPAM": "Off_Topic"})
    assert settings.perspective_aliases == {"TOXICITY": "INSULT", "SPAM": "OFF_TOPIC"}


def test_an_alias_with_an_empty_target_is_refused():
    # Whether a target exists depends on the model: that is checked when the app starts
    # (tests/service/api/test_perspective_attributes.py); an empty name is wrong whatever the model.
    with pytest.raises(ValidationError, match="non-empty"):
        Settings(perspective_aliases={"TOXICITY": " "})


# A token no Authorization header carries as it reads: HTTP drops a header value's leading and trailing
# whitespace (a secret file's trailing newline), cannot hold control characters, and clients send
# non-ASCII letters in different encodings (curl UTF-8, browsers Latin-1). Every write answered 401
# "invalid token" whatever the client sent.
@pytest.mark.parametrize(
    "token",
    [
        "s3cret-token-0123456789\n",
        " s3cret-token-0123456789",
        "s3cret-token-0123456789\t",
        "p\u00e4sswort-0123456789",
        "s3c\x00ret-0123456789",
    ],
)
def test_a_token_no_authorization_header_can_carry_is_refused(token):
    with pytest.raises(ValidationError, match="api_token"):
        Settings(api_token=token)


@pytest.mark.parametrize(
    "token", ["s3cret-token-0123456789", "two words, and a few more", "A-z_0.9~+/=!#$%&'*"]
)
def test_a_token_a_header_carries_is_kept(token):
    assert Settings(api_token=token).api_token == token


# A weak token was taken, even the README's own example `change-me`: the write endpoints (verdicts,
# model activation, reload) were guarded by a word anyone reading the README could send.
@pytest.mark.parametrize(
    ("token", "why"),
    [("change-me", "documented example"), ("s3cret-token", "shorter than 16"), ("x" * 15, "shorter than 16")],
)
def test_a_weak_token_is_refused_naming_how_to_make_one(token, why):
    from service.cli import _settings_error

    with pytest.raises(ValidationError) as caught:
        Settings(api_token=token)
    message = _settings_error(caught.value)
    assert message is not None and message.startswith(
        "invalid setting MODERATION_API_TOKEN (value not shown)"
    )
    assert why in message and "secrets.token_urlsafe(32)" in message and token not in message
    assert len(message.splitlines()) == 1
    assert Settings(api_token="x" * 16).api_token == "x" * 16  # the minimum itself is taken


API = "the-api-token-for-tests"


@pytest.mark.parametrize(
    ("tokens", "why"),
    [
        ({"alice": "short-secret"}, "alice's token is shorter than 16"),
        ({"alice": "alice-token-0123456789\n"}, "alice's token has leading or trailing whitespace"),
        ({"alice": "change-me"}, "documented example"),
        ({"al ice": "alice-token-0123456789"}, "moderator name 'al ice'"),
        ({"": "alice-token-0123456789"}, "moderator name ''"),
        ({"a" * 65: "alice-token-0123456789"}, "1 to 64 letters"),
        ({"alice": "shared-token-0123456789", "bob": "shared-token-0123456789"}, "two moderators share"),
        ({"alice": API}, "a moderator's token is MODERATION_API_TOKEN"),
    ],
)
def test_a_moderator_token_that_could_not_name_one_moderator_is_refused(tokens, why):
    from service.cli import _settings_error

    with pytest.raises(ValidationError) as caught:
        Settings(api_token=API, moderator_tokens=tokens)
    message = _settings_error(caught.value)
    assert message is not None and why in message, message
    assert all(token not in message for token in tokens.values()), message


def test_moderator_tokens_need_the_api_token(monkeypatch, caplog):
    import logging

    from service.settings import command_settings

    with pytest.raises(ValidationError, match="needs MODERATION_API_TOKEN too"):
        Settings(moderator_tokens={"alice": "alice-token-0123456789"})
    tokens = {"alice": "alice-token-0123456789", "b.o-b_2@desk": "bob-token-0123456789"}
    assert Settings(api_token=API, moderator_tokens=tokens).moderator_tokens == tokens
    # a command that serves nothing warns of it and goes on (as a whole-object check, it stopped)
    monkeypatch.setenv("MODERATION_MODERATOR_TOKENS", '{"alice": "alice-token-0123456789"}')
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        assert command_settings("parse").moderator_tokens == {}
    [record] = caplog.records
    assert "MODERATION_MODERATOR_TOKENS" in record.getMessage() and "alice-token" not in record.getMessage()


# Each refusal read "invalid setting MODERATION_API_TOKEN (value not shown): Value error, is shorter
# than 16 characters": pydantic's name for a validator's ValueError, a word of our code's internals in
# the one line an operator reads (the warning for a command that does not use the setting left it out).
@pytest.mark.parametrize(
    "settings",
    [
        {"api_token": "short"},
        {"toxicity": {"review": 0.95, "reject": 0.9}},
        {"public_base_url": "ftp://x"},
        {"language_thresholds": {"xx-!!": {"toxicity": {"review": 0.6}}}},
    ],
)
def test_a_refused_setting_says_why_without_pydantics_error_type(settings):
    from service.cli import _settings_error

    with pytest.raises(ValidationError) as caught:
        Settings(**settings)
    message = _settings_error(caught.value)
    assert message is not None and message.startswith("invalid setting MODERATION_"), message
    assert "Value error" not in message, message


# Values that start a server which cannot work: 0 page slots (every page request waits forever and
# SIGTERM no longer stops the server), 0 requests in flight (every request a 503), -1 bytes (every
# request a 413), a timeout of 0, nan or inf (no bound at all).
@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(
            (name, bad)
            for name, info in Limits.model_fields.items()
            if info.annotation is not float
            for bad in (0, -1)
        ),
        *(
            (name, bad)
            for name in ("header_timeout_s", "body_timeout_s", "send_timeout_s")
            for bad in (0, -1.5, float("nan"), float("inf"))
        ),
    ],
)
def test_every_limit_that_cannot_work_is_refused(field, value):
    with pytest.raises(ValidationError, match=field):
        Settings(limits={field: value})


@pytest.mark.parametrize("field", ["pool_timeout_s", "statement_timeout_s", "sqlite_busy_timeout_s"])
@pytest.mark.parametrize("value", [0, float("nan"), float("inf")])
def test_database_timeouts_are_positive_and_finite(field, value):
    with pytest.raises(ValidationError, match=field):
        Settings(database={field: value})


@pytest.mark.parametrize("workers", [0, -2])
def test_workers_must_be_at_least_one(workers):
    # MODERATION_WORKERS=0 was a 69-line traceback from uvicorn (only the --workers flag was checked).
    with pytest.raises(ValidationError, match="workers"):
        Settings(workers=workers)


def test_log_level_is_checked_when_settings_are_built():
    # MODERATION_LOG_LEVEL=verbose failed only after the model had loaded, with a traceback.
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="verbose")
    assert Settings(log_level=" debug").log_level == "DEBUG"


def test_the_defaults_are_valid():
    settings = Settings()
    assert Limits.model_validate(settings.limits.model_dump()) == settings.limits


def test_language_thresholds_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("MODERATION_LANGUAGE_THRESHOLDS", '{"fr-FR": {"toxicity": {"review": 0.6}}}')
    table = Settings().thresholds()
    assert table["toxicity"].review == 0.45  # the global ones are untouched
    assert table.for_language("fr")["toxicity"] == Settings().toxicity.model_copy(update={"review": 0.6})
    assert table.for_language("fr")["insult"] == Settings().insult
    assert table.for_language("en") is table and table.for_language(None) is table


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"français": {"toxicity": {"review": 0.6}}}, "not a language tag"),
        ({"und": {"toxicity": {"review": 0.6}}}, "names no language"),
        ({"fr": {"toxic": {"review": 0.6}}}, "unknown attribute"),
        ({"fr": {"toxicity": {"review": 1.5}}}, "less than or equal to 1"),
        # Country codes, not languages: the detector answers "el", "ja", "da", "sv" ("se" is Sami).
        ({"gr": {"toxicity": {"review": 0.6}}}, "never answers 'gr'.*'el' Greek"),
        ({"jp": {"toxicity": {"review": 0.6}}}, "never answers 'jp'"),
        ({"se": {"toxicity": {"review": 0.6}}}, "never answers 'se'"),
        ({"xyz": {"toxicity": {"review": 0.6}}}, "never answers 'xyz'"),
    ],
)
def test_language_thresholds_that_cannot_work_are_refused(value, message):
    with pytest.raises(ValidationError, match=message):
        Settings(language_thresholds=value)


def test_one_step_from_the_environment_keeps_the_other_steps_default(monkeypatch):
    # The README's own example used to turn toxicity's review step off.
    monkeypatch.setenv("MODERATION_TOXICITY__REJECT", "0.95")
    assert Settings().toxicity.model_dump() == {"review": 0.45, "reject": 0.95}
    monkeypatch.setenv("MODERATION_PROFANITY", '{"review": 0.9, "reject": null}')
    assert Settings().profanity.model_dump() == {"review": 0.9, "reject": None}


def test_a_misspelt_step_is_refused(monkeypatch):
    monkeypatch.setenv("MODERATION_TOXICITY__REVEW", "0.95")
    with pytest.raises(ValidationError, match="revew"):
        Settings()
    with pytest.raises(ValidationError, match="revew"):
        Settings(language_thresholds={"fr": {"toxicity": {"revew": 0.6}}})


def test_two_spellings_of_one_language_add_their_steps():
    table = Settings(
        language_thresholds={"fr": {"toxicity": {"review": 0.6}}, "FR-fr": {"toxicity": {"reject": 0.95}}}
    ).thresholds()
    assert table.for_language("fr")["toxicity"].model_dump() == {"review": 0.6, "reject": 0.95}


@pytest.mark.parametrize(
    ("tag", "code"), [("fra", "fr"), ("fre", "fr"), ("deu", "de"), ("ger", "de"), ("ara", "ar")]
)
def test_three_letter_language_codes_apply_to_the_languages_they_name(tag, code):
    # "fra" and "deu" (ISO 639-2/3) were accepted and kept as "fra": comments carry the detector's
    # "fr", so those thresholds never applied, without a word.
    table = Settings(language_thresholds={tag: {"toxicity": {"review": 0.89}}}).thresholds()
    assert table.for_language(code)["toxicity"].review == 0.89
    assert set(table.by_language) == {code}


def test_a_three_letter_and_a_two_letter_key_for_one_language_add_their_steps():
    table = Settings(
        language_thresholds={"fr": {"toxicity": {"review": 0.6}}, "fra": {"toxicity": {"reject": 0.95}}}
    ).thresholds()
    assert table.for_language("fr")["toxicity"].model_dump() == {"review": 0.6, "reject": 0.95}


def test_a_three_letter_language_key_decides_a_comment_of_that_language():
    from core.records import Scores
    from service.decide import decide

    table = Settings(language_thresholds={"fra": {"toxicity": {"review": 0.89}}}).thresholds()
    french = Scores({"toxicity": 0.5}, language="fr")
    assert decide(french, table).verdict == "approve"  # 0.5 < the French 0.89 (global review: 0.45)


@pytest.mark.parametrize(
    "env",
    [
        {"MODERATION_TOXICITY__REVIEW": "0.95"},  # above the default reject 0.9
        {"MODERATION_INSULT__REJECT": "0.4"},  # below the default review 0.5
        {"MODERATION_SPAM": '{"review": 0.7, "reject": 0.6}'},
    ],
)
def test_a_review_step_above_the_reject_step_is_refused(monkeypatch, env):
    # It was accepted: a comment then went from approve straight to reject, and the review step the
    # operator set never applied, without a word.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=r"review [\d.]+ is above reject [\d.]+"):
        Settings()


def test_a_language_review_step_above_the_reject_step_it_keeps_is_refused():
    # French review 0.95 under the global reject 0.9: French comments were never reviewed.
    with pytest.raises(ValidationError, match=r"fr toxicity: review 0\.95 is above reject 0\.9"):
        Settings(language_thresholds={"fr": {"toxicity": {"review": 0.95}}})
    with pytest.raises(ValidationError, match=r"de insult: review 0\.5 is above reject 0\.3"):
        Settings(language_thresholds={"de": {"insult": {"reject": 0.3}}})
    table = Settings(language_thresholds={"fr": {"toxicity": {"review": 0.95, "reject": None}}}).thresholds()
    assert table.for_language("fr")["toxicity"].model_dump() == {"review": 0.95, "reject": None}
    assert Settings(toxicity={"review": 0.9, "reject": 0.9}).toxicity.review == 0.9  # equal: fine


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("MODERATION_TOXCITY__REVIEW", "MODERATION_TOXCITY__REVIEW"),  # a misspelt attribute
        ("MODERATION_THREAT__REJECT", "MODERATION_THREAT__REJECT"),  # an attribute with no threshold
        ("moderation_insults__review", "moderation_insults__review"),  # names are read in any case
        ("MODERATION_LIMITS__MAX_COMENT_CHARS", "max_coment_chars"),
        ("MODERATION_DATABASE__POOL_SIZ", "pool_siz"),
    ],
)
def test_a_misspelt_nested_setting_is_refused(monkeypatch, name, fragment):
    # Each was ignored without a word: the operator's threshold or limit never applied.
    monkeypatch.setenv(name, "0.3")
    with pytest.raises(ValidationError, match=fragment):
        Settings()


@pytest.mark.parametrize(
    "name",
    [
        "MODERATION_API_TOKEN__X",
        "MODERATION_WORKERS__COUNT",
        "moderation_log_level__x",
        "MODERATION_CORS_ORIGINS__0",
    ],
)
def test_a_nested_name_under_a_plain_setting_is_refused(monkeypatch, name):
    # MODERATION_API_TOKEN__X (a nested name under a setting that has no parts) was dropped without a
    # word, neither refused nor warned about: the service ran with no token, or the default, believing
    # it was set. Refused in one line naming the variable and the setting to set instead.
    from service.cli import _settings_error

    monkeypatch.setenv(name, "s3cret-token-0123456789")
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = _settings_error(caught.value)
    plain = name.upper().split("__")[0]
    assert message is not None and name in message and f"set {plain} itself" in message, message
    assert "s3cret" not in message and len(message.splitlines()) == 1


def test_other_moderation_variables_are_left_alone(monkeypatch):
    monkeypatch.setenv("MODERATION_SHARED_DIR", "/data")  # not a setting, no nesting: the tests' own
    monkeypatch.setenv("MODERATION_TOXICITY__REVIEW", "0.3")
    monkeypatch.setenv("MODERATION_LANGUAGE_THRESHOLDS__FR__TOXICITY__REVIEW", "0.3")
    settings = Settings()
    assert settings.toxicity.review == 0.3
    assert settings.thresholds().for_language("fr")["toxicity"].review == 0.3


def test_two_spellings_of_one_language_setting_one_step_differently_are_refused():
    # {"fr": review 0.3, "fra": review 0.5}: the later key won and the other value was dropped unseen.
    with pytest.raises(ValidationError, match=r"fr.*toxicity review.*0\.3.*0\.5"):
        Settings(
            language_thresholds={"fr": {"toxicity": {"review": 0.3}}, "fra": {"toxicity": {"review": 0.5}}}
        )
    same = Settings(
        language_thresholds={"fr": {"toxicity": {"review": 0.3}}, "fr-FR": {"toxicity": {"review": 0.3}}}
    )
    assert same.thresholds().for_language("fr")["toxicity"].review == 0.3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # Each was accepted: `moderate serve` loaded the model, then ended in a ValueError traceback
        # from SQLAlchemy (a port that is not a number), or started and answered every store call 503.
        ("postgresql://moderation:pw@db.internal:notaport/moderation", "port"),
        ("postgresql://moderation:pw@db.internal:/moderation", "port"),
        ("postgresql://moderation:pw@db.internal:99999/moderation", "port"),
        ("postgresql://moderation:pw@db.internal:0/moderation", "port"),
        ("postgresql://moderation:pw@db.internal:5432/", "names no database"),
        ("postgresql://db.internal", "names no database"),
    ],
)
def test_a_database_url_that_cannot_connect_is_refused(url, message):
    with pytest.raises(ValidationError, match=f"database_url(.|\n)*{message}") as exc:
        Settings(database_url=url)
    assert "pw@" not in str(exc.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://moderation:pw@db.internal:5432/moderation",
        "postgres://db.internal/moderation",
        "postgresql:///moderation?host=/var/run/postgresql",  # a Unix socket: no host, no port
        "postgresql+psycopg://moderation@[::1]:5433/moderation",
    ],
)
def test_a_database_url_that_can_connect_is_kept(url):
    assert Settings(database_url=url).database_url == url


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        # A browser's Origin header is scheme://host[:port], lower case, without a path or its default
        # port; CORS compares it with the listed origins as strings, so each of these was accepted and
        # then matched no page: every cross-origin call was refused by the browser, without a word.
        ("https://news.example/", "'https://news.example'"),
        ("https://news.example/comments", "'https://news.example'"),
        ("https://News.Example", "'https://news.example'"),
        ("HTTPS://news.example", "'https://news.example'"),
        ("https://news.example:443", "'https://news.example'"),
        ("http://news.example:80/", "'http://news.example'"),
        ("news.example", "scheme://host"),
        ("localhost:3000", "scheme://host"),
        ("https://user@news.example", "'https://news.example'"),
        ("https://news.example?x=1", "'https://news.example'"),
        (" https://news.example", "'https://news.example'"),
    ],
)
def test_a_cors_origin_no_browser_sends_is_refused(origin, expected):
    with pytest.raises(ValidationError, match="cors_origins") as exc:
        Settings(cors_origins=[origin])
    assert expected in str(exc.value)


def test_a_wildcard_inside_a_cors_origin_is_refused():
    # "https://*.example-news.com" was kept as a string no Origin header equals: every subdomain's page
    # was refused by the browser, without a word ("*" alone, any origin, is fine).
    with pytest.raises(ValidationError, match=r"cors_origins(.|\n)*list each origin"):
        Settings(cors_origins=["https://*.example-news.com"])


@pytest.mark.parametrize(
    "origin",
    ["*", "https://news.example", "http://localhost:3000", "https://[::1]:8443", "capacitor://localhost"],
)
def test_a_cors_origin_as_browsers_send_it_is_kept(origin):
    assert Settings(cors_origins=[origin]).cors_origins == [origin]


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("MODERATION_API_TOKN", "MODERATION_API_TOKEN"),
        ("MODERATION_ADMIN_TOKEN", "MODERATION_API_TOKEN"),
        ("MODERATION_TOXICITY_REVIEW", "MODERATION_TOXICITY__REVIEW"),  # one underscore, not two
        ("MODERATION_MAX_PAGE_BYTES", "MODERATION_LIMITS__MAX_PAGE_BYTES"),
        ("moderation_db_url", "MODERATION_DATABASE_URL"),
    ],
)
def test_an_unknown_moderation_variable_is_named_in_a_warning(monkeypatch, caplog, name, suggestion):
    # Each was ignored without a word: the site ran without its token, threshold or limit, on the
    # defaults, believing it was configured. Not refused: other tools may share the prefix.
    from service.settings import warn_unknown_variables

    monkeypatch.setenv(name, "0.3")
    with caplog.at_level("WARNING", logger="service.settings"):
        warn_unknown_variables()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and name in warnings[0] and suggestion in warnings[0], warnings
    assert "0.3" not in warnings[0]  # a value is never shown: it may be a secret


def test_settings_and_the_projects_own_variables_are_not_warned_about(monkeypatch, caplog):
    monkeypatch.setenv("MODERATION_SHARED_DIR", "/data")  # the tests' corpora
    monkeypatch.setenv("MODERATION_CHROMIUM", "/usr/bin/chromium")  # the browser tests'
    monkeypatch.setenv("MODERATION_API_TOKEN", "s3cret-token-0123456789")
    monkeypatch.setenv("moderation_log_level", "debug")
    monkeypatch.setenv("MODERATION_TOXICITY__REVIEW", "0.3")
    from service.settings import warn_unknown_variables

    with caplog.at_level("WARNING", logger="service.settings"):
        warn_unknown_variables()
        Settings()
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_model_dir_a_version_in_active_overrides_is_named_in_a_warning(tmp_path, monkeypatch, caplog):
    # MODERATION_MODEL_DIR (or `moderate serve --model-dir`) names the shipped, first version: a version
    # ACTIVE names in the versions directory is served instead. A new image's model, or the flag's,
    # was then not served, without a word (docs/deployment.md said every replica serves that directory).
    from service.settings import served_model_dir
    from tests.model.test_versions import fake_artifact

    mine = fake_artifact(tmp_path / "mine", "1.aaaaaaaaaaaa")
    active = fake_artifact(tmp_path / "versions" / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb")
    (tmp_path / "versions" / "ACTIVE").write_text("1.bbbbbbbbbbbb\n")
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(tmp_path / "versions"))
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(mine))
    with caplog.at_level("WARNING", logger="service.settings"):
        assert served_model_dir(Settings()) == active
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert all(s in warnings[0] for s in ("MODERATION_MODEL_DIR", str(mine), "1.bbbbbbbbbbbb", "ACTIVE"))
    caplog.clear()
    (tmp_path / "versions" / "ACTIVE").unlink()
    with caplog.at_level("WARNING", logger="service.settings"):
        assert served_model_dir(Settings()) == mine
    assert not caplog.records


def test_the_default_model_dir_gives_way_to_an_active_version_quietly(tmp_path, monkeypatch, caplog):
    # Activation is the documented way to switch versions: nothing to warn about.
    from service.settings import served_model_dir
    from tests.model.test_versions import fake_artifact

    active = fake_artifact(tmp_path / "versions" / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb")
    (tmp_path / "versions" / "ACTIVE").write_text("1.bbbbbbbbbbbb\n")
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(tmp_path / "versions"))
    with caplog.at_level("WARNING", logger="service.settings"):
        assert served_model_dir(Settings()) == active
    assert not caplog.records


# Names the docs show as mistakes (what a misspelling does); every other MODERATION_* name they
# mention must be a setting.
MISTAKES_SHOWN = {
    "MODERATION_TOXCITY__REVIEW",
    "MODERATION_LIMITS__MAX_COMENT_CHARS",
    "MODERATION_API_TOKN",
    "MODERATION_TOXICITY_REVIEW",
    "MODERATION_API_TOKEN__X",
}


def _documented_variables() -> set[str]:
    import re

    from tests.conftest import REPO

    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
    return {m for page in pages for m in re.findall(r"MODERATION_[A-Z0-9_]*[A-Z0-9]", page.read_text())}


def _setting_variables() -> set[str]:
    from service.settings import THRESHOLD_ATTRIBUTES, Database

    names = {f"MODERATION_{f.upper()}" for f in Settings.model_fields if f not in THRESHOLD_ATTRIBUTES}
    names |= {f"MODERATION_LIMITS__{f.upper()}" for f in Limits.model_fields}
    return names | {f"MODERATION_DATABASE__{f.upper()}" for f in Database.model_fields}


def test_every_setting_is_documented():
    # MODERATION_DATABASE__SQLITE_BUSY_TIMEOUT_S was named nowhere: an operator whose workers answered
    # 503 on a locked SQLite file could not know the wait was settable.
    missing = _setting_variables() - _documented_variables()
    assert not missing, missing


def test_every_documented_variable_is_a_setting():
    # ... or one of the project's own variables that are no setting (the tests' MODERATION_SHARED_DIR,
    # documented in docs/testing.md), which `moderate` knows not to warn about.
    from service.settings import OTHER_VARIABLES, THRESHOLD_ATTRIBUTES

    thresholds = {f"MODERATION_{a.upper()}__{s}" for a in THRESHOLD_ATTRIBUTES for s in ("REVIEW", "REJECT")}
    known = _setting_variables() | thresholds | {f"MODERATION_{a.upper()}" for a in THRESHOLD_ATTRIBUTES}
    known |= OTHER_VARIABLES
    unknown = _documented_variables() - known - MISTAKES_SHOWN
    assert not unknown, unknown


def test_every_name_in_the_limits_settings_tables_is_a_limit_setting():
    # docs/limits.md listed MAX_IDEMPOTENCY_KEY_CHARS among its settings, though it is a constant:
    # an operator who set MODERATION_LIMITS__MAX_IDEMPOTENCY_KEY_CHARS as read had the start refused.
    import re

    from tests.conftest import REPO

    names, in_table = [], False
    for line in (REPO / "docs" / "limits.md").read_text().splitlines():
        if line.startswith("| setting |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table:
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1])
    assert len(names) > 20, names
    refused = {n for n in names if n.lower() not in Limits.model_fields}
    assert not refused, refused


@pytest.mark.slow
def test_unknown_variables_are_named_once_by_the_process_that_starts_the_server():
    # Each worker of `moderate serve --workers N` named MODERATION_API_TOKN again after the supervisor
    # had (N+1 warnings, the workers' bare, without level or logger); uvicorn started by hand names it
    # once, like its other lines.
    env = {"MODERATION_API_TOKN": "s3cret"}
    assert _factory_stderr("worker_app", env) == ""
    expected = "WARNING service.settings: MODERATION_API_TOKN is not a setting"
    assert _factory_stderr("app_from_env", env).startswith(expected)


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://moderation:s3cret@db.internal:5432/moderation",
        "sqlite:///var/lib/moderation/feedback.sqlite3",
    ],
)
def test_a_url_in_the_database_path_is_refused(value):
    # MODERATION_DB_PATH=postgresql://... (meant for MODERATION_DATABASE_URL) was read as a relative file
    # path: the replica wrote its own SQLite file under ./postgresql:/moderation:s3cret@db.internal:5432/,
    # the password in a folder name and in the log's "store sqlite ..." line, shared with no replica.
    from service.cli import _settings_error

    with pytest.raises(ValidationError, match="db_path") as exc:
        Settings(db_path=value)
    message = _settings_error(exc.value)
    assert message is not None and "MODERATION_DB_PATH" in message and "MODERATION_DATABASE_URL" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # A misspelt parameter: every connection failed, every store call a 503 "retry" for ever.
        ("sslmod=require", "'sslmod' is no PostgreSQL connection parameter"),
        # Parameters the store sets itself: the URL's value was replaced without a word.
        ("connect_timeout=30", "MODERATION_DATABASE__CONNECT_TIMEOUT_S"),
        ("client_encoding=LATIN1", "'client_encoding' is set by the service"),
        ("keepalives_idle=600", "'keepalives_idle' is set by the service"),
    ],
)
def test_a_database_url_parameter_that_would_not_apply_is_refused(query, message):
    with pytest.raises(ValidationError, match="database_url") as exc:
        Settings(database_url=f"postgresql://moderation:pw@db.internal:5432/moderation?{query}")
    assert message in str(exc.value)


def test_database_url_parameters_that_apply_are_kept():
    url = "postgresql://moderation@db.internal/moderation?sslmode=verify-full&options=-csearch_path%3Dm&passfile=/p"
    assert Settings(database_url=url).database_url == url


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # A secret file's trailing newline: PostgreSQL was asked for database "moderation\n", which does
        # not exist, so every store call was a 503 for ever.
        ("database_url", "postgresql://moderation:pw@db.internal:5432/moderation\n"),
        ("database_url", "postgresql://moderation:pw@db.internal:5432/moderation "),
        # The store was made as "feedback.sqlite3\n", a file no one looking for feedback.sqlite3 finds.
        ("db_path", "/var/lib/moderation/feedback.sqlite3\n"),
        ("versions_dir", "/var/lib/moderation/models\n"),
        ("model_dir", " /srv/model"),
    ],
)
def test_a_path_or_url_with_whitespace_around_it_is_refused(field, value):
    with pytest.raises(ValidationError, match=f"{field}(.|\n)*whitespace"):
        Settings(**{field: value})


def _factory_stderr(factory: str, env: dict[str, str] | None = None) -> str:
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", f"from service.api.app import {factory}; {factory}()"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@pytest.mark.slow
def test_a_bare_uvicorn_start_names_the_settings_it_ignores():
    # `uvicorn --factory service.api.app:app_from_env` (the docs' alternative to `moderate serve`) took
    # host, port, workers, parser and the socket bounds from uvicorn's own options, ignoring the
    # MODERATION_* ones without a word: no head deadline, so slowloris sockets lived for ever.
    stderr = _factory_stderr("app_from_env")
    for name in ("MODERATION_LIMITS__HEADER_TIMEOUT_S", "MODERATION_HTTP_PARSER", "MODERATION_PORT"):
        assert name in stderr, stderr
    assert "moderate serve" in stderr
    assert _factory_stderr("worker_app") == ""  # `moderate serve --workers N` applied them itself


@pytest.mark.parametrize(
    "env",
    [
        {"MODERATION_SPAM__REJECT": "0"},  # meant as "off": every score is at least 0
        {"MODERATION_TOXICITY": '{"review": 0.5, "reject": 0}'},
        {"MODERATION_LANGUAGE_THRESHOLDS": '{"fr": {"insult": {"reject": 0.0}}}'},
    ],
)
def test_a_reject_step_of_zero_is_refused(monkeypatch, env):
    # It was taken: every comment was rejected (removed unseen), where the operator meant the step off.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=r"reject 0 would reject every comment.*null"):
        Settings()


def test_a_review_step_of_zero_is_kept():
    # Every comment to a moderator: a site that moderates everything before it appears may want that.
    assert Settings(unsubstantial={"review": 0.0}).unsubstantial.review == 0.0


@pytest.mark.parametrize(
    ("limits", "names"),
    [
        ({"max_buffered_body_bytes": 1_000_000}, "max_page_bytes"),  # below the 20 MiB page limit
        (
            {"max_request_bytes": 8_000_000, "max_page_bytes": 10**6, "max_buffered_body_bytes": 4 * 10**6},
            "max_request_bytes",
        ),
    ],
)
def test_a_body_budget_below_one_allowed_body_is_refused(limits, names):
    # A body within its limit but over the whole worker's budget was answered 503 "retry shortly" for
    # ever: no retry could fit it, even on an idle worker.
    with pytest.raises(ValidationError, match=f"max_buffered_body_bytes.*{names}"):
        Settings(limits=limits)
    assert Settings(limits={**limits, "max_page_bytes": 1_000_000, "max_request_bytes": 1_000_000})


def test_one_setting_given_in_two_cases_is_refused(monkeypatch):
    # Names are read in any case, so MODERATION_TOXICITY__REVIEW=0.3 beside moderation_toxicity__review=0.6
    # (an old lower-case line left in a unit file) both named toxicity's review: one of them won unseen.
    monkeypatch.setenv("MODERATION_TOXICITY__REVIEW", "0.3")
    monkeypatch.setenv("moderation_toxicity__review", "0.6")
    with pytest.raises(ValidationError, match="the same setting") as exc:
        Settings()
    assert "MODERATION_TOXICITY__REVIEW" in str(exc.value) and "moderation_toxicity__review" in str(exc.value)
    monkeypatch.delenv("moderation_toxicity__review")
    monkeypatch.setenv("moderation_shared_dir", "/data")  # another tool's, beside MODERATION_SHARED_DIR
    assert Settings().toxicity.review == 0.3


def test_every_token_the_docs_set_is_accepted():
    # The README's first journey exported MODERATION_API_TOKEN=change-me, which is now refused: each
    # token the docs set, literally or by a command, must start the service as written.
    import re
    import subprocess

    from tests.conftest import REPO

    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
    shown = [m for page in pages for m in re.findall(r"MODERATION_API_TOKEN=(\S+.*)", page.read_text())]
    assert shown, "the README sets MODERATION_API_TOKEN in its first journey"
    for value in shown:
        command = re.fullmatch(r"\$\((.*)\)\s*(#.*)?", value)
        token = (
            subprocess.run(command.group(1), shell=True, capture_output=True, text=True, check=True).stdout
            if command
            else value.split()[0]
        )
        assert Settings(api_token=token.strip()).api_token, value


def test_a_setting_only_serve_reads_is_a_warning_for_a_command_that_does_not_serve(monkeypatch, caplog):
    # MODERATION_API_TOKEN=short stopped `moderate parse`, which never uses a token: "invalid setting
    # MODERATION_API_TOKEN ... shorter than 16 characters", exit 1. A command that neither serves nor
    # writes to the store warns once, in one line (never the value), and runs with that setting's
    # default; `moderate serve` (Settings() itself) still refuses.
    import logging

    from service.settings import command_settings

    monkeypatch.setenv("MODERATION_API_TOKEN", "short-secret")
    monkeypatch.setenv("MODERATION_DATABASE__POOL_SIZE", "0")
    with pytest.raises(ValidationError):
        Settings()
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        settings = command_settings("parse")
    assert settings.api_token is None and settings.database.pool_size == 5
    [record] = caplog.records
    line = record.getMessage()
    assert "\n" not in line and "short-secret" not in line
    assert "MODERATION_API_TOKEN" in line and "MODERATION_DATABASE__POOL_SIZE" in line
    assert "moderate parse" in line and "moderate serve" in line


def test_the_moderators_come_from_the_variable_or_the_file_not_both(tmp_path):
    path = tmp_path / "moderators.json"
    assert Settings(api_token=API, moderator_tokens_file=path).moderator_tokens_file == path
    with pytest.raises(ValidationError, match="MODERATION_MODERATOR_TOKENS is set too"):
        tokens = {"alice": "alice-token-0123456789"}
        Settings(api_token=API, moderator_tokens=tokens, moderator_tokens_file=path)
    with pytest.raises(ValidationError, match="needs MODERATION_API_TOKEN too"):
        Settings(moderator_tokens_file=path)
    assert Settings(moderator_tokens_file="").moderator_tokens_file is None  # an empty variable: unset


# One value `moderate serve` refuses for each setting only it reads; the JSON ones malformed, which
# pydantic-settings refused before validation (a SettingsError, not a ValidationError).
SERVE_ONLY_REFUSED = {
    "host": None,  # any name is a setting; serve itself refuses one it cannot bind (test_cli)
    "port": "eighty",
    "workers": "0",
    "api_token": "short-secret",
    "moderator_tokens": '{"alice": "short-secret"}',
    "moderator_tokens_file": "/run/secrets/moderators.json",  # without MODERATION_API_TOKEN
    "db_path": "postgresql://u:pw@db/x",
    "database_url": "mysql://u:pw@db/x",
    "database": "{bad",
    "do_not_store": "perhaps",
    "retention_days": "0",
    "perspective_aliases": "{bad",
    "perspective_drop_unsupported": "perhaps",
    "cors_origins": "{bad",
    "public_base_url": "ftp://moderation.example/",
    "log_level": "verbose",
    "http_parser": "picohttp",
}


def test_each_setting_only_serve_reads_has_a_refused_value_below():
    assert set(SERVE_ONLY_REFUSED) == SERVE_ONLY_SETTINGS


@pytest.mark.parametrize("name", sorted(n for n, value in SERVE_ONLY_REFUSED.items() if value))
def test_every_setting_only_serve_reads_is_a_warning_however_it_is_malformed(name, monkeypatch, caplog):
    # MODERATION_CORS_ORIGINS='{bad' stopped `moderate parse` ("invalid setting ... not valid JSON"):
    # the JSON was decoded before validation, so command_settings never saw whose value it was.
    import logging

    from service.settings import command_settings

    value = SERVE_ONLY_REFUSED[name]
    variable = f"MODERATION_{name.upper()}"
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=name):
        Settings()
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        settings = command_settings("parse")
    assert getattr(settings, name) == Settings.model_fields[name].get_default()
    [record] = caplog.records
    assert variable in record.getMessage() and value not in record.getMessage()


def test_an_object_setting_only_serve_reads_refused_for_its_value_is_a_warning(monkeypatch, caplog):
    # Valid JSON with a refused value stopped `moderate parse`: the second read, meant to give the
    # setting its default, had pydantic-settings merge the variable into that default again.
    import logging

    from service.settings import command_settings

    monkeypatch.setenv("MODERATION_PERSPECTIVE_ALIASES", '{"X": ""}')
    with pytest.raises(ValidationError, match="perspective_aliases"):
        Settings()
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        settings = command_settings("parse")
    assert settings.perspective_aliases == {}
    [record] = caplog.records
    assert "MODERATION_PERSPECTIVE_ALIASES" in record.getMessage() and "moderate serve" in record.getMessage()


@pytest.mark.parametrize(
    ("name", "misnamed"),
    [(name, "two cases") for name in sorted(SERVE_ONLY_SETTINGS)]
    # (database and perspective_aliases have parts: a wrong part is a value error of the setting's own;
    # moderator_tokens' parts are names, and a 1-character token is refused)
    + [(name, "nested") for name in sorted(SERVE_ONLY_SETTINGS - {"database", "perspective_aliases"})],
)
def test_a_misnamed_setting_only_serve_reads_is_a_warning(name, misnamed, monkeypatch, caplog):
    # MODERATION_CORS_ORIGINS__X=1 (a part of a setting that has none) or MODERATION_PORT beside
    # moderation_port stopped `moderate parse`: refused for the whole object, the error named no
    # setting, so command_settings could not tell that only serve reads it.
    import logging

    from service.settings import command_settings

    variable = f"MODERATION_{name.upper()}"
    if misnamed == "nested":
        monkeypatch.setenv(variable + "__X", "1")
    else:
        monkeypatch.setenv(variable, "1")
        variable = variable.lower()
        monkeypatch.setenv(variable, "2")
    with pytest.raises(ValidationError):
        Settings()
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        settings = command_settings("parse")
    assert getattr(settings, name) == Settings.model_fields[name].get_default()
    [record] = caplog.records
    assert f"MODERATION_{name.upper()}" in record.getMessage() and "moderate serve" in record.getMessage()


def test_a_setting_that_is_not_json_names_its_variable_and_the_json_error(monkeypatch):
    monkeypatch.setenv("MODERATION_LIMITS", "{bad")
    with pytest.raises(ValidationError) as exc:
        Settings()
    [err] = exc.value.errors()
    assert err["loc"] == ("limits",)
    assert "not valid JSON" in err["msg"] and "line 1 column 2" in err["msg"]


def test_a_bad_setting_a_command_uses_still_stops_it(monkeypatch):
    from service.settings import command_settings

    monkeypatch.setenv("MODERATION_API_TOKEN", "short-secret")
    monkeypatch.setenv("MODERATION_LIMITS__MAX_PAGE_BYTES", "0")
    with pytest.raises(ValidationError, match="max_page_bytes"):
        command_settings("parse")


def _refusal(monkeypatch, env: dict[str, str]) -> str:
    from service.cli import _settings_error

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = _settings_error(caught.value)
    assert message is not None
    return message


def _steps_out_of_order(attribute: str) -> dict[str, str]:
    """Variables that put ``attribute``'s review step above its reject step, with its other default."""
    default = Settings.model_fields[attribute].get_default()
    prefix = f"MODERATION_{attribute.upper()}__"
    if default.reject is not None:
        return {prefix + "REVIEW": "0.95"}
    if default.review is not None:
        return {prefix + "REJECT": "0.01"}
    return {prefix + "REVIEW": "0.5", prefix + "REJECT": "0.1"}


# `MODERATION_TOXICITY__REVIEW=0.95 moderate parse ...` said "invalid setting MODERATION_TOXICITY=
# {'review': '0.95', 'reject': 0.9}: ...": a variable nobody set, its value merged with a default.
@pytest.mark.parametrize("attribute", THRESHOLD_ATTRIBUTES)
def test_a_threshold_out_of_order_names_the_variables_that_were_set(attribute, monkeypatch):
    env = _steps_out_of_order(attribute)
    message = _refusal(monkeypatch, env)
    for name, value in env.items():
        assert f"{name}={value}" in message, message
    assert f"MODERATION_{attribute.upper()}=" not in message, message
    assert "is above reject" in message and "'reject'" not in message, message


@pytest.mark.parametrize(
    ("env", "shown"),
    [
        ({"MODERATION_TOXICITY": '{"review": 0.95}'}, """MODERATION_TOXICITY='{"review": 0.95}'"""),
        (
            {"MODERATION_LANGUAGE_THRESHOLDS": '{"fr": {"toxicity": {"review": 0.95}}}'},
            """MODERATION_LANGUAGE_THRESHOLDS='{"fr": {"toxicity": {"review": 0.95}}}'""",
        ),
        (
            {"MODERATION_LANGUAGE_THRESHOLDS__FR": '{"toxicity": {"review": 0.95}}'},
            """MODERATION_LANGUAGE_THRESHOLDS__FR='{"toxicity": {"review": 0.95}}'""",
        ),
        (
            {"MODERATION_LIMITS__MAX_PAGE_BYTES": "999999999999"},
            "MODERATION_LIMITS__MAX_PAGE_BYTES=999999999999",
        ),
    ],
)
def test_a_refused_setting_shows_the_variable_as_it_was_set(env, shown, monkeypatch):
    # MODERATION_LANGUAGE_THRESHOLDS='{"fr": ...}' was shown as Python's repr of what it became
    # ({'fr': {'toxicity': ...}}), and MODERATION_LIMITS__MAX_PAGE_BYTES as MODERATION_LIMITS={...}.
    message = _refusal(monkeypatch, env)
    assert shown in message, message


def test_a_threshold_is_a_warning_for_parse_but_stops_the_commands_that_decide(monkeypatch, caplog):
    # `moderate parse` decides nothing (it only reads pages): a threshold out of order stopped it all the
    # same. `moderate score` and `moderate report` decide with the thresholds, so it stops them.
    import logging

    from service.settings import command_settings

    monkeypatch.setenv("MODERATION_TOXICITY__REVIEW", "0.95")
    for command in ("score", "report"):
        with pytest.raises(ValidationError, match="toxicity"):
            command_settings(command)
    with caplog.at_level(logging.WARNING, logger="service.settings"):
        settings = command_settings("parse")
    assert settings.toxicity == Settings.model_fields["toxicity"].get_default()
    [record] = caplog.records
    line = record.getMessage()
    assert "MODERATION_TOXICITY__REVIEW" in line and "moderate parse" in line, line
    assert "moderate score" in line and "moderate serve" in line, line
