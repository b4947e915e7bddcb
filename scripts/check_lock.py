"""After scripts/setup.sh: is every requirement of musicgenius (runtime + dev extra) installed at a version it allows?

The packages come from requirements.lock with `pip install --no-deps -e .`, so nothing else checks this: a dependency
added to pyproject.toml but not to the lock would otherwise show up only as an ImportError somewhere in the tests.
"""

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement


def main() -> int:
    problems = []
    for line in requires("musicgenius") or []:
        req = Requirement(line)
        if req.marker and not any(req.marker.evaluate({"extra": extra}) for extra in ("", "dev")):
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
            problems.append(f"{req} is not installed")
            continue
        if not req.specifier.contains(have, prereleases=True):
            problems.append(f"{req} is wanted, {req.name} {have} is installed")
    if problems:
        print("requirements.lock does not match pyproject.toml:", *problems, sep="\n  ", file=sys.stderr)
        print("Regenerate it with scripts/lock.sh, then run scripts/setup.sh again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
