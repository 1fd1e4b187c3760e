"""Who serves a path: the provider named on it, or read off its model id.

``openai/gpt-4o`` → openai, ``bedrock/anthropic.claude-3`` → bedrock (the platform that
serves the call is what fails together), ``gpt-4o-mini`` → openai, ``claude-…`` →
anthropic, ``gemini-…`` → google. Open-weight ids (``llama-…``, ``mixtral-…``) run
anywhere, so they need a ``provider/`` prefix or the path's ``provider`` field.
"""

from __future__ import annotations

import re

from ..matrix import FallbackPath

#: spellings of one provider (LiteLLM's and Portkey's prefixes included) → one name
ALIASES = {
    "openai": "openai", "anthropic": "anthropic", "google": "google", "gemini": "google", "vertex_ai": "google",
    "vertex": "google", "vertex-ai": "google", "azure": "azure", "azure_openai": "azure", "azure-openai": "azure",
    "azure_ai": "azure", "bedrock": "bedrock", "aws": "bedrock", "aws-bedrock": "bedrock", "mistral": "mistral",
    "mistral-ai": "mistral", "mistralai": "mistral", "groq": "groq", "together": "together", "together_ai": "together",
    "together-ai": "together", "fireworks": "fireworks", "fireworks_ai": "fireworks", "fireworks-ai": "fireworks",
    "cohere": "cohere", "deepseek": "deepseek", "xai": "xai", "perplexity": "perplexity", "anyscale": "anyscale",
    "replicate": "replicate", "lepton": "lepton", "ollama": "self-hosted", "vllm": "self-hosted",
    "hosted_vllm": "self-hosted", "self-hosted": "self-hosted", "self_hosted": "self-hosted", "openrouter": "openrouter",
}
_BARE = [(re.compile(r"^(gpt-|o1\b|o1-|o3\b|o3-|o4-|text-embedding|chatgpt)", re.I), "openai"),
         (re.compile(r"^claude", re.I), "anthropic"), (re.compile(r"^gemini", re.I), "google")]


def normalise(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    key = name.strip().lower()
    return ALIASES.get(key, ALIASES.get(key.replace(" ", "-"), key))


def provider_of(path: FallbackPath) -> tuple[str | None, str]:
    """(provider, field it was read from: 'provider' or 'model'); (None, '') when unknown."""
    if path.provider:
        return normalise(path.provider), "provider"
    model = (path.model or "").strip()
    if "/" in model:
        return normalise(model.split("/", 1)[0]), "model"
    for pat, prov in _BARE:
        if pat.search(model):
            return prov, "model"
    return None, ""
