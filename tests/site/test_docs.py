"""The documentation stays true to the code it describes."""

from __future__ import annotations

from pathlib import Path

from inferlab.ui.docs import updated

ROOT = Path(__file__).resolve().parents[2]


def test_widgets_readme_reference_is_generated_from_the_declarations() -> None:
    text = (ROOT / "widgets" / "README.md").read_text(encoding="utf-8")
    assert updated(text) == text, "widgets/README.md is stale: run `python -m inferlab.ui.docs widgets/README.md`"


def test_readme_names_the_two_commands_and_every_make_target() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme
    for target in ("install", "serve", "build", "test", "test-fast", "bench", "clean"):
        assert f"\n{target}:" in makefile
        assert f"make {target}" in readme or target == "install" and "`make install`" in readme
