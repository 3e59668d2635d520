"""`passerelle content check` on the crisis files: an editor's mistake is named with its
file and line, never silently learnt by the crisis model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.content.crisis_lint import crisis_problems
from bot.content.loader import load_content

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _problems(tmp_path: Path, examples: str, rules: str = "") -> list[str]:
    library, _ = load_content(CONTENT)
    (tmp_path / "crisis" / "examples").mkdir(parents=True)
    (tmp_path / "crisis" / "examples" / "xx.yaml").write_text(examples, encoding="utf-8")
    if rules:
        (tmp_path / "crisis" / "xx.yaml").write_text(rules, encoding="utf-8")
    return [p.describe(tmp_path) for p in crisis_problems(replace(library, root=tmp_path))]


def test_the_shipped_crisis_files_have_no_errors() -> None:
    library, _ = load_content(CONTENT)
    assert [p for p in crisis_problems(library) if p.severity == "error"] == []


def test_a_label_in_two_sections_and_an_unknown_section_are_named(tmp_path: Path) -> None:
    found = _problems(tmp_path, 'medical:\n  - "he is not breathing"\n'
                                'not_crisis:\n  - "He is not breathing"\nmedecine:\n  - "x"\n')
    assert any("xx.yaml:4: ERROR" in p and "both under 'medical'" in p for p in found)
    assert any("unknown section 'medecine'" in p for p in found)
    assert any("only 0 example(s) of 'fire'" in p and "warning" in p for p in found)


def test_an_ordinary_phrasing_filed_as_an_emergency_is_an_error(tmp_path: Path) -> None:
    library, _ = load_content(CONTENT)
    phrasing = library.topics[("fr", "rental-deposit")].phrasings[0]
    found = _problems(tmp_path, f'violence:\n  - "{phrasing}"\n')
    assert any("ordinary phrasing, title or out-of-scope example" in p for p in found)


def test_an_out_of_scope_example_filed_as_an_emergency_is_an_error(tmp_path: Path) -> None:
    library, _ = load_content(CONTENT)
    example = next(iter(library.out_of_scope))
    found = _problems(tmp_path, f'fire:\n  - "{example}"\n')
    assert any("xx.yaml:2: ERROR" in p and "out-of-scope example" in p for p in found)


def test_broken_yaml_and_one_word_rules_are_named(tmp_path: Path) -> None:
    found = _problems(tmp_path, 'medical:\n  - "unclosed\n', rules="patterns:\n  fire:\n"
                      '    - "feu"\n')
    assert any("cannot be read as YAML" in p for p in found)
    assert any("one word alone never decides" in p for p in found)


def test_an_emergency_example_with_a_not_now_marker_is_an_error(tmp_path: Path) -> None:
    found = _problems(tmp_path, 'fire:\n  - "fire in the kitchen"\n',
                      rules='not_now:\n  - "kitchen"\n')
    assert any("xx.yaml:2: ERROR" in p and "not-now marker «kitchen»" in p for p in found)
