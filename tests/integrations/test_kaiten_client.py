"""The Kaiten client against the stand-in: one card per external id, 429 waits, retries, paging, auth."""

from __future__ import annotations

import logging
import time

import pytest

from bot.integrations.kaiten import KaitenAuthError, KaitenClient, KaitenUnavailable
from tests.support.kaiten_standin import BOARD_ID, DONE_COLUMN, QUEUE_COLUMN, KaitenStandIn


def client(kaiten: KaitenStandIn, **kwargs: object) -> KaitenClient:
    return KaitenClient(kaiten.url, kaiten.token, **{"timeout_s": 5.0, **kwargs})  # type: ignore[arg-type]


async def test_a_lost_create_response_still_makes_exactly_one_card(kaiten: KaitenStandIn) -> None:
    kaiten.faults.lose_create_responses = 1
    async with client(kaiten) as api:
        card = await api.create_card(title="Не работает VPN", board_id=BOARD_ID, column_id=QUEUE_COLUMN,
                                     external_id="dk:7", description="**Чат:** test")
        again = await api.create_card(title="Не работает VPN", board_id=BOARD_ID, external_id="dk:7")
    assert [c["external_id"] for c in kaiten.cards.values()] == ["dk:7"], "the create landed once"
    assert card["id"] == next(iter(kaiten.cards)) and kaiten.cards[card["id"]]["description"] == "**Чат:** test"
    creates = [r for r in kaiten.requests if r[1] == "POST" and r[2] == "cards"]
    assert len(creates) == 1, "after a lost response the client looked the card up instead of posting again"
    assert again["id"] == card["id"], "a second create with the same external id finds the first card"


async def test_a_create_answered_with_5xx_is_looked_up_before_it_is_sent_again(kaiten: KaitenStandIn) -> None:
    kaiten.faults.fail_creates = 1  # the POST fails before anything is stored
    async with client(kaiten) as api:
        card = await api.create_card(title="Q", board_id=BOARD_ID, external_id="dk:8")
    assert len(kaiten.cards) == 1 and card["external_id"] == "dk:8"
    methods = [(m, p) for _, m, p, _ in kaiten.requests]
    first_post = methods.index(("POST", "cards"))
    assert ("GET", "cards") in methods[first_post + 1:first_post + 3], "looked up before the second POST"


async def test_429_is_waited_out_until_the_reset(kaiten: KaitenStandIn) -> None:
    kaiten.faults.rate_per_s = 2
    async with client(kaiten, rate_per_s=100) as api:  # pacing off: the server's limit bites
        started = time.monotonic()
        users = [await api.current_user() for _ in range(6)]
    assert all(u["id"] == 1 for u in users)
    assert any(status == 429 for *_, status in kaiten.requests), "the limit was hit"
    assert time.monotonic() - started >= 1.0, "the client waited for X-RateLimit-Reset"


async def test_pacing_keeps_to_five_requests_a_second(kaiten: KaitenStandIn) -> None:
    kaiten.faults.rate_per_s = 5
    async with client(kaiten, rate_per_s=5) as api:
        for _ in range(12):
            await api.columns(BOARD_ID)
    assert not any(status == 429 for *_, status in kaiten.requests)
    assert kaiten.max_per_second() <= 5


async def test_reads_are_retried_on_5xx_but_comments_are_not(kaiten: KaitenStandIn) -> None:
    card = kaiten.add_card(title="x")
    async with client(kaiten) as api:
        kaiten.faults.fail_next = 2
        assert (await api.get_card(card["id"]))["id"] == card["id"]
        kaiten.faults.fail_next = 1
        with pytest.raises(KaitenUnavailable):
            await api.add_comment(card["id"], "hello")
    assert kaiten.comments.get(card["id"], []) == [], "a failed comment was not sent twice"


async def test_paging_reads_every_card_and_filters_done_and_archived(kaiten: KaitenStandIn) -> None:
    for n in range(520):
        kaiten.add_card(title=f"card {n}", column_id=DONE_COLUMN if n % 2 else QUEUE_COLUMN, archived=n % 10 == 1)
    async with client(kaiten, rate_per_s=50) as api:
        live_done = [c async for c in api.iter_cards(board_id=BOARD_ID, states=3, condition=1)]
        archived_done = [c async for c in api.iter_cards(board_id=BOARD_ID, states=3, condition=2)]
    assert len(live_done) == 208 and len(archived_done) == 52
    assert all(c["state"] == 3 and "description" not in c for c in live_done)
    pages = [r for r in kaiten.requests if r[2] == "cards"]
    assert len(pages) == 3 + 1, "100 + 100 + a short page, then one short page of archived cards"


async def test_a_wrong_token_is_an_auth_error_and_the_token_is_never_logged(
        kaiten: KaitenStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with KaitenClient(kaiten.url, "wrong-secret-token-123", timeout_s=5) as api:
        with pytest.raises(KaitenAuthError):
            await api.current_user()
    kaiten.faults.fail_next = 1
    async with client(kaiten) as api:
        await api.current_user()
    assert "wrong-secret-token-123" not in caplog.text and kaiten.token not in caplog.text


async def test_kaiten_down_is_unavailable_after_the_retries(kaiten: KaitenStandIn) -> None:
    kaiten.faults.down = True
    async with client(kaiten, retries=1) as api:
        with pytest.raises(KaitenUnavailable):
            await api.create_card(title="Q", board_id=BOARD_ID, external_id="dk:9")
    assert kaiten.cards == {}
