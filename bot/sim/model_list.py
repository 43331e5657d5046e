"""`GET /v1/models` as the LLM Gateway answers it, for LLMSim.

Keys from the live catalog (API-NOTES §2.5; live run 10c, G1): `id`, `name`, `description`,
`creator`, `context_length`, `supported_parameters`, `default_parameters`, `top_provider`,
`pricing`, `retirement_date`, `available_regions`, and the undocumented `providers` and
`default_provider`. A model without `response_format` among its supported parameters is one the
Gateway refuses structured output for. assemblyai 1.8.2's `LLMGatewayModelList` parses it.
May import: the standard library only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["gateway_models"]


def gateway_models(names: list[str], context_length: int, structured: bool) -> dict[str, Any]:
    params = ["max_tokens", "temperature", "stop", "tools"]
    if structured:
        params.append("response_format")
    provider = {"id": "sim", "name": "Recap simulator"}
    data = [
        {
            "id": name, "name": name, "description": "Simulated model (deterministic).",
            "default_parameters": {"temperature": None, "top_p": None},
            "supported_parameters": params,
            "top_provider": {"is_moderated": False, "context_length": context_length,
                             "max_completion_tokens": 64_000},
            "context_length": context_length,
            "pricing": {"global": {"completions": 0.0, "prompt": 0.0}},
            "creator": "sim", "retirement_date": 0, "available_regions": ["us", "eu"],
            "providers": [provider], "default_provider": provider,
        }
        for name in names
    ]
    return {"data": data}
