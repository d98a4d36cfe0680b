"""The documentation stays true to the code it describes."""

from __future__ import annotations

from pathlib import Path

import pytest

from inferlab.ui import describe, widget_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("widget", widget_names())
def test_widgets_readme_lists_every_option_with_its_default(widget: str) -> None:
    text = (ROOT / "widgets" / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### `{widget}`", 1)[1].split("###", 1)[0]
    for option in describe(widget):
        row = next((line for line in section.splitlines() if line.startswith(f"| `{option['name']}` |")), None)
        assert row is not None, f"{widget}.{option['name']} is not documented"
        default = ("on" if option["default"] else "off") if option["kind"] == "bool" else str(option["default"])
        assert row.rstrip(" |").endswith(default), row


def test_readme_names_the_two_commands_and_every_make_target() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme
    for target in ("install", "serve", "build", "test", "test-fast", "bench", "clean"):
        assert f"\n{target}:" in makefile
        assert f"make {target}" in readme or target == "install" and "`make install`" in readme
