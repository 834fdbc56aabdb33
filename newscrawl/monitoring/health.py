"""Crawl health checks: pure functions of a run's stats (no Scrapy import).

The spidermon monitors (newscrawl.components.monitors) run these at spider close and hand the
checks to the run report. Each check is a dict: name, passed, message, value,
threshold. A stat a check needs that is absent counts as 0, which fails the checks
that need something to have happened (items, requests): nothing passes because it
was not measured. docs/monitoring.md explains every check and its threshold.

Field coverage is judged fairly for small and large runs alike: a field with a
normal share p (byline in about a fifth of Yonhap stories, say) fails only when
seeing k or fewer of n items with it would be improbable (binomial probability
below `alpha`) if the share were still p. Eleven price lists without a byline pass;
a thousand stories without one fail. Required fields must be in every item.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

FIELDS = "newscrawl/fields/"  # exported items ("items") and, per field, those where it is not empty
FALLBACK_FIELDS = "newscrawl/layout/meta/fields/"  # the same for items read by the meta-tag fallback


@dataclass(frozen=True)
class Thresholds:
    min_items: int = 1
    finish_reasons: tuple[str, ...] = ("finished",)
    max_error_ratio: float = 0.05
    max_dropped_ratio: float = 0.05
    max_unfetched_ratio: float = 0.2
    # field -> its normal share of items; 1.0 means required in every item
    coverage: Mapping[str, float] = field(default_factory=dict)
    alpha: float = 0.001


def _check(name: str, passed: bool, message: str, value=None, threshold=None) -> dict:
    return {"name": name, "passed": bool(passed), "message": message, "value": value, "threshold": threshold}


def _count(stats: Mapping, key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, (int, float)) else 0


def _sum_prefix(stats: Mapping, prefix: str) -> int:
    return sum(_count(stats, key) for key in stats if key.startswith(prefix))


def items_check(stats: Mapping, thresholds: Thresholds) -> dict:
    """Enough articles accounted for: exported now, exported before (skipped as known),
    or held by another run on the same store (claimed elsewhere; those found free
    again before the close are fetched here and counted as exported). Explicit URLs:
    every one of them. The message says how many another run still holds (alive, or
    dead on another node with their rows in flight)."""
    exported = _count(stats, "item_scraped_count") - _count(stats, "newscrawl/incremental/not_held")
    known = (_count(stats, "newscrawl/incremental/skipped") + _count(stats, "newscrawl/incremental/claimed_elsewhere")
             - _count(stats, "newscrawl/incremental/reclaimed"))
    held = _count(stats, "newscrawl/incremental/held_elsewhere")
    still_held = f"; {held} still held by another run, which exports them" if held else ""
    explicit = _count(stats, "newscrawl/discovery/explicit/links")
    if explicit:
        same_article = _count(stats, "newscrawl/dropped/duplicate") + _count(stats, "newscrawl/dropped/exported_before")
        accounted = exported + known + same_article
        return _check("items", accounted >= explicit,
                      f"{accounted} of {explicit} explicit URLs gave an article ({exported} exported, {known} known before)"
                      f"{still_held}", accounted, explicit)
    found = sum(_count(stats, key) for key in stats if key.startswith("newscrawl/discovery/") and key.endswith("/links"))
    accounted = exported + known
    return _check("items", accounted >= thresholds.min_items,
                  f"{accounted} articles accounted for ({exported} exported, {known} exported before or by another crawl"
                  f"{still_held}) from {found} links found; at least {thresholds.min_items} expected",
                  accounted, thresholds.min_items)


def finish_reason_check(stats: Mapping, thresholds: Thresholds, paused: bool = False) -> dict:
    """`paused`: the run has a JOBDIR, so a "shutdown" (Ctrl-C, SIGTERM) is a pause to resume."""
    reason = stats.get("finish_reason")
    if paused and reason == "shutdown":
        return _check("finish_reason", True, "paused (shutdown with a JOBDIR): run the same command to resume",
                      reason, list(thresholds.finish_reasons))
    return _check("finish_reason", reason in thresholds.finish_reasons,
                  f"finish reason {reason!r}; expected {' or '.join(map(repr, thresholds.finish_reasons))}",
                  reason, list(thresholds.finish_reasons))


def errors_check(stats: Mapping, thresholds: Thresholds) -> dict:
    requests = _count(stats, "downloader/request_count")
    errors = _count(stats, "log_count/ERROR") + _count(stats, "log_count/CRITICAL")
    if requests == 0:  # everything known already, or nothing found: the items check judges that
        return _check("error_ratio", errors == 0, f"no request was made; {errors} errors logged", None,
                      thresholds.max_error_ratio)
    ratio = errors / requests
    return _check("error_ratio", ratio <= thresholds.max_error_ratio,
                  f"{errors} errors logged for {requests} requests ({ratio:.1%}); at most {thresholds.max_error_ratio:.0%}",
                  round(ratio, 4), thresholds.max_error_ratio)


def archive_check(stats: Mapping) -> dict:
    """Every fetched page archived (when the archive is on): a full disk stops the
    archive and the crawl goes on, and this says how many pages went unarchived."""
    unarchived = _count(stats, "newscrawl/warc/unarchived")
    archived = _count(stats, "newscrawl/warc/responses")
    return _check("archive", unarchived == 0,
                  f"{unarchived} fetched pages not archived (the archive could not be written: a full disk?), "
                  f"{archived} archived" if unarchived else f"{archived} fetched pages archived", unarchived, 0)


def dropped_check(stats: Mapping, thresholds: Thresholds) -> dict:
    """Items dropped as broken (a required field missing, schema errors), not as repeats."""
    broken = _sum_prefix(stats, "newscrawl/dropped/missing_") + _count(stats, "newscrawl/dropped/invalid")
    total = broken + _count(stats, "item_scraped_count")
    ratio = broken / total if total else 0.0
    return _check("dropped_ratio", ratio <= thresholds.max_dropped_ratio,
                  f"{broken} of {total} items dropped as broken ({ratio:.1%}); at most {thresholds.max_dropped_ratio:.0%}",
                  round(ratio, 4), thresholds.max_dropped_ratio)



# Article links that gave no article: HTTP errors, redirects off the site (Scrapy's
# offsite/filtered) or in loops, oversize bodies, downloads that failed after their
# retries, challenge and empty pages, pages still cut off after their retries.
_UNFETCHED = ("newscrawl/request_failed/", "newscrawl/response/not_article", "newscrawl/response/empty",
              "newscrawl/response/not_text", "newscrawl/dropped/truncated", "offsite/filtered")


def unfetched_check(stats: Mapping, thresholds: Thresholds) -> dict:
    # Pages robots.txt forbids were never fetched on purpose: neither asked for nor failed.
    forbidden = _count(stats, "newscrawl/request_failed/robots")
    requested = _count(stats, "newscrawl/articles/requested") - forbidden
    unfetched = sum(_sum_prefix(stats, prefix) for prefix in _UNFETCHED) - forbidden
    ratio = unfetched / requested if requested > 0 else 0.0
    return _check("unfetched_ratio", ratio <= thresholds.max_unfetched_ratio,
                  f"{unfetched} of {requested} article pages requested gave no article ({ratio:.1%}; "
                  f"newscrawl/request_failed/* and newscrawl/response/* say why); at most {thresholds.max_unfetched_ratio:.0%}",
                  round(ratio, 4), thresholds.max_unfetched_ratio)


def layout_check(stats: Mapping, fields: tuple[str, ...] = ()) -> dict:
    """No page in an unknown layout. When there are some, the message names the fields
    (of `fields`) that the meta-tag fallback found on none of its exported items."""
    unknown = _count(stats, "newscrawl/layout/unknown")
    if not unknown:
        return _check("unknown_layout", True, "every article page matched a known layout", 0, 0)
    message = f"{unknown} article pages matched no known layout (read from meta tags; did Yonhap change its markup?)"
    fallback_items = _count(stats, FALLBACK_FIELDS + "items")
    if fallback_items:
        missing = [name for name in fields if not _count(stats, FALLBACK_FIELDS + name)]
        message += (f"; fields empty on all {fallback_items} exported fallback items: {', '.join(missing)}"
                    if missing else "; the fallback found every field")
    check = _check("unknown_layout", False, message, unknown, 0)
    if fallback_items:
        check["missing_fields"] = missing
    return check


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(0, k + 1)]
    peak = max(terms)
    return min(1.0, math.exp(peak) * sum(math.exp(t - peak) for t in terms))


def coverage_checks(stats: Mapping, thresholds: Thresholds) -> list[dict]:
    items = _count(stats, FIELDS + "items")
    exported = _count(stats, "item_scraped_count")
    if exported and not items:
        return [_check("coverage", False, f"{exported} items exported but no field coverage stats "
                       "(the FieldStats extension off?)", None, None)]
    if not items:
        return [_check("coverage", True, "not measured: no new items in this run", None, None)]
    checks = []
    for name, share in thresholds.coverage.items():
        present = _count(stats, FIELDS + name)
        observed = present / items
        label = f"coverage/{name}"
        if share >= 1:
            checks.append(_check(label, present == items, f"{name} in {present} of {items} items ({observed:.0%}); required in all",
                                 round(observed, 4), 1.0))
            continue
        chance = binomial_cdf(present, items, share)
        checks.append(_check(label, chance >= thresholds.alpha,
                             f"{name} in {present} of {items} items ({observed:.0%}); normal share {share:.0%}"
                             + (f", so few by chance: p={chance:.2g}" if chance < thresholds.alpha else ""),
                             round(observed, 4), share))
    return checks


def evaluate(stats: Mapping, thresholds: Thresholds, paused: bool = False, fields: tuple[str, ...] = ()) -> list[dict]:
    """Every check of a finished run."""
    return [items_check(stats, thresholds), finish_reason_check(stats, thresholds, paused), errors_check(stats, thresholds),
            dropped_check(stats, thresholds), unfetched_check(stats, thresholds), layout_check(stats, fields),
            archive_check(stats),
            *coverage_checks(stats, thresholds)]


def unreachable(stats: Mapping) -> str | None:
    """Why no page at all came back, when none did and downloads failed: the
    download errors by type ("ConnectionRefusedError x4"), else None."""
    if _count(stats, "response_received_count"):
        return None
    prefix = "downloader/exception_type_count/"
    errors = {key[len(prefix):].rsplit(".", 1)[-1]: value for key, value in stats.items() if key.startswith(prefix)}
    if not errors:
        return None
    return ", ".join(f"{name} x{count}" for name, count in sorted(errors.items(), key=lambda item: -item[1]))
