"""The per-user rate limit: a sliding one-minute window, per user, with an honest retry time."""

from __future__ import annotations

from bot.dialog.access import RateLimiter


def test_the_limit_is_per_user_and_the_excess_is_told_when_to_retry() -> None:
    limiter = RateLimiter(per_minute=3)
    assert [limiter.retry_in(1, now=t) for t in (0.0, 1.0, 2.0)] == [0, 0, 0]
    assert limiter.retry_in(1, now=10.0) == 50, "the oldest question leaves the window at 60 s"
    assert limiter.retry_in(2, now=10.0) == 0, "another user has a window of their own"


def test_the_window_slides_and_refusals_are_not_counted() -> None:
    limiter = RateLimiter(per_minute=2, window_s=60.0)
    assert limiter.retry_in(7, now=0.0) == 0 and limiter.retry_in(7, now=30.0) == 0
    assert limiter.retry_in(7, now=59.5) == 1, "never 0 while refused: at least one second"
    assert limiter.retry_in(7, now=60.0) == 0, "the first question has left the window"
    assert limiter.retry_in(7, now=61.0) == 29, "the refusal at 59.5 took no slot; the one at 30 s still does"
