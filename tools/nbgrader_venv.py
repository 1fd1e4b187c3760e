"""Create .venv-nbgrader: the real nbgrader (the `nbgrader` extra, pinned) beside the kit's venv.

nbgrader 0.9.6 resolves against constraints.txt, but it brings notebook 7 and JupyterLab
extensions (formgrader, assignment list) that would appear in the learners' JupyterLab, so it
lives in its own venv that sees the kit's packages through a .pth file and adds only its own.

    .venv/bin/python tools/nbgrader_venv.py          # make nbgrader
"""

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-nbgrader"


def main() -> int:
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    purelib = subprocess.run([str(VENV / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    base = sysconfig.get_paths()["purelib"]          # the kit's venv (this interpreter's)
    (Path(purelib) / "_fallbackkit_base.pth").write_text(f"import site; site.addsitedir({base!r})\n")
    import tomllib
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["nbgrader"]
    # only the extra's requirements: the kit itself is imported from its own venv (editable)
    subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"),
                    *extra], check=True)
    print(f"{VENV}/bin/nbgrader ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
