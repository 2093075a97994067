"""Where the book's repository lives: one URL and one branch, and the command that writes them into
every file that names them (the chapters' Colab badges and set-up cells, the book's configuration,
the README, the package metadata).

    python -m ff_tutorial.repository https://github.com/OWNER/NAME [--branch B]   rewrite every copy
    python -m ff_tutorial.repository --check                                   list the copies that disagree
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = "https://github.com/ff-tutorial/ff-tutorial"
BRANCH = "main"

#: The checkout this module runs from (when it runs from a clone: an installed package has none).
CHECKOUT = Path(__file__).resolve().parent.parent

SLUG = r"(?P<slug>[A-Za-z0-9-]+/[A-Za-z0-9_.-]+?)"
BRANCH_NAME = r"(?P<branch>[A-Za-z0-9_./-]+?)"


def raw_url(path: str) -> str:
    """The URL of one file of the repository, as committed on BRANCH (GitHub redirects it to the raw bytes)."""
    return f"{REPOSITORY}/raw/{BRANCH}/{path}"


def install_target() -> str:
    """What `pip install` takes to install the package from the repository."""
    return f"ff_tutorial @ git+{REPOSITORY}@{BRANCH}"


@dataclass(frozen=True)
class Kind:
    """One way a file carries the repository: the files that must hold it, and the text that does.

    `pattern` names the owner/name as `slug` and the branch as `branch` (a kind may carry only one).
    """

    name: str
    files: tuple
    pattern: re.Pattern


KINDS = (
    Kind("Colab badge", ("notebooks/*.ipynb", "README.md"),
         re.compile(rf"https://colab\.research\.google\.com/github/{SLUG}/blob/{BRANCH_NAME}/notebooks/")),
    Kind("set-up cell", ("notebooks/*.ipynb",),
         re.compile(rf"ff_tutorial @ git\+https://github\.com/{SLUG}@(?P<branch>[A-Za-z0-9_./-]+)")),
    Kind("book repository", ("_config.yml",),
         re.compile(rf"^  url: https://github\.com/{SLUG}/?$", re.M)),
    Kind("book branch", ("_config.yml",), re.compile(r"^  branch: (?P<branch>[A-Za-z0-9_./-]+)$", re.M)),
    Kind("package metadata", ("pyproject.toml",),
         re.compile(rf'^Repository = "https://github\.com/{SLUG}"$', re.M)),
    Kind("package constant", ("ff_tutorial/repository.py",),
         re.compile(rf'^REPOSITORY = "https://github\.com/{SLUG}"$', re.M)),
    Kind("package branch", ("ff_tutorial/repository.py",),
         re.compile(r'^BRANCH = "(?P<branch>[A-Za-z0-9_./-]+)"$', re.M)),
)


def parse(url: str) -> str:
    """OWNER/NAME of a GitHub repository URL (Colab opens notebooks from GitHub only)."""
    found = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+/[A-Za-z0-9_.-]+?)(\.git)?/?", url)
    if not found:
        raise ValueError(f"not a GitHub repository URL: {url!r}; give one like https://github.com/OWNER/NAME")
    return found.group(1)


def _files(root: Path, kind: Kind) -> list:
    return sorted({path for pattern in kind.files for path in root.glob(pattern)})


def constants(root: Path) -> tuple:
    """OWNER/NAME and the branch, as the checkout at `root` records them in its ff_tutorial/repository.py."""
    source = (root / "ff_tutorial" / "repository.py").read_text(encoding="utf-8")
    return (parse(re.search(r'^REPOSITORY = "(.*)"$', source, re.M).group(1)),
            re.search(r'^BRANCH = "(.*)"$', source, re.M).group(1))


def disagreements(root: Path = CHECKOUT) -> list:
    """Each copy under `root` that names another repository or branch than root's ff_tutorial/repository.py,
    and each file that should carry a copy and does not, as a line of text."""
    slug, branch = constants(root)
    wrong = []
    for kind in KINDS:
        for path in _files(root, kind):
            text = path.read_text(encoding="utf-8")
            matches = list(kind.pattern.finditer(text))
            if not matches:
                wrong.append(f"{path.relative_to(root)}: no {kind.name}")
            for match in matches:
                found = match.groupdict()
                if found.get("slug", slug) != slug or found.get("branch", branch) != branch:
                    line = text.count("\n", 0, match.start()) + 1
                    wrong.append(f"{path.relative_to(root)}:{line}: {kind.name} says {match.group(0)!r}")
    return wrong


def rewrite(root: Path, url: str, branch: str) -> list:
    """Make every copy under `root` name `url` and `branch`; return the files that changed."""
    slug = parse(url)
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", branch):
        raise ValueError(f"not a branch name: {branch!r}")
    new = {"slug": slug, "branch": branch}
    changed = []
    for path in sorted({p for kind in KINDS for p in _files(root, kind)}):
        old_text = text = path.read_text(encoding="utf-8")
        for kind in KINDS:
            if path not in _files(root, kind):
                continue
            pieces, last = [], 0
            for match in kind.pattern.finditer(text):
                for group, value in new.items():  # the groups come in order: slug, then branch
                    if match.groupdict().get(group) is not None:
                        pieces += [text[last:match.start(group)], value]
                        last = match.end(group)
            text = "".join(pieces) + text[last:]
        if text != old_text:
            path.write_text(text, encoding="utf-8")  # the replacements are plain ASCII: JSON stays valid
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ff_tutorial.repository",
                                     description="Write the repository's URL into every file that names it.")
    parser.add_argument("url", nargs="?", help="https://github.com/OWNER/NAME")
    parser.add_argument("--branch", help="the branch Colab opens and pip installs (default: the one recorded now)")
    parser.add_argument("--check", action="store_true", help="only list the copies that disagree (exit 1 if any)")
    parser.add_argument("--root", type=Path, default=CHECKOUT, help="the checkout to work on (this one)")
    args = parser.parse_args(argv)
    if not (args.root / "ff_tutorial" / "repository.py").is_file():
        parser.error(f"{args.root} is not a checkout of the repository (no ff_tutorial/repository.py)")
    if args.check or args.url is None:
        wrong = disagreements(args.root)
        for line in wrong:
            print(line)
        if not wrong:
            slug, branch = constants(args.root)
            print(f"every copy names https://github.com/{slug}, branch {branch}")
        return 1 if wrong else 0
    try:
        changed = rewrite(args.root, args.url, args.branch or constants(args.root)[1])
    except ValueError as error:
        parser.error(str(error))
    for path in changed:
        print("rewrote", path.relative_to(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
