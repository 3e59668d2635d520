"""Build small content trees for tests: the real registry and pictograms, chosen topics."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"


def topic_file(
    topic_id: str,
    *,
    title: str = "Titre",
    body: str = "Une phrase courte.",
    pictogram: str = "key",
    extra: str = "",
) -> str:
    return textwrap.dedent(
        f"""\
        ---
        id: {topic_id}
        title: {title}
        pictogram: {pictogram}
        phrasings: ["question about {topic_id}"]
        keywords: [{topic_id}]
        source: https://www.mi-is.be/fr
        checked: 2026-11-22
        status: draft
        """
    ) + extra + "---\n" + body + "\n"


def make_content(root: Path, languages: dict[str, dict[str, str]], *,
                 language_settings: dict[str, str] | None = None) -> Path:
    """A content folder with topics.yaml, pictograms and the given files per language."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONTENT / "topics.yaml", root / "topics.yaml")
    shutil.copytree(CONTENT / "pictograms", root / "pictograms")
    for code, files in languages.items():
        folder = root / code
        folder.mkdir()
        (folder / "_language.yaml").write_text((language_settings or {}).get(code, "{}\n"))
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    return root


def copy_real_content(root: Path) -> Path:
    shutil.copytree(CONTENT, root)
    return root


EXAMPLES = REPO / "docs" / "examples"


def with_example_offices(root: Path) -> Path:
    """`content/` (linked, not copied) with docs/examples' offices and local answers."""
    root.mkdir(parents=True)
    for entry in CONTENT.iterdir():
        (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(EXAMPLES / "offices", root / "offices")
    shutil.copytree(EXAMPLES / "local", root / "local")
    return root
