"""The hand-made incident file (answers worked out in its comments) and the helpers shared
by the tests/test_incidents_*.py files, which mirror the fallbackkit.incidents package."""

from pathlib import Path

from fallbackkit.incidents import IncidentLog

# shared/ sits beside the repository (as in CI, where a copy is laid next to the clone)
SHARED_CSV = Path(__file__).resolve().parents[2] / "shared/data/llm-incidents/incident_stages.csv"

# Eight rows, six incidents (all times UTC unless said):
#  A  X;Y  inv 10:00 ident 10:10 mon 10:40 res 11:00 (Jan 1), postmortem Jan 3 11:00
#         → identify 10, repair 30, verify 20, post-mortem 2880, resolve 60
#  B  X    ident 09:00+02:00 (= 07:00 UTC, Jan 2), res 08:30 → resolve 90; the rest missing
#  C  Z    only resolved (Jan 2 12:00)                         → resolve MISSING, not 0
#  D  Y    inv 12:00 ident 11:50 mon 12:30 res 13:00 (Jan 3)   → identify −10 (out of order,
#          excluded), repair 40, verify 30, resolve 13:00 − 11:50 = 70
#  A  again, identical                                          → duplicate row, dropped
#  D  again, other title                                        → conflicting duplicate, dropped
#  G  Z    inv 09:00 ident 09:45 (Jan 4), never resolved       → identify 45; resolve missing
#  H  Z    inv 10:00 res 10:30 (Jan 5), no time zone           → resolve 30, 2 naive stamps
TINY = """\
id,title,provider,impact,components,investigating,identified,monitoring,resolved,postmortem,investigating_description
A,Elevated errors on API,p1,1,X;Y,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,2024-01-01T10:40:00Z,2024-01-01T11:00:00Z,2024-01-03T11:00:00Z,"We are
investigating <script>alert(1)</script> errors."
B,API outage,p1,3,X,,2024-01-02T09:00:00+02:00,,2024-01-02T08:30:00Z,,
C,Login issues,p2,0,Z,,,,2024-01-02T12:00:00Z,,
D,Increased latency,p1,2,Y,2024-01-03T12:00:00Z,2024-01-03T11:50:00Z,2024-01-03T12:30:00Z,2024-01-03T13:00:00Z,,
A,Elevated errors on API,p1,1,X;Y,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,2024-01-01T10:40:00Z,2024-01-01T11:00:00Z,2024-01-03T11:00:00Z,"We are
investigating <script>alert(1)</script> errors."
D,Something else entirely,p1,2,Y,2024-01-03T12:00:00Z,,,2024-01-03T13:00:00Z,,
G,Degraded performance,p2,1,Z,2024-01-04T09:00:00Z,2024-01-04T09:45:00Z,,,,
H,Elevated error rate,p2,2,Z,2024-01-05 10:00,,,2024-01-05 10:30,,
"""


def read_tiny(tmp_path_factory) -> IncidentLog:
    p = tmp_path_factory.mktemp("inc") / "tiny.csv"
    p.write_text(TINY)
    return IncidentLog.read(p)


def value(log, rid, metric):
    v = log.durations().loc[rid, metric]
    return None if v != v else v
