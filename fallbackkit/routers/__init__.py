"""Carry the recovery workflow into the gateways teams run: LiteLLM and Portkey configs.

The design says *which* paths a request meets after *which* failure; a router config says
the same thing in the router's vocabulary (mapping table: docs/exports.md)::

    export = litellm_config(design, base_urls={"primary": "http://127.0.0.1:8000/v1"})
    export.config        # {"model_list": [...], "router_settings": {...}}
    export.dropped       # what LiteLLM cannot express, one line each
    export.attempts      # per failure category: the calls LiteLLM makes, [(path, n), ...]
    prescribed_attempts(design, "resource_exhaustion")   # what the workflow prescribes
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import (FAILURE_CLASSES, FALLBACK_STATUS_CODES, GENERIC, PARTIAL_ANSWER_SHARE, ROUTERS,
                     STATUS_CODES, RouterExport, entry_path, expand, parse_base_urls, prescribed_attempts,
                     prescribed_chain)
from .litellm import litellm_config
from .portkey import portkey_config

if TYPE_CHECKING:  # pragma: no cover
    from ..design import Design

__all__ = ["FAILURE_CLASSES", "FALLBACK_STATUS_CODES", "GENERIC", "PARTIAL_ANSWER_SHARE", "ROUTERS",
           "STATUS_CODES", "RouterExport", "entry_path", "expand", "litellm_config", "parse_base_urls",
           "portkey_config", "prescribed_attempts", "prescribed_chain", "router_config"]


def router_config(design: "Design", router: str, base_urls: dict[str, str] | None = None) -> RouterExport:
    """The config for ``router`` ('litellm' or 'portkey')."""
    if router == "litellm":
        return litellm_config(design, base_urls)
    if router == "portkey":
        return portkey_config(design, base_urls)
    raise ValueError(f"unknown router {router!r}; expected one of {', '.join(ROUTERS)}")
