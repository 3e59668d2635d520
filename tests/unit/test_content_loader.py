"""The loader lists every problem, with file and line, and never stops at the first."""

from pathlib import Path

from bot.content.loader import load_content
from bot.content.source import ContentError, ContentSource
from tests.factory import CONTENT, make_content, topic_file


def messages(root: Path) -> list[str]:
    _library, problems = load_content(root)
    return [p.describe(root) for p in problems if p.severity == "error"]


def only_fr(tmp_path: Path, files: dict[str, str]) -> Path:
    return make_content(tmp_path / "content", {"fr": files})


def test_broken_front_matter_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = "---\nid: rental-deposit\ntitle: [oops\n---\nx\n"
    root = only_fr(tmp_path, {"rental-deposit.md": broken})
    found = [m for m in messages(root) if "rental-deposit.md" in m]
    assert any("not valid YAML" in m for m in found), found


def test_unknown_pictogram_dangling_related_and_wrong_id(tmp_path: Path) -> None:
    files = {
        "rental-deposit.md": topic_file("rental-deposit", pictogram="unicorn",
                                        extra="related: [no-such-topic]\n"),
        "housing-search.md": topic_file("bank-account"),
    }
    found = "\n".join(messages(only_fr(tmp_path, files)))
    assert "unknown pictogram 'unicorn'" in found
    assert "related id 'no-such-topic' does not exist" in found
    assert "id 'bank-account' differs from the file name" in found
    assert "fr/rental-deposit.md:4:" in found  # the pictogram line


def test_missing_topics_and_too_long_text(tmp_path: Path) -> None:
    long_body = "Une phrase. " * 400
    found = "\n".join(messages(only_fr(tmp_path, {
        "rental-deposit.md": topic_file("rental-deposit", body=long_body)})))
    assert "too long for one phone message" in found
    assert "the topic 'integration-income' is missing in 'fr'" in found


def test_partial_language_falls_back_with_a_warning_not_an_error(tmp_path: Path) -> None:
    root = tmp_path / "content"
    real = CONTENT
    import shutil

    shutil.copytree(real, root)
    de = root / "de"
    de.mkdir()
    (de / "_language.yaml").write_text("fallback: [en, fr]\npartial: true\n")
    (de / "rental-deposit.md").write_text(topic_file("rental-deposit", title="Mietkaution",
                                                     body="Die Kaution schützt den Vermieter."))
    library, problems = load_content(root)
    errors = [p for p in problems if p.severity == "error"]
    assert errors == [], errors[:3]
    assert any("not yet written in 'de'" in p.message for p in problems)
    served = library.served("de", "bank-account")
    assert served is not None and served.is_fallback and served.topic.lang == "en"
    assert library.served("de", "rental-deposit").topic.title == "Mietkaution"  # type: ignore[union-attr]


def test_content_source_refuses_bad_content_and_keeps_the_last_good(tmp_path: Path) -> None:
    import asyncio
    import shutil

    real = CONTENT
    root = tmp_path / "content"
    shutil.copytree(real, root)
    source = ContentSource(root, embedder=None)
    good_version = source.current.library.version
    (root / "fr" / "rental-deposit.md").write_text("no front matter\n")
    assert asyncio.run(source.reload()) is False
    assert source.current.library.version == good_version
    (root / "fr" / "rental-deposit.md").unlink()
    try:
        ContentSource(root, embedder=None)
    except ContentError as error:
        assert any("rental-deposit" in str(p.path) for p in error.problems)
    else:
        raise AssertionError("content with a missing topic must be refused")


def test_valid_new_content_is_picked_up_without_a_restart(tmp_path: Path) -> None:
    import asyncio
    import shutil

    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    source = ContentSource(root, embedder=None)
    before = source.current.library.version
    path = root / "fr" / "bank-account.md"
    path.write_text(path.read_text().replace("title: ", "title: Nouveau — ", 1))
    assert asyncio.run(source.reload()) is True
    assert source.current.library.version != before
    assert source.current.library.topics[("fr", "bank-account")].title.startswith("Nouveau")


def test_evidence_checked_by_and_drafts_without_checked_load_cleanly(tmp_path: Path) -> None:
    """Issue 9 fields are known; a draft needs no 'checked'; only answers need a source."""
    evidence = ("evidence:\n  - claim: \"Une phrase\"\n    url: https://www.mi-is.be/fr/page\n"
                "    quote: \"Une phrase\"\n    seen: 2026-12-03\n"
                "checked_by: Assistante sociale\n")
    text = topic_file("rental-deposit", extra=evidence).replace("checked: 2026-11-22\n", "")
    person = topic_file("talk-to-a-person", body="Un travailleur vous répond.").replace(
        "source: https://www.mi-is.be/fr\n", "").replace("checked: 2026-11-22\n", "")
    root = only_fr(tmp_path, {"rental-deposit.md": text, "talk-to-a-person.md": person})
    library, problems = load_content(root)
    mine = [p.describe(root) for p in problems
            if p.path.stem in {"rental-deposit", "talk-to-a-person"}]
    assert mine == []
    topic = library.topics[("fr", "rental-deposit")]
    assert topic.checked is None and topic.checked_by == "Assistante sociale"
    assert [e.url for e in topic.evidence] == ["https://www.mi-is.be/fr/page"]
    assert topic.source_seen is not None and topic.source_seen.isoformat() == "2026-12-03"


def test_an_answer_without_source_is_still_an_error(tmp_path: Path) -> None:
    text = topic_file("rental-deposit").replace("source: https://www.mi-is.be/fr\n", "")
    found = "\n".join(messages(only_fr(tmp_path, {"rental-deposit.md": text})))
    assert "fr/rental-deposit.md:2: ERROR: the answer has no official source" in found


def test_a_folder_of_other_content_is_not_a_language(tmp_path: Path) -> None:
    root = only_fr(tmp_path, {"rental-deposit.md": topic_file("rental-deposit")})
    (root / "crisis").mkdir()
    (root / "crisis" / "README.md").write_text("# Crisis phrases\n")
    (root / "crisis" / "fr.yaml").write_text("patterns: {}\n")
    library, problems = load_content(root)
    assert "crisis" not in library.languages
    assert not any(root / "crisis" in (p.path, p.path.parent) for p in problems)
