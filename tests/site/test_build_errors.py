"""Author mistakes fail `mkdocs build --strict` with a message naming the file and line."""

from __future__ import annotations

from pathlib import Path

from buildtools import run_mkdocs_build


def _build_fails(project: Path) -> str:
    result = run_mkdocs_build(project / "site", project / "mkdocs.yml")
    assert result.returncode != 0, "the build should have failed"
    return result.stderr


def test_broken_internal_link_fails_the_build(site_copy: Path) -> None:
    page = site_copy / "docs" / "projects" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the missing page](no-such-page.md).\n", encoding="utf-8")
    stderr = _build_fails(site_copy)
    assert "projects/index.md" in stderr and "no-such-page.md" in stderr


def test_broken_link_in_a_post_fails_the_build(site_copy: Path) -> None:
    post = next((site_copy / "posts").glob("*.md"))
    post.write_text(post.read_text(encoding="utf-8") + "\n[gone](missing-post.md)\n", encoding="utf-8")
    stderr = _build_fails(site_copy)
    assert "missing-post.md" in stderr


def test_bad_resume_fails_the_build_with_file_line_and_field(site_copy: Path) -> None:
    resume = site_copy / "docs" / "resume.yml"
    lines = resume.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("level:"))
    lines[number] = lines[number].split(":")[0] + ": 250"
    resume.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stderr = _build_fails(site_copy)
    assert f"docs/resume.yml:{number + 1}: radar[0].level: '250' is not allowed; expected an integer from 0 to 100" in stderr


def test_bad_post_front_matter_fails_the_build_with_file_and_line(site_copy: Path) -> None:
    post = next((site_copy / "posts").glob("*.md"))
    text = post.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("date:"))
    lines[number] = "date: next tuesday"
    post.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stderr = _build_fails(site_copy)
    assert f"posts/{post.name}:{number + 1}: date: 'next tuesday' is not allowed; expected a date YYYY-MM-DD" in stderr
