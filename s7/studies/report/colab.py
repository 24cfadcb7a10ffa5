"""Colab links: filled from the git remote when it is on GitHub."""
from __future__ import annotations

import re

from s7.core.places import ROOT

PLACEHOLDER = "<owner>/<repo>"


def github_repo(remote: str | None) -> str | None:
    """'owner/repo' of a GitHub remote URL (https or ssh), else None."""
    m = re.match(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([\w.-]+)/([\w.-]+?)(?:\.git)?/?$",
                 (remote or "").strip())
    return f"{m[1]}/{m[2]}" if m else None


def git_remote(folder=ROOT) -> str | None:
    import subprocess
    result = subprocess.run(["git", "-C", str(folder), "remote", "get-url", "origin"], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def fill_colab_links(text: str, repo: str) -> str:
    """Point the Colab badges and the notebooks' REPO_URL at github.com/<repo>."""
    text = re.sub(r"(colab\.research\.google\.com/github/)[^/\s)]+/[^/\s)]+(/blob/)", rf"\g<1>{repo}\g<2>", text)
    return re.sub(r"https://github\.com/[^/\s\"')]+/[^/\s\"')]+?\.git", f"https://github.com/{repo}.git", text)


def colab_note(repo: str | None) -> str:
    if repo:
        return f"The Colab links and each notebook's `REPO_URL` point at `github.com/{repo}` (the git remote)."
    return (f"To open the notebooks in Colab, push this repository to GitHub and run `python -m scripts.run --report`: "
            f"it fills the links and each notebook's `REPO_URL` from the git remote (until then they read `{PLACEHOLDER}`).")
