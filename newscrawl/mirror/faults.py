"""Faults on demand: which paths of the mirror fail, and how (docs/reliability.md)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable

# Transient faults spoil the first `times` responses of a path, then it is served
# normally; permanent ones spoil every response. docs/reliability.md says what the
# crawler does with each.
TRANSIENT_FAULTS = ("http_500", "http_502", "http_503", "throttle_429", "slow", "reset", "truncated_html", "moved_once")
PERMANENT_FAULTS = ("not_found_404", "gone_410", "challenge", "empty_body", "offsite_redirect", "redirect_loop",
                    "oversize", "oversize_unannounced", "gzip_bomb", "bad_dates")
# The page can still be read right: its HTTP header says EUC-KR for a UTF-8 body, or
# only its meta tags' dates are malformed (CONTENT_DATA still has the time).
HARMLESS_FAULTS = ("euc_kr_declared", "bad_meta_dates")
FAULTS = TRANSIENT_FAULTS + PERMANENT_FAULTS + HARMLESS_FAULTS
CHALLENGE_PAGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                  b"<h1>Checking your browser before accessing en.yna.co.kr</h1><p>Enable JavaScript and cookies "
                  b"to continue.</p></body></html>")


@dataclass
class FaultPlan:
    """Which paths fault, and how; deterministic for a seed.

    `by_path` names a fault per path; `rate` of the other paths matching `prefixes`
    get one of `modes`, chosen with random.Random(seed). Transient faults spoil the
    first `times` responses. `retry_after` is the 429's Retry-After (seconds); `slow`
    responses wait `slow_seconds`; an `oversize` body is `oversize_bytes` long."""

    by_path: dict[str, str] = field(default_factory=dict)
    rate: float = 0.0
    seed: int = 1
    modes: tuple[str, ...] = FAULTS
    prefixes: tuple[str, ...] = ("/view/",)
    times: int = 1
    retry_after: int = 2
    slow_seconds: float = 3.0
    oversize_bytes: int = 9 * 1024 * 1024

    def assign(self, paths: Iterable[str]) -> dict[str, str]:
        """path -> fault for the given site paths."""
        unknown = set(self.by_path.values()) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault modes: {', '.join(sorted(unknown))}")
        rng = random.Random(self.seed)
        chosen = dict(self.by_path)
        for path in sorted(paths):
            if path not in chosen and path.startswith(self.prefixes) and rng.random() < self.rate:
                chosen[path] = rng.choice(self.modes)
        return chosen
