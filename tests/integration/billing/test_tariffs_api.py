"""Tariffs end to end through /api/v1/tariffs, on SQLite and PostgreSQL (R-BL-01, issue 15 items 1, 9 and 11)."""

from __future__ import annotations

import copy

import pytest

from crm.audit import service as audit
from crm.billing.tables import TariffVersion

GAS_RESIDENTIAL = {
    "code": "GAS-RES", "name": "居民管道天然气（阶梯）", "customer_category": "residential", "unit": "m³",
    "effective_from": "2026-01-01",
    "components": [{"name": "燃气费", "kind": "tiered", "tiers": [
        {"up_to": "350", "unit_price": "2.61"},
        {"up_to": "500", "unit_price": "2.83"},
        {"up_to": None, "unit_price": "3.61"},
    ]}],
    "extra_volume_per_person": "50", "household_base_persons": 4,
}
POWER_COMMERCIAL = {
    "code": "POWER-COM", "name": "一般工商业用电", "customer_category": "commercial", "unit": "kWh",
    "effective_from": "2026-01-01",
    "components": [{"name": "电费", "kind": "flat", "unit_price": "0.4883"},
                   {"name": "附加费", "kind": "flat", "unit_price": "0.0301"}],
}


def body(base: dict, **changes) -> dict:
    result = copy.deepcopy(base)
    result.update(changes)
    return result


def with_tiers(*tiers: tuple) -> dict:
    return body(GAS_RESIDENTIAL, components=[{"name": "燃气费", "kind": "tiered", "tiers": [
        {"up_to": up_to, "unit_price": price} for up_to, price in tiers]}])


async def test_finance_creates_a_tiered_and_a_flat_tariff_and_prices_round_trip_exactly(client, login):
    """R-BL-01: per category, flat or tiered; prices as decimal strings in yuan, never floats."""
    finance = await login("finance")

    gas = await client.post("/api/v1/tariffs", headers=finance, json=GAS_RESIDENTIAL)
    power = await client.post("/api/v1/tariffs", headers=finance, json=POWER_COMMERCIAL)

    assert gas.status_code == 201, gas.text
    assert power.status_code == 201, power.text
    assert gas.json()["components"] == [{"name": "燃气费", "kind": "tiered", "unit_price": None, "tiers": [
        {"up_to": "350", "unit_price": "2.61"}, {"up_to": "500", "unit_price": "2.83"},
        {"up_to": None, "unit_price": "3.61"}]}]
    assert {k: gas.json()[k] for k in ("code", "version", "effective_to", "year_starts", "extra_volume_per_person",
                                       "household_base_persons", "created_by")} == {
        "code": "GAS-RES", "version": 1, "effective_to": None, "year_starts": "01-01",
        "extra_volume_per_person": "50", "household_base_persons": 4, "created_by": "finance"}
    listed = await client.get("/api/v1/tariffs", headers=finance)
    assert [t["code"] for t in listed.json()] == ["GAS-RES", "POWER-COM"]
    assert listed.json()[1]["components"][0]["unit_price"] == "0.4883"
    stored = await TariffVersion.select(TariffVersion.components).where(TariffVersion.code == "POWER-COM").first()
    assert '"unit_price": "0.4883"' in stored["components"]


async def test_a_second_version_closes_the_first_and_both_are_listed_newest_first(client, login):
    """R-BL-01: a new version closes the open one; ?on= finds the version in force that day."""
    finance = await login("finance")
    assert (await client.post("/api/v1/tariffs", headers=finance, json=GAS_RESIDENTIAL)).status_code == 201

    second = await client.post("/api/v1/tariffs", headers=finance, json=with_tiers(
        ("300", "2.71"), ("480", "2.95"), (None, "3.80")) | {"effective_from": "2026-07-01"})

    assert second.status_code == 201, second.text
    versions = (await client.get("/api/v1/tariffs/GAS-RES", headers=finance)).json()
    assert [(v["version"], v["effective_from"], v["effective_to"]) for v in versions] == [
        (2, "2026-07-01", None), (1, "2026-01-01", "2026-07-01")]
    june = (await client.get("/api/v1/tariffs", headers=finance, params={"on": "2026-06-30"})).json()
    july = (await client.get("/api/v1/tariffs", headers=finance,
                             params={"on": "2026-07-01", "category": "residential"})).json()
    assert [v["version"] for v in june] == [1]
    assert [v["version"] for v in july] == [2]
    assert (await client.get("/api/v1/tariffs", headers=finance, params={"category": "industrial"})).json() == []
    events = await audit.recorded(action="tariff.create", target="GAS-RES@2")
    assert len(events) == 1 and events[0]["actor"] == "finance"
    assert events[0]["details"]["superseded"] == 1
    assert events[0]["details"]["components"][0]["tiers"][0] == {"up_to": "300", "unit_price": "2.71"}


@pytest.mark.parametrize("effective_from", ["2026-01-01", "2025-12-01", "2026-03-01"])
async def test_a_version_overlapping_another_is_refused_and_nothing_changes(client, login, effective_from):
    """Issue 15 "Bad input": a tariff that overlaps another version's dates -> tariff.overlap."""
    finance = await login("finance")
    assert (await client.post("/api/v1/tariffs", headers=finance, json=GAS_RESIDENTIAL)).status_code == 201
    assert (await client.post("/api/v1/tariffs", headers=finance,
                              json=body(GAS_RESIDENTIAL, effective_from="2026-07-01"))).status_code == 201
    before = await TariffVersion.select().order_by(TariffVersion.id)

    answer = await client.post("/api/v1/tariffs", headers=finance, json=body(GAS_RESIDENTIAL, effective_from=effective_from))

    assert answer.status_code == 409, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == ("tariff.overlap", "effective_from")
    assert await TariffVersion.select().order_by(TariffVersion.id) == before


async def test_a_code_cannot_change_its_category(client, login):
    finance = await login("finance")
    assert (await client.post("/api/v1/tariffs", headers=finance, json=GAS_RESIDENTIAL)).status_code == 201

    answer = await client.post("/api/v1/tariffs", headers=finance, json=body(
        GAS_RESIDENTIAL, effective_from="2026-07-01", customer_category="commercial"))

    assert answer.status_code == 409
    assert (answer.json()["code"], answer.json()["field"]) == ("tariff.category_changed", "customer_category")
    assert await TariffVersion.count() == 1


@pytest.mark.parametrize(("sent", "code", "field"), [
    (with_tiers(("500", "2.61"), ("350", "2.83"), (None, "3.61")),
     "tariff.tiers_not_increasing", "components[0].tiers[1].up_to"),
    (with_tiers(("350", "2.61"), ("500", "2.83")), "tariff.last_tier_bounded", "components[0].tiers[1].up_to"),
    (body(POWER_COMMERCIAL, components=[{"name": "电费", "kind": "flat", "unit_price": "0.48831"}]),
     "tariff.invalid_price", "components[0].unit_price"),
    (body(POWER_COMMERCIAL, components=[{"name": "电费", "kind": "flat", "unit_price": "0.00"}]),
     "tariff.invalid_price", "components[0].unit_price"),
    (body(POWER_COMMERCIAL, customer_category="villa"), "tariff.unknown_category", "customer_category"),
    (body(POWER_COMMERCIAL, components=[{"name": "电费", "kind": "stepped", "unit_price": "0.4883"}]),
     "tariff.unknown_kind", "components[0].kind"),
    (body(POWER_COMMERCIAL, components=[]), "tariff.no_components", "components"),
], ids=["tiers-not-increasing", "last-tier-bounded", "five-decimals", "zero-price", "unknown-category",
        "unknown-kind", "no-components"])
async def test_bad_input_gets_a_clear_code_and_field_and_writes_nothing(client, login, sent, code, field):
    """Issue 15 "Bad input": each a clear code, nothing changed (no row, no audit event)."""
    finance = await login("finance")

    answer = await client.post("/api/v1/tariffs", headers=finance, json=sent)

    assert answer.status_code == 422, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert answer.json()["errors"] == [{"code": code, "field": field, "message": answer.json()["message"]}]
    assert await TariffVersion.count() == 0
    assert await audit.recorded(action="tariff.create") == []


async def test_a_price_sent_as_a_json_number_is_refused(client, login):
    """Prices are decimal strings: a JSON float could already have lost the fen."""
    answer = await client.post("/api/v1/tariffs", headers=await login("finance"), json=body(
        POWER_COMMERCIAL, components=[{"name": "电费", "kind": "flat", "unit_price": 0.4883}]))

    assert answer.status_code in (400, 422)
    assert await TariffVersion.count() == 0


async def test_front_desk_reads_tariffs_but_may_not_create_them(client, login):
    """Issue 15 item 9: finance maintains tariffs; the front desk explains bills with them."""
    assert (await client.post("/api/v1/tariffs", headers=await login("finance"), json=GAS_RESIDENTIAL)).status_code == 201
    desk = await login("frontdesk")

    refused = await client.post("/api/v1/tariffs", headers=desk, json=body(GAS_RESIDENTIAL, effective_from="2026-07-01"))
    listed = await client.get("/api/v1/tariffs", headers=desk)
    one = await client.get("/api/v1/tariffs/GAS-RES", headers=desk)

    assert (refused.status_code, refused.json()["code"]) == (403, "permission.denied")
    assert listed.status_code == 200 and [t["code"] for t in listed.json()] == ["GAS-RES"]
    assert one.status_code == 200
    assert await TariffVersion.count() == 1
    assert (await client.get("/api/v1/tariffs", headers=await login("auditor"))).status_code == 200
    assert (await client.get("/api/v1/tariffs", headers=await login("sysadmin"))).status_code == 403


async def test_an_unknown_code_is_404(client, login):
    answer = await client.get("/api/v1/tariffs/NOPE", headers=await login("finance"))

    assert (answer.status_code, answer.json()["code"]) == (404, "tariff.not_found")
