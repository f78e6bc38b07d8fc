"""The shipped line model: plain JSON coefficients that match the parser's features, adopted only with
its cross-validated gain recorded, and applied per paragraph."""

from __future__ import annotations

import json
import math

import pytest

from service.parse import parse_page
from service.parse.linemodel import (
    FEATURES,
    MODEL_PATH,
    SECTION_FEATURES,
    KindModel,
    LineModel,
    TreeModel,
    load,
    paragraph_means,
    section_features,
    text_style,
)
from service.parse.lines import _classify


def test_shipped_model_matches_the_features_and_records_its_gain():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert raw["features"] == list(FEATURES)
    model = load()
    assert model is not None and set(model.kinds) <= {"html", "text"} and model.kinds
    for kind, m in raw["models"].items():
        cv = m["cross_validation"]
        assert cv["cv_f1"] > cv["baseline_f1"], kind  # adopted only where it helped
        assert 0 < model.kinds[kind].threshold < 1


def test_a_model_for_other_features_is_refused():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        LineModel.from_dict(raw)
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    n = len(FEATURES)
    logistic = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": [0.0] * (n - 1), "intercept": 0.0}
    raw["models"] = {"text": {**logistic, "threshold": 0.5}}
    with pytest.raises(ValueError, match="coefficient count"):
        LineModel.from_dict(raw)
    tree = {"feature": [n, -1, -1], "split": [0.5, 0, 0], "left": [1, -1, -1], "right": [2, -1, -1],
            "value": [0.0, -1.0, 1.0]}  # fmt: skip
    raw["models"] = {"text": {"type": "boosted_trees", "baseline": 0.0, "threshold": 0.5, "trees": [tree]}}
    with pytest.raises(ValueError, match="malformed"):  # splits on a feature the parser does not have
        LineModel.from_dict(raw)
    tree["feature"][0] = n - 1
    assert isinstance(LineModel.from_dict(raw).kinds["text"], TreeModel)


def test_paragraph_lines_share_one_decision():
    assert paragraph_means([0.2, 0.6, 0.9], [0, 0, 1]) == pytest.approx([0.4, 0.4, 0.9])


def test_related_links_after_the_article_are_dropped_from_a_text_page():
    prose = (
        "The council voted on Tuesday to close the old swimming pool, after a survey found that repairing "
        "the roof would cost more than building a new one on the site of the car park next to the station."
    )
    related = [
        "More from Local News",
        "Bus fares to rise in spring",
        "New bakery opens on High Street",
        "School wins regional chess title",
        "Roadworks planned for Mill Lane",
    ]
    page = "Council votes to close old pool\n\n" + "\n\n".join([prose] * 6) + "\n\n" + "\n".join(related)
    art = parse_page(page, fmt="text")
    assert prose in art.body
    assert not any(r in art.body for r in related[1:])


def _segment(page: str, model: LineModel):
    from service.parse.segment import segment_with_roles
    from service.settings import Limits

    raw = [(ln.strip(), 0, None) for ln in page.split("\n")]
    return segment_with_roles(raw, source="<t>", fmt="text", limits=Limits(), line_model=model)[0]


def _model_on(feature: str, weight: float, intercept: float) -> LineModel:
    n = len(FEATURES)
    coef = tuple(weight if f == feature else 0.0 for f in FEATURES)
    km = KindModel((0.0,) * n, (1.0,) * n, coef, intercept, 0.5)
    return LineModel({"text": km})


ARTICLE = (
    "Council approves the budget\n\n"
    "The city council approved a new budget on Tuesday after a debate that lasted six hours.\n\n"
    "Council members said the budget keeps taxes flat for the third year in a row.\n\n"
    "Road repairs get more money than last year, and the libraries keep their opening hours.\n\n"
    "The mayor said she would sign the budget on Friday, after a last reading by the council.\n\n"
)
MENU = "".join(f"{w}\n" for w in ("Home", "News", "Sport", "Weather", "Travel", "Culture", "Video", "Login"))
SIDEBAR = "Upcoming events\n\n" + "".join(
    f"Webinar {k}: this session uses real world case studies to show how companies run their games in "
    f"the cloud, with a question and answer session at the end for everyone who registers.\n\n"
    for k in range(8)
)


def test_a_rejected_region_gives_the_next_densest_run_its_chance():
    """The line model drops the whole run the rules chose (a sidebar outscoring a short article):
    the densest run of the rest, the article, becomes the body."""
    page = ARTICLE + MENU * 4 + SIDEBAR
    rules = _segment(page, _model_on("position", 0.0, 5.0)).body
    assert "Webinar 3" in rules and "approved a new budget" not in rules  # the rules' run
    art = _segment(page, _model_on("log_words", -10.0, 31.0))  # drops lines of over 21 words
    assert "approved a new budget" in art.body
    assert "Webinar" not in art.body


def test_a_model_that_drops_every_line_leaves_the_rules_body():
    page = ARTICLE + MENU * 4 + SIDEBAR
    kept = _segment(page, _model_on("position", 0.0, 5.0)).body
    assert kept and _segment(page, _model_on("position", 0.0, -5.0)).body == kept


def test_section_features_tell_the_article_from_a_link_list_and_a_bio_under_their_headings():
    sentence = "The council approved a new budget on Tuesday after a debate that lasted six hours."
    page = [
        "Council approves the budget", "", sentence, "", sentence, "", sentence, "",
        "More from Local News", "", "Bus fares rise", "New bakery opens", "School wins chess title", "",
        "About the author", "", "Jo Smith covers the city council for the paper.",
    ]  # fmt: skip
    lines = _classify([(t, 0, None) for t in page])
    texts = [ln.core for ln in lines]
    rows = section_features(lines, ["body"] * len(lines))
    assert len(rows) == len(lines)
    article, links, bio = rows[1], rows[texts.index("New bakery opens")], rows[-1]
    # short lines, prose share, share of the body's words, log1p(headings from the article's section)
    assert rows[0] == article  # the page's first line opens the first section, the headline's
    assert links[0] == 1.0 and article[0] == pytest.approx(1 / 4)
    assert article[1] > 0.9 and links[1] == 0.0 and bio[1] > 0.7
    # words: headline 4 + three sentences of 15; heading and links 4 + 3 + 3 + 4; heading and bio 3 + 9
    assert (article[2], links[2], bio[2]) == pytest.approx((49 / 75, 14 / 75, 12 / 75))
    assert (article[3], links[3]) == (0.0, pytest.approx(math.log1p(1)))
    assert bio[3] == pytest.approx(math.log1p(2))


def test_a_page_without_headings_is_one_section():
    lines = _classify([("One short line", 0, None), ("Another line here, not a heading.", 0, None)])
    rows = section_features(lines, ["body", None])
    assert rows[0] == rows[1] and rows[0][3] == 0.0 and rows[0][2] == pytest.approx(1.0)


def test_a_ticker_of_teasers_does_not_outweigh_the_article():
    # A footer's "Breaking News" list has more body words than the article: list items do not count
    # towards choosing the article's section (or its share), so the article stays 0 headings away.
    sentence = "The council approved a new budget on Tuesday after a debate that lasted six hours."
    teaser = "* Mayor opens the new bridge after years of delays and a long dispute over its cost."
    page = [
        "Council approves the budget", "", sentence, "", sentence, "",
        "Breaking News", "", teaser, teaser, teaser, teaser, teaser,
    ]  # fmt: skip
    lines = _classify([(t, 0, None) for t in page])
    rows = section_features(lines, ["body"] * len(lines))
    article, ticker = rows[0], rows[-1]
    # words outside list items: headline 4 + two sentences of 15; the ticker's heading 2
    assert (article[2], ticker[2]) == pytest.approx((34 / 36, 2 / 36))
    assert (article[3], ticker[3]) == (0.0, pytest.approx(math.log1p(1)))


def test_text_style_tells_w3m_lists_from_other_dumps():
    def style(*texts: str) -> str:
        return text_style(_classify([(t, 0, None) for t in texts]))

    assert style("• Home", "• News", "◦ Sport", "A line of prose.") == "w3m"
    assert style("* Home", "* News", "+ Sport", "A line of prose.") == "other"
    assert style("• Home", "* News", "* Sport") == "other"  # mostly inscriptis' (or lynx's) bullets
    assert style("A line of prose.", "Another one.") == "other"  # no list: the text model's page


def _styled(bullet: str) -> str:
    """The body a text page gets when the text model keeps every line and the w3m model drops lines of
    over 21 words: only a page whose menu w3m drew reads the w3m model."""
    n = len(FEATURES) + len(SECTION_FEATURES)
    coef = tuple(-10.0 if f == "log_words" else 0.0 for f in (*FEATURES, *SECTION_FEATURES))
    keep_all = _model_on("position", 0.0, 5.0).kinds["text"]
    short_only = KindModel((0.0,) * n, (1.0,) * n, coef, 31.0, 0.5)
    model = LineModel({"text": keep_all}, frozenset({"text/w3m"}), {"text/w3m": short_only})
    menu = "".join(f"{bullet} {w}\n" for w in ("Home", "News", "Sport", "Weather", "Travel", "Video"))
    return _segment(ARTICLE + menu * 4 + SIDEBAR, model).body


def test_the_w3m_model_takes_the_text_models_place_on_w3m_pages_only():
    assert "approved a new budget" in _styled("•") and "Webinar" not in _styled("•")
    assert "Webinar 3" in _styled("*") and "approved a new budget" not in _styled("*")


def test_a_style_model_names_its_features():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    n = len(FEATURES) + len(SECTION_FEATURES)
    styled = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": [0.0] * n, "intercept": 0.0, "threshold": 0.5}
    raw["styles"] = {"text/w3m": {**styled, "features": [*FEATURES, *SECTION_FEATURES]}}
    model = LineModel.from_dict(raw)
    assert model.sections == {"text/w3m"} and set(model.styles) == {"text/w3m"}
    assert set(model.kinds) == set(raw["models"])  # the kinds' models read FEATURES only
    raw["styles"]["text/w3m"]["features"] = list(FEATURES)  # 27 names, 31 coefficients
    with pytest.raises(ValueError, match="coefficient count"):
        LineModel.from_dict(raw)
    raw["styles"]["text/w3m"]["features"] = [*FEATURES, "section_short_share"]
    with pytest.raises(ValueError, match="features"):
        LineModel.from_dict(raw)


def test_the_html_and_text_models_read_the_27_features_and_the_w3m_model_the_section_features_too():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert all("features" not in m for m in raw["models"].values())  # the file's FEATURES
    assert raw["styles"]["text/w3m"]["features"] == [*FEATURES, *SECTION_FEATURES]
    model = load()
    assert model is not None and model.sections == {"text/w3m"}
    cv = raw["styles"]["text/w3m"]["cross_validation"]
    assert cv["cv_f1"] > max(cv["baseline_f1"], cv["plain_text_cv_f1"])
