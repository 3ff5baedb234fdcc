"""tools/binder_badge.py: the README's "launch on Binder" badge for this repository or a fork."""
import importlib.util
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("binder_badge", ROOT / "tools" / "binder_badge.py")
binder_badge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(binder_badge)


@pytest.mark.parametrize("remote", ["https://github.com/ann/tracking-course.git",
                                    "https://github.com/ann/tracking-course",
                                    "git@github.com:ann/tracking-course.git",
                                    "ssh://git@github.com/ann/tracking-course.git\n"])
def test_slug_from_github_remotes(remote):
    assert binder_badge.slug_from_remote(remote) == "ann/tracking-course"


def test_non_github_remote_and_bad_names_are_clear_errors():
    with pytest.raises(ValueError, match="not a GitHub address"):
        binder_badge.slug_from_remote("/srv/git/course.git")
    with pytest.raises(ValueError, match="OWNER/REPO"):
        binder_badge.badge("just-a-name")
    with pytest.raises(ValueError, match="branch"):
        binder_badge.badge("ann/course", "two words")


def test_badge_opens_notebook_00_on_the_branch():
    line = binder_badge.badge("ann/course", "main")
    url = re.search(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)$", line).group(1)
    assert url.startswith("https://mybinder.org/v2/gh/ann/course/main?urlpath=")
    assert unquote(url.split("urlpath=")[1]) == "lab/tree/notebooks/00_welcome_and_setup.ipynb"
    assert (ROOT / "notebooks" / "00_welcome_and_setup.ipynb").exists()
    assert (ROOT / "environment.yml").exists() and (ROOT / "postBuild").exists()


def test_badge_line_is_replaced_or_inserted_under_the_title():
    inserted = binder_badge.with_badge("# Course\n\nText.\n", "[![Binder](b)](u)")
    assert inserted == "# Course\n\n[![Binder](b)](u)\n\nText.\n"
    replaced = binder_badge.with_badge(inserted, "[![Binder](b)](v)")
    assert replaced == "# Course\n\n[![Binder](b)](v)\n\nText.\n"


def test_readme_badge_if_any_points_at_this_repository():
    """Once the course has a GitHub home (remote origin), the README's badge must point at it."""
    lines = [l for l in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if l.startswith("[![Binder]")]
    remote = subprocess.run(["git", "remote", "get-url", "origin"], cwd=ROOT, capture_output=True, text=True)
    if remote.returncode != 0 or "github.com" not in remote.stdout:
        pytest.skip("this clone has no GitHub remote; the badge is written by tools/binder_badge.py")
    assert lines == [binder_badge.badge(binder_badge.slug_from_remote(remote.stdout))]
