"""Another country's rules get "I can answer about …", not the Belgian answer; a country
named as where someone comes from, or beside Belgium or "here", changes nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.content.elsewhere_lint import elsewhere_problems
from bot.content.loader import load_content
from bot.understanding.elsewhere import ElsewhereRule
from bot.understanding.matcher import Matcher

CONTENT = Path(__file__).resolve().parents[2] / "content"
RULE = ElsewhereRule.from_content(CONTENT)


@pytest.mark.parametrize("text", [
    "le RSA en France c'est combien pour une personne seule",
    "hoeveel huurtoeslag krijg je in Nederland",
    "how much is universal credit in england for a family",
    "كم المساعدة الاجتماعية بألمانيا للاجئين",
    "ኣብ ጀርመን ንስደተኛታት ሓገዝ ገንዘብ ክንደይ እዩ",
    "яка допомога на дітей у Німеччині",
    "skilky platyat v polshi na dytynu",
])
def test_another_countrys_rules_are_declined(text: str) -> None:
    assert RULE.declines(text, "family-allowance")


@pytest.mark.parametrize(("text", "topic"), [
    ("I lived in Germany, can I get help from the CPAS here?", "integration-income"),
    ("je viens de France, je dois faire le parcours d'intégration ?", "integration-course"),
    ("ولدي اجا من ألمانيا يعيش معنا، لازم خبر؟", "report-changes"),
    ("хочу вчити нідерландську мову", "language-courses"),
    ("ፈረንሳይኛ ክመሃር እደሊ", "language-courses"),
    ("can I visit my sister in France with my orange card", "travel-abroad"),
    ("mijn vrouw woont in Zweden, kan ze naar België komen", "family-reunification"),
    ("allocations familiales en Belgique, les enfants étaient en France", "family-allowance"),
])
def test_origin_belgium_here_and_abroad_topics_are_not_declined(text: str, topic: str) -> None:
    assert not RULE.declines(text, topic)


def test_the_matcher_says_it_cannot_answer_another_countrys_rules() -> None:
    library, _ = load_content(CONTENT)
    matcher = Matcher(library, None)
    assert matcher.match("kinderbijslag aanvragen in nederland").topic is None
    assert matcher.match("kinderbijslag aanvragen").topic == "family-allowance"


def test_the_shipped_file_refuses_no_phrasing_and_a_bad_word_is_named(tmp_path: Path) -> None:
    library, _ = load_content(CONTENT)
    assert elsewhere_problems(library) == []
    (tmp_path / "elsewhere.yaml").write_text(
        "elsewhere:\n  - cpas\nplaces:\n  - x\nabroad_topics:\n  - nowhere\n", encoding="utf-8")
    found = [p.message for p in elsewhere_problems(replace(library, root=tmp_path))]
    assert "unknown section 'places'" in found
    assert "abroad_topics: 'nowhere' is not a topic id" in found
    assert any("would be refused as another country's question" in m for m in found)
