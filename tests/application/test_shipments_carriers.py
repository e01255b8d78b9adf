"""The 快递100 adapter against the simulator (and against hand-written answers): the request it
signs, the timeline it reads, every state code, every refusal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from shop.application import Invalid, Shop
from shop.application.shipments.carriers import (
    CARRIERS,
    KUAIDI100_URL,
    CarrierError,
    Kuaidi100Tracker,
    urllib_transport,
)
from shop.application.shipments.read_models import STATUS_LABELS
from shop.application.shipments.settings import TrackingSettings
from shop.application.shipments.simulator import Kuaidi100Simulator
from shop.data.models.shipments import TRACKING_STATUSES
from tests.shipments_support import CUSTOMER, KEY, simulated_tracker

SHIPPED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NUMBER = "SF1234567890123"


class Recording:
    """A transport that keeps what was posted and hands it on (changed by ``tamper``)."""

    def __init__(self, inner, tamper=None):
        self.inner, self.tamper, self.posted = inner, tamper, []

    def __call__(self, url, form):
        self.posted.append((url, dict(form)))
        return self.inner(url, self.tamper(dict(form)) if self.tamper else form)


def canned(answer, status=200):
    """A transport that answers ``answer`` (JSON-encoded unless bytes) whatever it is asked."""
    body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    return lambda url, form: (status, body)


@pytest.fixture
def known():
    return {("SF", NUMBER): SHIPPED}


def test_the_request_is_signed_as_kuaidi100_documents(clock, known):
    clock.set(SHIPPED + timedelta(days=4))
    simulator = Kuaidi100Simulator(CUSTOMER, KEY, clock, lambda c, n: known.get((c, n)))
    recording = Recording(simulator)
    Kuaidi100Tracker(CUSTOMER, KEY, recording).track("SF", NUMBER, phone="13800138000")
    [(url, form)] = recording.posted
    assert url == KUAIDI100_URL
    assert set(form) == {"customer", "param", "sign"}
    assert form["customer"] == CUSTOMER
    expected = hashlib.md5((form["param"] + KEY + CUSTOMER).encode(),
                           usedforsecurity=False).hexdigest().upper()
    assert form["sign"] == expected
    param = json.loads(form["param"])
    assert (param["com"], param["num"], param["phone"]) == ("shunfeng", NUMBER, "13800138000")


def test_only_sf_is_told_the_recipients_phone(clock):
    recording = Recording(canned({"result": False, "returnCode": "500", "message": "无结果"}))
    tracker = Kuaidi100Tracker(CUSTOMER, KEY, recording)
    for carrier in ("ZTO", "SF"):
        with pytest.raises(CarrierError):
            tracker.track(carrier, "773012345678901", phone="13800138000")
    phones = [json.loads(form["param"])["phone"] for _, form in recording.posted]
    assert phones == ["", "13800138000"]


def test_a_delivered_timeline_reads_newest_first_in_utc(clock, known):
    tracker = simulated_tracker(clock, known)
    clock.set(SHIPPED + timedelta(days=4))
    result = tracker.track("SF", NUMBER)
    assert result.delivered
    statuses = [event.status for event in result.events]
    assert statuses[0] == "delivered" and statuses[-1] == "accepted"
    assert "out_for_delivery" in statuses
    times = [event.occurred_at for event in result.events]
    assert times == sorted(times, reverse=True)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert SHIPPED < times[-1] < times[0] <= SHIPPED + timedelta(hours=72)
    assert all(event.location and event.description for event in result.events)
    assert tracker.track("SF", NUMBER) == result  # deterministic


def test_the_timeline_grows_with_the_shops_clock(clock, known):
    tracker = simulated_tracker(clock, known)
    clock.set(SHIPPED)
    with pytest.raises(CarrierError) as nothing_yet:
        tracker.track("SF", NUMBER)
    assert nothing_yet.value.code == "500"
    seen = []
    for hours in range(1, 73):
        clock.set(SHIPPED + timedelta(hours=hours))
        try:
            seen.append(len(tracker.track("SF", NUMBER).events))
        except CarrierError:
            seen.append(0)
    assert seen == sorted(seen) and seen[-1] >= 5 and seen[0] < seen[-1]


def test_a_tampered_signature_is_refused(clock, known):
    clock.set(SHIPPED + timedelta(days=4))
    simulator = Kuaidi100Simulator(CUSTOMER, KEY, clock, lambda c, n: known.get((c, n)))
    tampered = Recording(simulator, lambda form: {**form, "sign": form["sign"][::-1]})
    with pytest.raises(CarrierError) as refused:
        Kuaidi100Tracker(CUSTOMER, KEY, tampered).track("SF", NUMBER)
    assert refused.value.code == "503"
    changed_param = Recording(simulator, lambda form: {**form, "param": form["param"].replace(
        NUMBER, "SF9999999999999")})
    with pytest.raises(CarrierError, match="503"):
        Kuaidi100Tracker(CUSTOMER, KEY, changed_param).track("SF", NUMBER)


def test_a_wrong_key_or_customer_is_refused(clock, known):
    clock.set(SHIPPED + timedelta(days=4))
    with pytest.raises(CarrierError, match="503"):
        simulated_tracker(clock, known, key="not-the-key").track("SF", NUMBER)
    simulator = Kuaidi100Simulator(CUSTOMER, KEY, clock, lambda c, n: known.get((c, n)))
    with pytest.raises(CarrierError, match="503"):
        Kuaidi100Tracker("SOMEONE", KEY, simulator).track("SF", NUMBER)


def test_the_simulator_refuses_incomplete_forms_and_unknown_numbers(clock, known):
    clock.set(SHIPPED + timedelta(days=4))
    simulator = Kuaidi100Simulator(CUSTOMER, KEY, clock, lambda c, n: known.get((c, n)))
    assert simulator.answer({"customer": CUSTOMER})["returnCode"] == "400"
    with pytest.raises(CarrierError) as unknown:
        simulated_tracker(clock, known).track("SF", "SF0000000000000")
    assert unknown.value.code == "500"


@pytest.mark.parametrize(("state", "status"), [
    ("0", "in_transit"), ("1", "accepted"), ("2", "exception"), ("3", "delivered"),
    ("4", "returned"), ("5", "out_for_delivery"), ("6", "returning"), ("7", "in_transit"),
    ("8", "customs"), ("10", "customs"), ("11", "customs"), ("12", "customs"),
    ("13", "exception"), ("14", "rejected")])
def test_each_state_code_is_mapped(state, status):
    answer = {"message": "ok", "status": "200", "state": state, "ischeck": "0", "data": [
        {"time": "2026-12-02 10:00:00", "ftime": "2026-12-02 10:00:00", "context": "最新"},
        {"time": "2026-12-01 09:00:00", "ftime": "2026-12-01 09:00:00", "context": "较早"}]}
    result = Kuaidi100Tracker(CUSTOMER, KEY, canned(answer)).track("ZTO", "773012345678901")
    assert [event.status for event in result.events] == [status, "in_transit"]
    assert result.delivered == (state == "3")
    assert result.events[0].occurred_at == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_an_entrys_own_status_wins_over_the_parcels_state():
    answer = {"message": "ok", "status": "200", "state": "0", "data": [
        {"time": "2026-12-02 10:00:00", "context": "派送中", "status": "派件", "areaName": "上海"},
        {"time": "2026-12-01 09:00:00", "context": "已揽收", "status": "揽收"}]}
    result = Kuaidi100Tracker(CUSTOMER, KEY, canned(answer)).track("YTO", "YT7530122849021")
    assert [(e.status, e.location) for e in result.events] == [
        ("out_for_delivery", "上海"), ("accepted", "")]


@pytest.mark.parametrize("code", ["400", "408", "500", "501", "502", "503", "601"])
def test_each_return_code_is_an_error(code):
    answer = {"result": False, "returnCode": code, "message": "说明"}
    with pytest.raises(CarrierError) as refused:
        Kuaidi100Tracker(CUSTOMER, KEY, canned(answer)).track("EMS", "EM263999513JP")
    assert refused.value.code == code
    assert "说明" in str(refused.value)


@pytest.mark.parametrize(("status", "body", "says"), [
    (502, b"<html>Bad Gateway</html>", "HTTP 502"),
    (200, b"<html>maintenance</html>", "not a JSON object"),
    (200, b'{"status": "200", "state": "0"}', "no list of events"),
    (200, b'{"status": "200", "state": "0", "data": [{"time": "yesterday", "context": "x"}]}',
     "YYYY-MM-DD"),
    (200, b'{"status": "200", "state": "0", "data": [{"time": "2026-12-01 09:00:00"}]}',
     "no text"),
])
def test_an_unusable_answer_is_an_error(status, body, says):
    with pytest.raises(CarrierError, match=says):
        Kuaidi100Tracker(CUSTOMER, KEY, canned(body, status)).track("JD", "JD0012345678901")


def test_an_unknown_carrier_is_an_error_before_anything_is_sent():
    recording = Recording(canned({}))
    with pytest.raises(CarrierError, match="UPS"):
        Kuaidi100Tracker(CUSTOMER, KEY, recording).track("UPS", "1Z999AA10123456784")
    assert recording.posted == []


def test_the_standard_transport_turns_failures_into_carrier_errors():
    with pytest.raises(CarrierError, match="non-HTTP"):
        urllib_transport("file:///etc/passwd", {})


def test_every_carrier_has_a_kuaidi100_code_and_every_status_a_label():
    assert all(carrier.kuaidi100 for carrier in CARRIERS.values())
    assert set(STATUS_LABELS) == set(TRACKING_STATUSES)


def test_the_settings_choose_the_tracker_and_refuse_kuaidi100_without_credentials(
        connection, clock):
    with pytest.raises(Invalid) as refused:
        TrackingSettings.from_settings({"shop.tracking.adapter": "kuaidi100"})
    assert set(refused.value.errors) == {"shop.tracking.kuaidi100.customer",
                                         "shop.tracking.kuaidi100.key"}
    with pytest.raises(Invalid) as unknown:
        TrackingSettings.from_settings({"shop.tracking.adapter": "carrier-pigeon"})
    assert set(unknown.value.errors) == {"shop.tracking.adapter"}
    with pytest.raises(Invalid):
        Shop(connection, {"shop.tracking.adapter": "kuaidi100",
                          "shop.tracking.kuaidi100.customer": "C"}, clock=clock)
    shop = Shop(connection, {}, clock=clock)
    assert shop.tracking.adapter == "off" and shop.tracking.tracker(shop) is None
    real = TrackingSettings.from_settings({"shop.tracking.adapter": "kuaidi100",
                                           "shop.tracking.kuaidi100.customer": "C",
                                           "shop.tracking.kuaidi100.key": "K"}).tracker(shop)
    assert isinstance(real, Kuaidi100Tracker) and real.transport is urllib_transport
    simulated = TrackingSettings.from_settings({"shop.tracking.adapter": "simulator"})
    tracker = simulated.tracker(shop)
    assert isinstance(tracker, Kuaidi100Tracker)
    assert isinstance(tracker.transport, Kuaidi100Simulator)
