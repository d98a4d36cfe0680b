"""axe-core (npm, pinned in package.json) run inside a Playwright page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: object) -> list[dict]:
    """axe's violations on the current document (all rules axe runs by default: WCAG A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    # The site's CSS skips styling and layout of blocks far from the screen
    # (content-visibility: auto).  axe reads colours and overlaps from the
    # layout, and a skipped block sits at a guessed size, so its neighbours'
    # positions are guesses too: draw everything, as scrolling would.
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
        }"""
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {(n['summary'] or '').splitlines()[-1][:160]}" for n in v["nodes"][:4])
    return "\n".join(lines)
