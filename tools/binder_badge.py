#!/usr/bin/env python3
"""Write the "launch on Binder" badge into README.md for this repository (or a fork of it).

    python tools/binder_badge.py                      # from `git remote get-url origin`
    python tools/binder_badge.py OWNER/REPO [BRANCH]  # or say where the course lives (branch: main)

The badge opens JupyterLab on Binder at notebook 00, built from the branch's ``environment.yml``
and ``postBuild``.  It replaces the README's line that starts with ``[![Binder]`` or, if there is
none, goes right under the title.  A teacher who forks the course runs this once in the fork.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "notebooks/00_welcome_and_setup.ipynb"
_GITHUB = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                     r"(?P<slug>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def slug_from_remote(url: str) -> str:
    """``owner/repo`` from a GitHub remote address (https or ssh)."""
    match = _GITHUB.match(url.strip())
    if not match:
        raise ValueError(f"remote {url.strip()!r} is not a GitHub address; give OWNER/REPO instead")
    return match.group("slug")


def badge(slug: str, branch: str = "main") -> str:
    """The Markdown of the badge for ``owner/repo`` at ``branch``."""
    if not _SLUG.match(slug):
        raise ValueError(f"repository: expected OWNER/REPO, got {slug!r}")
    if not branch or any(c.isspace() for c in branch):
        raise ValueError(f"branch: expected a branch name, got {branch!r}")
    url = (f"https://mybinder.org/v2/gh/{slug}/{quote(branch, safe='')}"
           f"?urlpath={quote('lab/tree/' + START, safe='')}")
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({url})"


def with_badge(readme: str, line: str) -> str:
    """``readme`` with its badge line replaced, or ``line`` inserted under the first heading."""
    lines = readme.splitlines(keepends=True)
    for i, old in enumerate(lines):
        if old.startswith("[![Binder]"):
            lines[i] = line + "\n"
            return "".join(lines)
    for i, old in enumerate(lines):
        if old.startswith("# "):
            lines[i + 1:i + 1] = ["\n", line + "\n"]
            return "".join(lines)
    return line + "\n\n" + readme


def main(argv: list[str]) -> int:
    try:
        if argv:
            slug, branch = argv[0], (argv[1] if len(argv) > 1 else "main")
        else:
            remote = subprocess.run(["git", "remote", "get-url", "origin"], cwd=ROOT,
                                    capture_output=True, text=True)
            if remote.returncode != 0:
                print("This clone has no remote called origin: run "
                      "`python tools/binder_badge.py OWNER/REPO` with the GitHub repository.")
                return 2
            slug, branch = slug_from_remote(remote.stdout), "main"
        line = badge(slug, branch)
    except ValueError as err:
        print(err)
        return 2
    README.write_text(with_badge(README.read_text(encoding="utf-8"), line), encoding="utf-8")
    print(f"README.md: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
