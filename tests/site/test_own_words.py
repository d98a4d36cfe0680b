"""The site's words are its own: no page shares a run of six or more words with the seed texts.

The seeds (tests/fixtures/seeds/, copied from the project's shared seeds, see
the README there) are the owner's original portfolio page and blog index:
the source of every fact about the owner, never of the sentences.  Every
page source (home, résumé, projects, posts, the résumé YAML, the home and
résumé templates) and every built page a reader lands on is checked.

Allowed, explicitly: the proper names in ALLOWED_NAMES, and tag lists --
a segment made of nothing but tags (the résumé's skills, radar axes and
project tags, and the project pages' front-matter tags) separated by spaces,
commas or dots, as the résumé prints its skills and Material prints a page's
tags.  Any segment with one word of prose in it is checked in full.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from page_text import ROOT, built_pages, main_segments, source_files

RUN = 6
FIXTURES = ROOT / "tests" / "fixtures" / "seeds"
SHARED = ROOT.parent / "shared" / "seeds"
SEED_NAMES = ("portfolio-page.txt", "blog-index.txt")

#: Proper names that may appear word for word (a project's own name).
ALLOWED_NAMES = (
    "Dynamic Scaling for Multi-Node Hadoop",
)


def words(text: str) -> list[str]:
    """Lower-case words; glued words of the seeds ('PresentAmazon', 'EXPERIENCEWhere') are split."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = re.sub(r"['’]", "", text.lower())
    return re.findall(r"[a-z0-9]+", text)


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def known_tags() -> list[list[str]]:
    """Every tag the site prints in a list, as words, longest first."""
    resume = yaml.safe_load((ROOT / "docs" / "resume.yml").read_text(encoding="utf-8"))
    tags = [item for group in resume["skills"] for item in group["items"]]
    tags += [axis["skill"] for axis in resume["radar"]]
    tags += [tag for project in resume["projects"] for tag in project["tags"]]
    for page in (ROOT / "docs" / "projects").glob("*.md"):
        front = page.read_text(encoding="utf-8").split("---\n")[1]
        tags += yaml.safe_load(front).get("tags", [])
    return sorted({tuple(words(t)) for t in tags if words(t)}, key=len, reverse=True)  # type: ignore[return-value]


TAGS = known_tags()


def is_tag_list(tokens: list[str]) -> bool:
    """True when *tokens* are nothing but known tags one after another."""
    i = 0
    while i < len(tokens):
        tag = next((t for t in TAGS if tuple(tokens[i:i + len(t)]) == t), None)
        if tag is None:
            return False
        i += len(tag)
    return bool(tokens)


def _without_allowed(segment: str) -> list[list[str]]:
    """The segment's words, cut apart where an allowed name stands (the name itself dropped)."""
    tokens = words(segment)
    if is_tag_list(tokens):
        return []
    names = [words(name) for name in ALLOWED_NAMES]
    pieces: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        name = next((n for n in names if tokens[i:i + len(n)] == n), None)
        if name:
            pieces.append([])
            i += len(name)
        else:
            pieces[-1].append(tokens[i])
            i += 1
    return pieces


def seed_texts() -> dict[str, str]:
    missing = [name for name in SEED_NAMES if not (FIXTURES / name).is_file()]
    assert not missing, f"seed fixtures missing from {FIXTURES}: {missing}"
    return {name: (FIXTURES / name).read_text(encoding="utf-8") for name in SEED_NAMES}


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for text in seed_texts().values():
        found |= runs(words(text))
    assert len(found) > 500, "the seed texts look empty"
    return found


def copied(segments: list[str], seed_runs: set[tuple[str, ...]]) -> list[str]:
    hits = []
    for segment in segments:
        for piece in _without_allowed(segment):
            shared = sorted(runs(piece) & seed_runs)
            if shared:
                hits.append(f"{' '.join(shared[0])!r} in: {segment[:160]}")
    return hits


def test_fixture_seeds_match_the_shared_seeds_when_present() -> None:
    texts = seed_texts()
    if not SHARED.is_dir():
        pytest.skip(f"no shared seeds at {SHARED} (a fresh clone): the fixtures are the reference")
    for name, text in texts.items():
        assert (SHARED / name).read_text(encoding="utf-8") == text, (
            f"tests/fixtures/seeds/{name} differs from {SHARED / name}; copy the shared seed again")


def test_the_check_catches_a_copied_sentence(seed_runs: set[tuple[str, ...]]) -> None:
    copied_heading = "Where the load was real."          # a seed heading, one word short of a run
    copied_sentence = "Before that, seven years deep in high-throughput pub/sub, recommendation, and discovery"
    assert copied([copied_heading], seed_runs) == []
    assert copied([f"{copied_heading} Today I build"], seed_runs) == []
    assert copied([copied_sentence], seed_runs)
    assert copied(["We explored Dynamic Scaling for Multi-Node Hadoop today."], seed_runs) == []
    tag_list = "Node.js · Redis · SQL caching · Vertical partitioning"
    assert copied([tag_list], seed_runs) == []
    assert copied([tag_list + " tuned to hold the line"], seed_runs)   # one word of prose: checked


@pytest.mark.parametrize(("source", "segments"), list(source_files()), ids=[s for s, _ in source_files()])
def test_page_sources_share_no_six_word_run_with_the_seeds(source: str, segments: list[str],
                                                           seed_runs: set[tuple[str, ...]]) -> None:
    assert segments, f"{source}: no text found"
    hits = copied(segments, seed_runs)
    assert hits == [], f"{source} copies seed wording:\n" + "\n".join(hits)


def test_built_pages_share_no_six_word_run_with_the_seeds(built_site: Path, seed_runs: set[tuple[str, ...]]) -> None:
    pages = list(built_pages(built_site))
    assert {"index.html", "resume/index.html"} <= {rel for rel, _ in pages}
    assert sum(rel.startswith("projects/") for rel, _ in pages) >= 4
    assert sum(rel.startswith("blog/2") for rel, _ in pages) >= 2
    problems = []
    for rel, path in pages:
        hits = copied(main_segments(path.read_text(encoding="utf-8")), seed_runs)
        problems += [f"{rel}: {hit}" for hit in hits]
    assert problems == [], "built pages copy seed wording:\n" + "\n".join(problems)


def test_home_section_headings_are_not_the_seed_headings(built_site: Path) -> None:
    """Section headings are short, so they are held to four words: none may echo a seed heading."""
    seed4: set[tuple[str, ...]] = set()
    for text in seed_texts().values():
        seed4 |= runs(words(text), 4)
    html = (built_site / "index.html").read_text(encoding="utf-8")
    headings = [re.sub(r"<[^>]+>", " ", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]
    assert len(headings) >= 6, headings
    echoed = [h.strip() for h in headings if any(runs(piece, 4) & seed4 for piece in _without_allowed(h))]
    assert echoed == [], f"home headings echo the seed: {echoed}"
