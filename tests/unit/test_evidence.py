"""Evidence (issue 9): each fact sentence backed by an official page; honest review status.

Each rule of bot/content/evidence.py has a failing and a passing example, built in a small
content folder; the `content evidence` command shows sentences beside their evidence.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.content.evidence import (
    evidence_problems,
    evidence_report,
    fact_reason,
    home_page_reason,
    normalise,
)
from bot.content.library import ContentLibrary
from bot.content.lint import lint
from bot.content.loader import load_content
from bot.content.model import Evidence
from tests.factory import make_content

TODAY = date(2026, 12, 3)
PAGE = "https://www.wallonie.be/fr/logement/garantie-locative"
BODY = ("La garantie locative protège le propriétaire.\n"
        "En Wallonie : maximum 2 mois de loyer.\n"
        "Lisez bien le bail avant de signer.")
GOOD = f"""\
evidence:
  - claim: "garantie locative protège le propriétaire"
    url: {PAGE}
    quote: "La garantie sert à protéger le bailleur"
    seen: 2026-12-03
  - claim: "En Wallonie : maximum 2 mois"
    url: {PAGE}
    quote: "ne peut excéder deux mois de loyer"
    seen: 2026-12-01
"""


def topic(topic_id: str = "rental-deposit", *, body: str = BODY, evidence: str = GOOD,
          status: str = "status: draft\n", source: str = PAGE, extra: str = "") -> str:
    """A topic file as the content helpers write them (no `checked` on a draft)."""
    return textwrap.dedent(f"""\
        ---
        id: {topic_id}
        title: Titre
        pictogram: key
        phrasings: ["question about {topic_id}"]
        keywords: [{topic_id}]
        source: {source}
        """) + status + extra + evidence + "---\n" + body + "\n"


def build(tmp_path: Path, fr: dict[str, str], **others: dict[str, str]) -> ContentLibrary:
    root = make_content(tmp_path / "content", {"fr": fr, **others})
    library, _ = load_content(root)
    return library


def found(library: ContentLibrary, file: str = "rental-deposit", severity: str = "error",
          today: date = TODAY) -> list[str]:
    root = library.root
    return [p.describe(root) for p in evidence_problems(library, today)
            if p.path.stem == file and p.severity == severity]


# -- the Topic API ---------------------------------------------------------------------------


def test_evidence_is_typed_on_the_topic_and_shared_by_translations(tmp_path: Path) -> None:
    library = build(tmp_path, {"rental-deposit.md": topic()},
                    nl={"rental-deposit.md": topic(body="Een zin.", evidence="")})
    french = library.topics[("fr", "rental-deposit")]
    assert french.evidence[1] == Evidence("En Wallonie : maximum 2 mois", PAGE,
                                          "ne peut excéder deux mois de loyer", date(2026, 12, 1))
    assert french.checked is None and french.checked_by is None
    dutch = library.topics[("nl", "rental-deposit")]
    assert dutch.evidence == () and dutch.shared_evidence == french.evidence
    assert dutch.source_seen == date(2026, 12, 3)
    assert french.source_site == "wallonie.be"


def test_source_seen_prefers_the_source_page_else_the_latest(tmp_path: Path) -> None:
    other = GOOD.replace("seen: 2026-12-01", "seen: 2026-12-02").replace(
        f"url: {PAGE}\n    quote: \"La", "url: https://www.wallonie.be/fr/autre\n    quote: \"La")
    library = build(tmp_path, {"rental-deposit.md": topic(evidence=other)})
    item = library.topics[("fr", "rental-deposit")]
    assert item.source_seen == date(2026, 12, 2)  # the item on the source page, not 12-03
    moved = build(tmp_path / "b", {"rental-deposit.md": topic(source=PAGE + "/x",
                                                               evidence=other)})
    assert moved.topics[("fr", "rental-deposit")].source_seen == date(2026, 12, 3)
    bare = build(tmp_path / "c", {"rental-deposit.md": topic(evidence="")})
    assert bare.topics[("fr", "rental-deposit")].source_seen is None


def test_loader_accepts_drafts_without_checked_and_evidence_fields(tmp_path: Path) -> None:
    root = make_content(tmp_path / "content", {"fr": {"rental-deposit.md": topic()}})
    _library, loaded = load_content(root)
    mine = [p.message for p in loaded if p.path.stem == "rental-deposit"]
    assert mine == []


# -- coverage of fact sentences --------------------------------------------------------------


def test_a_fact_sentence_without_evidence_is_an_error_with_its_line(tmp_path: Path) -> None:
    only_first = GOOD.split("  - claim: \"En Wallonie")[0]
    library = build(tmp_path, {"rental-deposit.md": topic(evidence=only_first)})
    errors = found(library)
    assert len(errors) == 1, errors
    assert "fr/rental-deposit.md:16: ERROR: this sentence states a fact (it has the number 2)" \
        " but no evidence covers it: «En Wallonie : maximum 2 mois de loyer.»" in errors[0]
    assert found(build(tmp_path / "ok", {"rental-deposit.md": topic()})) == []


def test_fact_heuristic() -> None:
    assert fact_reason("Appelez le 0800 32 123.") == "it has the number 0800 32 123"
    assert fact_reason("Le propriétaire garde deux mois.") == "it says the number «deux»"
    assert fact_reason("Les règles changent en Flandre.") == "it names the region «flandre»"
    assert fact_reason("Allez au CPAS de votre commune.") == "it names «cpas»"
    assert fact_reason("Contactez Lire et Écrire.") == "it names «Lire»"
    assert fact_reason("Le propriétaire doit l'enregistrer.") is not None
    assert fact_reason("C'est gratuit.") == "it says «gratuit»"
    # not facts: advice, questions without a number, sentences about Passerelle itself
    assert fact_reason("Lisez bien le bail avant de signer.") is None
    assert fact_reason("Touchez « Parler à une personne » et attendez.") is None  # a button
    assert fact_reason("Vous ne pouvez pas payer le loyer ?") is None
    assert fact_reason("Vous partez 7 jours ou plus ?") is not None
    assert fact_reason("Ici aussi, nous pouvons prévenir le CPAS.") is None
    assert fact_reason("Ce point d'information garde votre langue.") is None


def test_functions_are_exempt_but_crisis_is_not(tmp_path: Path) -> None:
    library = build(tmp_path, {
        "talk-to-a-person.md": topic("talk-to-a-person", evidence="",
                                     body="Un travailleur du CPAS répond en 2 jours."),
        "crisis.md": topic("crisis", evidence="", body="En danger, appelez le 112."),
    })
    assert found(library, "talk-to-a-person") == []
    assert any("appelez le 112" in m for m in found(library, "crisis"))


def test_translations_share_the_french_evidence(tmp_path: Path) -> None:
    nl = topic(body="De waarborg beschermt de eigenaar.\nIn Wallonië: maximaal 2 maanden.\n"
                    "Lees het contract.", evidence="")
    library = build(tmp_path, {"rental-deposit.md": topic()}, nl={"rental-deposit.md": nl})
    assert [p for p in evidence_problems(library, TODAY) if p.path.parent.name == "nl"] == []


# -- each evidence item ----------------------------------------------------------------------


def test_home_pages_and_plain_http_are_refused() -> None:
    for url in ("https://www.unia.be", "https://www.unia.be/", "https://www.unia.be/fr",
                "https://www.vlaanderen.be/nl/", "https://www.wallonie.be/fr-be/index.html",
                "https://www.famiris.brussels/?lang=fr"):
        assert home_page_reason(url) == "is a site's home page", url
    assert home_page_reason("http://www.unia.be/fr/discrimination") == \
        "is not an https:// address"
    for url in (PAGE, "https://bdas-wwsb.brussels/?p=7743",
                "https://www.enseignement.be/index.php?page=25703"):
        assert home_page_reason(url) is None, url


def test_item_problems_in_an_editors_words(tmp_path: Path) -> None:
    bad = """\
evidence:
  - claim: "maximum 2 mois"
    url: https://www.wallonie.be/fr
    quote: ""
    seen: 2026-12-03
  - claim: "garantie locative protège"
    url: http://www.wallonie.be/fr/logement
    qoute: "typo"
    seen: hier
  - claim: "le propriétaire paie"
    url: https://www.wallonie.be/fr/logement
    quote: "x"
    seen: 2026-12-03
  - claim: "l"
    url: https://www.wallonie.be/fr/logement
    quote: "x"
  - just words
"""
    errors = "\n".join(found(build(tmp_path, {"rental-deposit.md": topic(evidence=bad)})))
    assert ":11: ERROR: evidence «maximum 2 mois»: the page https://www.wallonie.be/fr is a " \
        "site's home page → link the page that states this fact" in errors
    assert ":12: ERROR: evidence «maximum 2 mois» has an empty quote → copy the exact words" \
        in errors
    assert "is not an https:// address → use the page's https:// address" in errors
    assert ":16: ERROR: evidence item 2 has an unknown field 'qoute'" in errors
    assert "has an empty quote" in errors.split(":16:")[1]  # item 2 has no quote either
    assert ":17: ERROR: evidence «garantie locative protège»: seen 'hier' is not a date" in errors
    assert ":18: ERROR: the claim «le propriétaire paie» is in no sentence of the text" in errors
    assert ":22: ERROR: the claim «l» is in 3 sentences → copy more words" in errors
    assert "evidence «l» has no 'seen' date" in errors
    assert "evidence item 5 is not a claim/url/quote/seen item" in errors


def test_claims_ignore_case_accents_markdown_and_spaces(tmp_path: Path) -> None:
    assert normalise("  À **Bruxelles**,  l’école [ici](https://x.be) ") == \
        "a bruxelles, l'ecole ici"
    evidence = GOOD.replace('"En Wallonie : maximum 2 mois"', '"en  wallonie : MAXIMUM 2 mois"')
    body = BODY.replace("En Wallonie", "En **Wallonie**")
    assert found(build(tmp_path, {"rental-deposit.md": topic(body=body,
                                                            evidence=evidence)})) == []


def test_evidence_older_than_a_year_warns_and_future_dates_are_refused(tmp_path: Path) -> None:
    library = build(tmp_path, {"rental-deposit.md": topic(
        evidence=GOOD.replace("seen: 2026-12-01", "seen: 2025-11-30"))})
    warnings = found(library, severity="warning")
    assert any("the page was seen on 2025-11-30, more than a year ago → open the page again"
               in w for w in warnings), warnings
    assert not any("more than a year" in w for w in found(library, "rental-deposit", "warning",
                                                          date(2026, 11, 29)))
    future = found(library, today=date(2025, 12, 1))
    assert any("seen 2026-12-03 is after today (2025-12-01)" in e for e in future)
    # the content check's notion of today comes from the clock
    clock = ManualClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert any("more than a year ago" in p.message for p in lint(library, clock))


# -- numbers ---------------------------------------------------------------------------------


def test_numbers_must_be_in_a_claim_or_quote(tmp_path: Path) -> None:
    body = "Appelez Unia au 0800 12 800.\nC'est gratuit."
    no_number = """\
evidence:
  - claim: "Appelez Unia"
    url: https://www.unia.be/fr/signaler
    quote: "Appelez-nous gratuitement"
    seen: 2026-12-03
  - claim: "gratuit"
    url: https://www.unia.be/fr/signaler
    quote: "gratuitement"
    seen: 2026-12-03
"""
    unia = "https://www.unia.be/fr/signaler"
    errors = found(build(tmp_path, {"rental-deposit.md": topic(body=body, evidence=no_number,
                                                               source=unia)}))
    assert any("the number 0800 12 800 is in no claim or quote of this sentence's evidence"
               in e for e in errors), errors
    spaced = no_number.replace('"Appelez-nous gratuitement"', '"Tél. 0800/12.800 (gratuit)"')
    ok = build(tmp_path / "ok", {"rental-deposit.md": topic(body=body, evidence=spaced,
                                                            source=unia)})
    assert found(ok) == [] and found(ok, severity="warning") == []
    in_claim = no_number.replace('"Appelez Unia"', '"Unia au 0800 12 800"')
    claimed = build(tmp_path / "claim", {"rental-deposit.md": topic(body=body,
                                                                    evidence=in_claim,
                                                                    source=unia)})
    assert found(claimed) == []
    assert any("the number 0800 12 800 is in the claim but in no quote" in w
               for w in found(claimed, severity="warning"))


def test_phone_numbers_in_international_form_match_the_national_form() -> None:
    from bot.content.evidence import evidence_numbers, number_tokens

    assert number_tokens("Appelez le +32 2 518 21 23.") == ["025182123"]
    assert "025182123" in evidence_numbers("téléphoner au 02/518.21.23.")
    assert "2" in evidence_numbers("en deuxième classe")


def test_a_number_word_in_the_quote_counts(tmp_path: Path) -> None:
    library = build(tmp_path, {"rental-deposit.md": topic(
        evidence=GOOD.replace('"En Wallonie : maximum 2 mois"', '"En Wallonie : maximum"'))})
    assert found(library) == []  # "deux mois" in the quote supports "2 mois"
    assert not any("number" in w for w in found(library, severity="warning"))


def test_a_translation_with_a_number_the_french_lacks_is_warned(tmp_path: Path) -> None:
    nl = topic(body="In Wallonië: maximaal 3 maanden.", evidence="")
    library = build(tmp_path, {"rental-deposit.md": topic()}, nl={"rental-deposit.md": nl})
    warnings = [p.message for p in evidence_problems(library, TODAY)
                if p.path.parent.name == "nl"]
    assert warnings == ["the number 3 is not in the French text: «In Wallonië: maximaal 3 "
                        "maanden.»"]
    own = """\
evidence:
  - claim: "maximaal 3 maanden"
    url: https://www.vlaanderen.be/nl/huren/huurwaarborg
    quote: "maximaal drie maanden huur"
    seen: 2026-12-03
"""
    library = build(tmp_path / "own", {"rental-deposit.md": topic()},
                    nl={"rental-deposit.md": topic(body="In Wallonië: maximaal 3 maanden.",
                                                   evidence=own)})
    assert [p for p in evidence_problems(library, TODAY) if p.path.parent.name == "nl"] == []


# -- honest status ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "expected"), [
    ("status: draft\nchecked: 2026-11-22\n", "a draft has a 'checked' date: no person "
     "reviewed it → remove 'checked'"),
    ("status: reviewed\nchecked: 2026-12-01\n", "'checked' says a person checked the facts, "
     "but not who → add 'checked_by: <name or role>'"),
    ("status: reviewed\n", "the status is 'reviewed' but there is no 'checked' date"),
    ("status: draft\nchecked_by: Assistante sociale\n", "'checked_by' is set but there is no "
     "'checked' date"),
    ("status: reviewed\nchecked: 2026-12-24\nchecked_by: A. S.\n", "'checked' is 2026-12-24, "
     "after today (2026-12-03)"),
])
def test_review_status_rules(tmp_path: Path, fields: str, expected: str) -> None:
    errors = found(build(tmp_path, {"rental-deposit.md": topic(status=fields)}))
    assert any(expected in e for e in errors), errors
    assert len(errors) == 1, errors


def test_a_reviewed_answer_passes(tmp_path: Path) -> None:
    fields = "status: reviewed\nchecked: 2026-12-02\nchecked_by: Assistante sociale, CPAS\n"
    library = build(tmp_path, {"rental-deposit.md": topic(status=fields)})
    assert found(library) == []
    item = library.topics[("fr", "rental-deposit")]
    assert item.checked == date(2026, 12, 2) and item.checked_by == "Assistante sociale, CPAS"


def test_a_home_page_source_is_refused(tmp_path: Path) -> None:
    library = build(tmp_path, {"rental-deposit.md": topic(source="https://www.wallonie.be/fr")})
    assert any("the source https://www.wallonie.be/fr is a site's home page" in e
               for e in found(library))
    assert any("no evidence item is from the source page" in w
               for w in found(library, severity="warning"))


# -- `passerelle content evidence` -----------------------------------------------------------


def test_evidence_report_for_french_and_a_translation(tmp_path: Path) -> None:
    only_first = GOOD.split("  - claim: \"En Wallonie")[0]
    nl = topic(body="De waarborg beschermt de eigenaar.\nIn Wallonië: maximaal 2 maanden.\n"
                    "Lees het contract.", evidence="")
    library = build(tmp_path, {"rental-deposit.md": topic(evidence=only_first)},
                    nl={"rental-deposit.md": nl})
    report = evidence_report(library, "rental-deposit")
    assert "status: draft, not checked by a person" in report
    assert f"source: {PAGE} (seen 2026-12-03)" in report
    assert "1. La garantie locative protège le propriétaire.\n" \
        "   ✔ claim: «garantie locative protège le propriétaire»\n" \
        f"     url:   {PAGE}\n" \
        "     quote: «La garantie sert à protéger le bailleur»\n" \
        "     seen:  2026-12-03" in report
    assert "2. En Wallonie : maximum 2 mois de loyer.\n" \
        "   ✘ FACT WITHOUT EVIDENCE (it has the number 2)" in report
    assert "3. Lisez bien le bail avant de signer.\n   (no fact found" in report
    assert report.endswith("3 sentence(s), 1 evidence item(s), 1 fact sentence(s) without "
                           "evidence.")
    dutch = evidence_report(library, "rental-deposit", "nl")
    assert "1. De waarborg beschermt de eigenaar.\n" \
        "   fr: La garantie locative protège le propriétaire.\n" \
        "   ✔ claim: «garantie locative protège le propriétaire»" in dutch
    assert "   fr: En Wallonie : maximum 2 mois de loyer.\n   ✘ FACT WITHOUT EVIDENCE" in dutch
    with pytest.raises(KeyError):
        evidence_report(library, "rental-deposit", "ar")


def test_evidence_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    library = build(tmp_path, {"rental-deposit.md": topic()})
    monkeypatch.setenv("PASSERELLE_CONTENT", str(library.root))
    monkeypatch.setenv("PASSERELLE_SEMANTIC", "0")
    assert main(["content", "evidence", "rental-deposit"]) == 0
    out = capsys.readouterr().out
    assert "2. En Wallonie : maximum 2 mois de loyer.\n   ✔ claim: «En Wallonie" in out
    assert main(["content", "evidence", "no-such-topic", "--lang", "fr"]) == 1
    assert "There is no topic 'no-such-topic' in 'fr'." in capsys.readouterr().err


def test_crisis_functions_state_facts_the_others_do_not() -> None:
    from bot.content.evidence import states_facts

    assert states_facts("rental-deposit", is_function=False)
    assert states_facts("crisis", is_function=True)
    assert states_facts("crisis-suicide", is_function=True)
    assert not states_facts("delete-my-data", is_function=True)


def test_amounts_match_with_or_without_zero_cents() -> None:
    from bot.content.evidence import evidence_numbers, number_tokens

    assert number_tokens("Le montant est de 1 250 euros.") == ["1250"]
    assert "1250" in evidence_numbers("montant : 1.250,00 EUR par mois")
    assert number_tokens("1 263,17 €") == ["126317"]


def test_a_translation_that_copies_the_french_evidence_is_told_to_remove_it(
        tmp_path: Path) -> None:
    nl = topic(body="De waarborg beschermt de eigenaar.\nIn Wallonië: maximaal 2 maanden.\n"
                    "Lees het contract.")  # GOOD, the French items, copied
    library = build(tmp_path, {"rental-deposit.md": topic()}, nl={"rental-deposit.md": nl})
    errors = [p.describe(library.root) for p in evidence_problems(library, TODAY)
              if p.path.parent.name == "nl"]
    assert len(errors) == 2, errors
    assert "the claim «En Wallonie : maximum 2 mois» is a French sentence's → remove this " \
        "item: translations share the French evidence" in errors[1]


def test_glossary_evidence_is_checked_like_an_answers(tmp_path: Path) -> None:
    glossary = textwrap.dedent(f"""\
        svk:
          term: SVK
          means: Les SVK font maintenant partie de la woonmaatschappij.
          evidence:
            - claim: "partie de la woonmaatschappij"
              url: {PAGE}
              quote: "De woonmaatschappij bundelt de activiteiten"
              seen: 2026-12-03
        unia:
          term: Unia
          means: Le service public contre la discrimination.
          evidence:
            - claim: "en Flandre"
              url: https://www.unia.be/fr
              quote: ""
              seen: 2027-01-01
              page: 3
        cpas:
          term: CPAS
          means: Le service social.
        """)
    library = build(tmp_path, {"rental-deposit.md": topic(), "glossary.yaml": glossary})
    problems = [p.describe(library.root) for p in evidence_problems(library, TODAY)
                if p.path.name == "glossary.yaml"]
    text = "\n".join(problems)
    assert "svk" not in text, "a good item passes"
    assert "fr/glossary.yaml:13: ERROR: glossary 'unia', evidence item 1: the claim «en " \
        "Flandre» is not in 'means'" in text
    assert "https://www.unia.be/fr is a site's home page" in text
    assert "has an empty quote" in text
    assert "seen 2027-01-01 is after today" in text
    assert "glossary 'unia', evidence item 1 has an unknown field 'page'" in text
    assert len(problems) == 5
