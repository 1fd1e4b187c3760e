"""Real incident histories: import them, measure the loop, feed it back into the design.

An :class:`IncidentLog` reads incidents in the Statuspage lifecycle — investigating →
identified → monitoring → resolved → postmortem, one timestamp per stage, an impact
level and the affected components — from CSV or JSON, and measures them::

    from fallbackkit.incidents import IncidentLog
    log = IncidentLog.bundled()            # 542 public incidents of OpenAI, Anthropic, Character.AI
    log.quality                            # what was odd in the file, counted, never dropped silently
    log.metrics(by="provider")             # count, mean, median, p90 of each duration, in minutes
    log.recovery_bands()                   # DORA-style band per component
    log.weekly_review("2024-06-03", loop=design.postmortem)
    log.taxonomy_feedback(design.taxonomy) # modes to propose, occurrence rates, modes never seen
    log.postmortem("qv89mzdjvtrs", design) # a blameless post-mortem draft in the SRE template

Durations (minutes), exactly as the kit defines them — a missing stage gives a missing
duration, never zero:

* time to identify     = identified − investigating
* time to repair       = monitoring − identified
* time to verify       = resolved − monitoring
* time to post-mortem  = postmortem − resolved
* time to resolve      = resolved − earliest of (investigating, identified, monitoring)
* time between failures = gap between consecutive incident starts on the same component
  (an incident starts at its earliest recorded stamp, whatever the stage).

One module per noun: ``lifecycle`` (stages, durations, impact levels, categories), ``reader``
(CSV/JSON records), ``quality`` (the data-quality report), ``stats`` (duration summaries,
recovery bands), ``log`` (:class:`IncidentLog`), ``review`` (the weekly review), ``feedback``
(taxonomy feedback), ``document`` (the post-mortem draft) and ``overlap`` (incident intervals and
how much providers' incident time overlaps). :class:`ActionTracker` reads
the post-mortem loop and lives in :mod:`fallbackkit.postmortem`; it is re-exported here.

pandas is imported when a log is built, never by ``import fallbackkit``.
"""

from __future__ import annotations

from ..postmortem import ActionTracker
from .document import PostMortemDocument, postmortem_document
from .feedback import TaxonomyFeedback
from .lifecycle import (CATEGORY_TO_TAXONOMY, DURATIONS, IMPACT_NAMES, IMPACT_SEVERITY, INCIDENT_CATEGORIES, METRICS,
                        NO_COMPONENT, RECOVERY_BANDS, SHORT_CITATION, SKEW_RATIO, SOURCE_CITATION, STAGES, categorize)
from .log import IncidentLog, bundled_path
from .overlap import ProviderOverlap, incident_intervals, provider_overlap
from .quality import DataQuality
from .review import WeeklyReview
from .stats import MetricStats, MetricTable, RecoveryBands, recovery_band

__all__ = [
    "ActionTracker", "CATEGORY_TO_TAXONOMY", "DURATIONS", "DataQuality", "IMPACT_NAMES", "IMPACT_SEVERITY",
    "INCIDENT_CATEGORIES", "IncidentLog", "METRICS", "MetricStats", "MetricTable", "NO_COMPONENT", "PostMortemDocument",
    "RECOVERY_BANDS", "RecoveryBands", "SHORT_CITATION", "SKEW_RATIO", "SOURCE_CITATION", "STAGES", "TaxonomyFeedback",
    "WeeklyReview", "bundled_path", "categorize", "postmortem_document", "recovery_band",
    "ProviderOverlap", "incident_intervals", "provider_overlap",
]
