"""The kit's command line as a person runs it: a fresh ``python -m fallbackkit`` process."""

import subprocess
import sys


def run(*args, cwd=None, stdin=None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``fallbackkit ARGS`` run in ``cwd`` with ``stdin`` as its input."""
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", *args], capture_output=True, text=True,
                          cwd=cwd, input=stdin)
    return proc.returncode, proc.stdout, proc.stderr
