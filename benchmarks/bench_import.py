"""How long `import fallbackkit` takes, against importing pandas alone (the heaviest view library).

Target: under 1 s. Prints the best of 5 cold subprocess imports for each.
"""

import subprocess
import sys
import time


def best_of(stmt: str, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", stmt], check=True)
        times.append(time.perf_counter() - t)
    return min(times)


base = best_of("pass")
fk = best_of("import fallbackkit") - base
pd = best_of("import pandas") - base
load = best_of("import fallbackkit as f; f.default_design()") - base
print(f"python start-up            {base * 1000:7.1f} ms")
print(f"import fallbackkit         {fk * 1000:7.1f} ms   (target < 1000 ms)")
print(f"import + load default      {load * 1000:7.1f} ms")
print(f"import pandas (reference)  {pd * 1000:7.1f} ms   ratio fallbackkit/pandas = {fk / pd:.2f}")
sys.exit(0 if fk < 1.0 else 1)
