"""Rules the content keeps (issue 12): spelling, citations, titles, navigation, and no unconfirmed facts."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from page_text import ROOT, built_pages, main_segments, markdown_segments, source_files

#: British spellings and the US form the site uses (the seeds are in US English).
UK_TO_US = {
    r"optimis\w*": "optimize", r"utilis\w*": "utilize", r"normalis\w*": "normalize", r"recognis\w*": "recognize",
    r"organis\w*": "organize", r"prioritis\w*": "prioritize", r"summaris\w*": "summarize", r"minimis\w*": "minimize",
    r"maximis\w*": "maximize", r"amortis\w*": "amortize", r"serialis\w*": "serialize", r"synchronis\w*": "synchronize",
    r"categoris\w*": "categorize", r"visualis\w*": "visualize", r"personalis\w*": "personalize",
    r"analys(?:e|ed|es|ing)": "analyze", r"behaviour\w*": "behavior", r"colour\w*": "color", r"favour\w*": "favor",
    r"labour\w*": "labor", r"neighbour\w*": "neighbor", r"catalogue\w*": "catalog", r"modell(?:ed|ing)": "modeled",
    r"travell(?:ed|ing)": "traveled", r"cancell(?:ed|ing)": "canceled", r"labell(?:ed|ing)": "labeled",
    r"centre\w*": "center", r"licence": "license", r"defence": "defense", r"programme\w*": "program",
    r"enrolment\w*": "enrollment", r"judgement\w*": "judgment", r"artefact\w*": "artifact", r"whilst": "while",
}
UK = re.compile(r"\b(?:" + "|".join(UK_TO_US) + r")\b", re.I)
FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]]+\]:.*$", re.M)   # cited titles keep their own spelling


def _without_citations(text: str) -> str:
    return FOOTNOTE_DEFINITION.sub("", text)


def test_the_spelling_check_catches_british_forms() -> None:
    found = UK.findall("We optimise the behaviour of the catalogue; utilisation and modelling too.")
    assert [w.lower() for w in found] == ["optimise", "behaviour", "catalogue", "utilisation", "modelling"]
    assert UK.findall("optimize behavior catalog utilization modeling dialogue") == []


@pytest.mark.parametrize(("source", "segments"), list(source_files()), ids=[s for s, _ in source_files()])
def test_sources_use_us_spelling(source: str, segments: list[str]) -> None:
    if source.endswith(".md"):  # prose only: no citations (titles keep their spelling), no tag attributes
        segments = markdown_segments(_without_citations((ROOT / source).read_text(encoding="utf-8")))
    found = sorted({w for s in segments for w in UK.findall(s)})
    assert found == [], f"{source}: British spelling {found}; the site uses US English"


def test_built_pages_use_us_spelling(built_site: Path) -> None:
    problems = []
    for rel, path in built_pages(built_site):
        html = path.read_text(encoding="utf-8")
        html = re.sub(r'<div class="footnote">.*?</div>', "", html, flags=re.S)
        found = sorted({w for s in main_segments(html) for w in UK.findall(s)})
        if found:
            problems.append(f"{rel}: {found}")
    assert problems == []


def test_no_two_footnote_references_touch(built_site: Path) -> None:
    """Adjacent references render as one number ('10' and '7' read as 107)."""
    problems = []
    for rel, path in built_pages(built_site):
        html = path.read_text(encoding="utf-8")
        if re.search(r'</sup>\s*<sup id="fnref', html):
            problems.append(rel)
    assert problems == []


def test_home_title_names_the_owner_once(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    name = yaml.safe_load((ROOT / "docs" / "resume.yml").read_text(encoding="utf-8"))["name"]
    assert title.count(name) == 1, title
    other = (built_site / "resume" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>Résumé - " + re.escape(name) + "</title>", other), "other pages keep the site name"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("section", ["projects/index.html", "blog/index.html"])
def test_section_index_is_not_named_like_its_section(built_site: Path, section: str) -> None:
    """The sidebar must not read 'Projects › Projects' or 'Blog › Blog'."""
    html = (built_site / section).read_text(encoding="utf-8")
    active = re.search(r'<a href="\./" class="md-nav__link md-nav__link--active">(.*?)</a>', html, re.S)
    assert active, "no active sidebar entry"
    titles = re.findall(r'<label class="md-nav__title"[^>]*>(.*?)</label>', html[:active.start()], re.S)
    assert titles, "no section title above the active entry"
    section_title, entry = _text(titles[-1]), _text(active.group(1))
    assert section_title in ("Projects", "Blog")
    assert entry != section_title, f"the sidebar reads {section_title} › {entry}"


def test_no_unconfirmed_profile_links(built_site: Path) -> None:
    """Only links the seeds support: no guessed social profiles (README: 'To confirm with the owner')."""
    problems = []
    for path in built_site.rglob("*.html"):
        for url in re.findall(r'href="(https?://[^"]+)"', path.read_text(encoding="utf-8")):
            if re.match(r"https?://(www\.)?(linkedin\.com|github\.com/hpj1992|x\.com|twitter\.com)", url):
                problems.append(f"{path.relative_to(built_site)}: {url}")
    assert problems == []


def test_copyright_is_the_year_the_content_was_written(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    footer = re.search(r'<div class="md-copyright__highlight">\s*(.*?)\s*</div>', html, re.S).group(1)
    assert "2026" in footer and "2018" not in footer, footer


def test_summary_agrees_with_the_experience_dates() -> None:
    resume = yaml.safe_load((ROOT / "docs" / "resume.yml").read_text(encoding="utf-8"))
    summary = resume["summary"]
    dates = {str(d) for job in resume["experience"] for d in (job["start"], job["end"]) if d != "present"}
    assert set(re.findall(r"\b(?:19|20)\d\d\b", summary)) <= dates, summary
    spans = {int(job["end"]) - int(job["start"]) for job in resume["experience"] if job["end"] != "present"}
    for number, word in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]):
        if re.search(rf"\b{word} years\b", summary, re.I):
            assert number in spans, f"'{word} years' matches no role's dates: {summary}"


def test_readme_lists_what_to_confirm_with_the_owner() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## To confirm with the owner"):]
    section = section[:section.find("\n## ", 1) if "\n## " in section[1:] else len(section)]
    for item in ("GitHub", "Genie Worksheets", "radar", "contact"):
        assert item.lower() in section.lower(), f"README's to-confirm list does not mention {item}"
    resume = (ROOT / "docs" / "resume.yml").read_text(encoding="utf-8")
    assert "PLACEHOLDERS" in resume.split("radar:")[0], "the radar levels are not marked as placeholders"


def _first_commit_day(path: Path) -> dt.date | None:
    try:
        shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=30)
        if shallow.returncode != 0 or shallow.stdout.strip() != "false":
            return None
        log = subprocess.run(["git", "log", "--follow", "--diff-filter=A", "--format=%ad", "--date=short", "--",
                              str(path.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    days = log.stdout.split()
    return dt.date.fromisoformat(days[-1]) if log.returncode == 0 and days else None


@pytest.mark.parametrize("post", sorted((ROOT / "posts").glob("*.md")), ids=lambda p: p.name)
def test_posts_are_dated_the_day_they_were_written(post: Path) -> None:
    meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---\n")[1])
    first = _first_commit_day(post)
    if first is None:
        pytest.skip("no full git history here to date the post by")
    assert meta["date"] == first, f"{post.name} is dated {meta['date']} but was first committed on {first}"
