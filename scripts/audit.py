"""Known vulnerabilities in the pinned dependencies: pip-audit over requirements.lock and pyproject.toml's torch pin.

Run by .ci/run with the project's venv: `.venv/bin/python scripts/audit.py`.
- Exit 1 with the findings when a pinned package has a known vulnerability not in IGNORED below: upgrade it
  (scripts/lock.sh --upgrade-package NAME), or, if it can't be upgraded, add its ID to IGNORED with the reason.
- Exit 0 with a WARNING when no vulnerability service answers (PyPI's JSON API, then OSV): a network outage must not
  turn CI red, but it must not pass for a clean audit either.
"""

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"

# Vulnerability IDs (PYSEC-..., GHSA-..., CVE-...) that are known and accepted, each with why it can't be fixed.
IGNORED: dict[str, str] = {}

SERVICES = ("pypi", "osv")
# How pip-audit (requests, underneath) says that a service could not be reached.
NETWORK_ERRORS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "Max retries exceeded",
    "SSLError",
    "ProxyError",
    "ServiceError",
    "HTTPError",
    "Could not connect",
    "network may be blocking",
    "not redirecting properly",
)


def torch_pin() -> str | None:
    """`torch==X` from pyproject.toml: torch is left out of the lock (setup.sh installs the CPU wheel first)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        req = Requirement(line)
        if req.name == "torch" and str(req.specifier).startswith("=="):
            return f"torch{req.specifier}"
    return None


def run(service: str, requirements: Path, out: Path) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "pip_audit", "--vulnerability-service", service, "--no-deps", "--disable-pip",
           "--progress-spinner", "off", "--format", "json", "--desc", "on", "--output", str(out),
           "--requirement", str(requirements)]
    for vuln_id in IGNORED:
        cmd += ["--ignore-vuln", vuln_id]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        # The lock's pins without their hashes (pip-audit wants all or none), and torch's.
        pins = re.findall(r"^([A-Za-z0-9._-]+==[^\s\\;]+)", LOCK.read_text(), re.MULTILINE)
        if pin := torch_pin():
            pins.append(pin)
        requirements = Path(tmp) / "pins.txt"
        requirements.write_text("\n".join(pins) + "\n")
        unreachable = []
        for service in SERVICES:
            out = Path(tmp) / f"{service}.json"
            status, log = run(service, requirements, out)
            if not out.exists():
                if any(marker in log for marker in NETWORK_ERRORS):
                    unreachable.append(f"{service}: {log.strip().splitlines()[-1][:300]}")
                    continue
                print(f"pip-audit failed ({service}, exit {status}):\n{log}", file=sys.stderr)
                return 1
            deps = json.loads(out.read_text())["dependencies"]
            skipped = [dep for dep in deps if "skip_reason" in dep]
            if deps and len(skipped) == len(deps):
                # PyPI's JSON API answering 404 for every pinned release: it is blocked or down, not auditing.
                unreachable.append(f"{service}: its JSON API answered no pinned release ({skipped[0]['skip_reason']})")
                continue
            vulnerable = [dep for dep in deps if dep.get("vulns")]
            if vulnerable:
                count = sum(len(dep["vulns"]) for dep in vulnerable)
                print(f"pip-audit ({service}): {count} known vulnerabilities in {len(vulnerable)} pinned packages:",
                      file=sys.stderr)
                for dep in vulnerable:
                    for vuln in dep["vulns"]:
                        fixed = ", ".join(vuln["fix_versions"]) or "no fix released"
                        print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})\n"
                              f"    {vuln.get('description', '')[:400]}", file=sys.stderr)
                print("Upgrade with `scripts/lock.sh --upgrade-package NAME`; if it can't be upgraded, add the ID to "
                      "IGNORED in scripts/audit.py with the reason.", file=sys.stderr)
                return 1
            for dep in skipped:
                print(f"WARNING: pip-audit could not audit {dep['name']}: {dep['skip_reason']}", file=sys.stderr)
            print(f"pip-audit ({service}): no known vulnerabilities in {len(deps) - len(skipped)} pinned packages"
                  + (f", {len(IGNORED)} ignored by scripts/audit.py" if IGNORED else ""))
            return 0
        print("WARNING: vulnerability audit NOT done: no vulnerability service could be reached:",
              *unreachable, sep="\n  ", file=sys.stderr)
        return 0


if __name__ == "__main__":
    sys.exit(main())
