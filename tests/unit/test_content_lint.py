from pathlib import Path

from bot.content.lint import lint, readability
from bot.content.loader import load_content
from tests.factory import make_content, topic_file


def lint_messages(tmp_path: Path, lang: str, body: str, extra: str = "",
                  settings: str = "{}\n") -> list[str]:
    root = make_content(tmp_path / "c", {lang: {"rental-deposit.md": topic_file(
        "rental-deposit", body=body, extra=extra)}}, language_settings={lang: settings})
    library, _ = load_content(root)
    return [p.describe(root) for p in lint(library)]


def test_too_many_and_too_long_sentences(tmp_path: Path) -> None:
    body = ("Un. Deux. Trois. Quatre. Cinq. Six.\n"
            "Cette phrase est vraiment beaucoup trop longue pour une personne qui lit peu "
            "le très bon français.")
    found = "\n".join(lint_messages(tmp_path, "fr", body))
    assert "7 sentences (at most 5)" in found
    assert "a sentence has 17 words (at most 15)" in found
    assert "fr/rental-deposit.md:12:" in found  # the line of the long sentence


def test_arabic_and_tigrinya_have_a_12_word_limit(tmp_path: Path) -> None:
    body = "واحد اثنان ثلاثة اربعة خمسة ستة سبعة ثمانية تسعة عشرة احدى عشر اثنا عشر ثلاثة؟"
    found = "\n".join(lint_messages(tmp_path, "ar", body, settings="max_words_per_sentence: 12\n"))
    assert "(at most 12)" in found


def test_unexplained_abbreviation_and_glossary_fix(tmp_path: Path) -> None:
    assert any("'CPAS' is not explained" in m
               for m in lint_messages(tmp_path / "a", "fr", "Allez au CPAS."))
    root = make_content(tmp_path / "b" / "c", {"fr": {
        "rental-deposit.md": topic_file("rental-deposit", body="Allez au CPAS.",
                                        extra="glossary: [cpas]\n"),
        "glossary.yaml": "cpas:\n  term: CPAS\n  means: Le service social.\n"}})
    library, _ = load_content(root)
    assert not any("'CPAS' is not explained" in p.message for p in lint(library))


def test_tashkeel_and_eastern_digits(tmp_path: Path) -> None:
    found = "\n".join(lint_messages(tmp_path, "ar", "اتَّصِلْ بالرقم ١١٢."))
    assert "vowel marks" in found and "non-Western digits" in found


def test_readability_scores_rank_simple_text_higher() -> None:
    simple = readability("fr", "Le chat dort. Il a faim. Il mange.")
    hard = readability("fr", "L'administration intercommunale réglementaire conditionne "
                             "l'attribution différenciée des prestations.")
    assert simple is not None and hard is not None and simple > 70 > hard
    assert readability("nl", "De kat slaapt. Hij eet.") is not None
    assert readability("ar", "نص") is None


def test_lint_includes_the_evidence_and_status_rules(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.clock import ManualClock

    root = make_content(tmp_path / "c", {"fr": {"rental-deposit.md": topic_file(
        "rental-deposit", body="Le CPAS paie 2 mois.", extra="glossary: [cpas]\n"),
        "glossary.yaml": "cpas:\n  term: CPAS\n  means: Le service social.\n"}})
    library, _ = load_content(root)
    clock = ManualClock(datetime(2026, 12, 3, tzinfo=UTC))
    found = "\n".join(p.describe(root) for p in lint(library, clock))
    assert "fr/rental-deposit.md:8: ERROR: a draft has a 'checked' date" in found
    assert "fr/rental-deposit.md:7: ERROR: the source https://www.mi-is.be/fr is a site's " \
        "home page" in found
    assert "fr/rental-deposit.md:12: ERROR: this sentence states a fact (it has the number " \
        "2) but no evidence covers it: «Le CPAS paie 2 mois.»" in found
