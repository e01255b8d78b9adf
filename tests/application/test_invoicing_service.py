"""Invoices at checkout: each field's message, saved titles kept once and never another's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.application import ANONYMOUS, Forbidden, Invalid, NotFound
from shop.application.invoicing.schemas import InvoiceSchema, TitleSchema
from shop.application.invoicing.service import MAX_TITLES, InvoiceDetails
from shop.application.validation import validate
from shop.data.models import InvoiceTitle
from tests.shoppers import shopper

CODE = "91350100M000100Y43"
OTHER_CODE = "91110000600037341L"
PLAIN_COMPANY = {"kind": "plain", "title_kind": "company", "title": "福州某某科技有限公司",
                 "tax_code": CODE}
VAT = {**PLAIN_COMPANY, "kind": "vat", "bank_name": "招商银行福州分行",
       "bank_account": "6225 8801 2345 6789", "company_address": "福州市鼓楼区五四路 1 号",
       "company_phone": "0591-8765 4321"}


@pytest.fixture
def alice(shop):
    return shopper(shop)


@pytest.fixture
def bob(shop):
    return shopper(shop)


def resolve(shop, actor, data, **changes):
    with shop.transaction(actor=actor) as tx:
        return tx.invoices.resolve({**data, **changes})


def refused(shop, actor, data, **changes):
    with pytest.raises(Invalid) as caught:
        resolve(shop, actor, data, **changes)
    return {name: message.interpolate() for name, message in caught.value.errors.items()}


def titles(shop, actor):
    with shop.transaction(actor=actor) as tx:
        return tx.invoices.titles()


def save(shop, actor, data, **changes):
    with shop.transaction(actor=actor) as tx:
        return tx.invoices.save_title({**data, **changes})


def test_no_invoice_is_the_default_and_ignores_the_rest(shop, alice):
    assert resolve(shop, alice, {}) is InvoiceDetails.NONE
    assert resolve(shop, alice, {"kind": "none", "saved_title": 7}) is InvoiceDetails.NONE
    details = resolve(shop, alice, VAT, kind="none", tax_code="junk", remember="true")
    assert details == InvoiceDetails.NONE and not details.wanted
    assert titles(shop, alice) == []


def test_a_personal_plain_invoice_is_made_out_to_a_person(shop, alice):
    details = resolve(shop, alice, {"kind": "plain", "title_kind": "personal"})
    assert details == InvoiceDetails("plain", "personal", "个人", "", "", "", "", "")
    named = resolve(shop, alice, VAT, kind="plain", title_kind="personal", title=" 李雷 ",
                    tax_code="not a code", bank_account="x")  # fields it does not use
    assert (named.title, named.tax_code, named.bank_account) == ("李雷", "", "")


def test_a_company_plain_invoice_needs_the_tax_code_and_prints_no_bank(shop, alice):
    details = resolve(shop, alice, VAT, kind="plain", tax_code="9135 0100 m000 100y43")
    assert details == InvoiceDetails("plain", "company", "福州某某科技有限公司", CODE,
                                     "", "", "", "")


def test_a_vat_invoice_carries_every_company_field(shop, alice):
    details = resolve(shop, alice, VAT, title_kind="")  # VAT: a company, even unsaid
    assert details == InvoiceDetails("vat", "company", "福州某某科技有限公司", CODE,
                                     "招商银行福州分行", "6225880123456789",
                                     "福州市鼓楼区五四路 1 号", "0591-8765 4321")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"kind": "fapiao"}, "kind", "Choose no invoice, a plain invoice or a VAT"),
    ({"kind": "plain", "title_kind": ""}, "title_kind", "Choose a person or a company"),
    ({"kind": "plain", "title_kind": "robot"}, "title_kind", "Choose a person or a company"),
    ({"title_kind": "personal"}, "title_kind", "made out to a company only"),
    ({"title": ""}, "title", "full name as registered"),
    ({"title": "公" * 101}, "title", "Longer than maximum length 100"),
    ({"tax_code": ""}, "tax_code", "unified social credit code"),
    ({"tax_code": "91350100M000100Y44"}, "tax_code", "typing mistake"),
    ({"tax_code": "9135010"}, "tax_code", "18 characters"),
    ({"bank_name": ""}, "bank_name", "A VAT special invoice needs this"),
    ({"bank_name": "行"}, "bank_name", "Shorter than minimum length 2"),
    ({"bank_account": ""}, "bank_account", "A VAT special invoice needs this"),
    ({"bank_account": "6225-8801"}, "bank_account", "6 to 30 digits"),
    ({"bank_account": "12345"}, "bank_account", "6 to 30 digits"),
    ({"bank_account": "1" * 31}, "bank_account", "6 to 30 digits"),
    ({"bank_account": "٣" * 10}, "bank_account", "6 to 30 digits"),
    ({"company_address": ""}, "company_address", "A VAT special invoice needs this"),
    ({"company_phone": ""}, "company_phone", "A VAT special invoice needs this"),
    ({"company_phone": "12345"}, "company_phone", "with its area code"),
    ({"company_phone": "+852 2345 6789"}, "company_phone", "with its area code"),
    ({"title": "某某\x00公司"}, "title", "character that is not allowed"),
])
def test_each_bad_field_is_named_with_its_message(shop, alice, changes, field, message):
    errors = refused(shop, alice, VAT, **changes)
    assert message in errors[field]


def test_every_bad_field_is_named_at_once(shop, alice):
    errors = refused(shop, alice, {"kind": "vat", "tax_code": "x", "bank_account": "abc",
                                   "company_phone": "1"})
    assert set(errors) == {"title", "tax_code", "bank_name", "bank_account", "company_address",
                           "company_phone"}


def test_only_signed_in_shoppers_ask_for_invoices(shop):
    with shop.transaction(actor=ANONYMOUS) as tx, pytest.raises(Forbidden):
        tx.invoices.resolve(VAT)
    with shop.transaction(actor=ANONYMOUS) as tx, pytest.raises(Forbidden):
        tx.invoices.titles()


def test_remember_keeps_one_title_however_often_it_is_asked(shop, alice):
    resolve(shop, alice, PLAIN_COMPANY, remember="true")
    resolve(shop, alice, PLAIN_COMPANY, remember="true")
    [kept] = titles(shop, alice)
    assert (kept.title_kind, kept.title, kept.tax_code, kept.bank_name) == (
        "company", "福州某某科技有限公司", CODE, "")
    resolve(shop, alice, VAT, remember="true")  # the bank details are learnt
    resolve(shop, alice, PLAIN_COMPANY, remember="true")  # and not forgotten by a plain one
    [kept] = titles(shop, alice)
    assert (kept.bank_account, kept.company_phone) == ("6225880123456789", "0591-8765 4321")
    assert kept.has_bank_details
    resolve(shop, alice, PLAIN_COMPANY, tax_code=OTHER_CODE, remember="true")
    resolve(shop, alice, {"kind": "plain", "title_kind": "personal", "remember": "true"})
    assert [t.title for t in titles(shop, alice)] == ["个人", "福州某某科技有限公司",
                                                      "福州某某科技有限公司"]


def test_without_remember_nothing_is_kept(shop, alice):
    resolve(shop, alice, VAT)
    assert titles(shop, alice) == []


def test_a_refused_request_keeps_nothing(shop, alice):
    refused(shop, alice, VAT, remember="true", bank_account="x")
    assert titles(shop, alice) == []


def test_a_saved_title_replaces_the_typed_fields(shop, alice):
    kept = save(shop, alice, VAT)
    details = resolve(shop, alice, {"kind": "vat", "saved_title": str(kept.id),
                                    "title": "typed but not used", "remember": "true"})
    assert details == resolve(shop, alice, VAT)
    plain = resolve(shop, alice, {"kind": "plain", "saved_title": kept.id})
    assert (plain.title, plain.tax_code, plain.bank_account) == (VAT["title"], CODE, "")
    assert len(titles(shop, alice)) == 1


def test_a_saved_title_without_bank_details_cannot_make_a_vat_invoice(shop, alice):
    kept = save(shop, alice, PLAIN_COMPANY)
    person = save(shop, alice, {"title_kind": "personal", "title": "李雷"})
    assert resolve(shop, alice, {"kind": "plain", "saved_title": kept.id}).tax_code == CODE
    for title in (kept, person):
        errors = refused(shop, alice, {"kind": "vat", "saved_title": title.id})
        assert list(errors) == ["saved_title"]
        assert "needs a company title with its bank account" in errors["saved_title"]


def test_another_shoppers_saved_title_is_refused_like_one_that_never_was(shop, alice, bob):
    theirs = save(shop, bob, VAT)
    for saved_title in (str(theirs.id), "999999", "9" * 30, "-1", "x"):
        errors = refused(shop, alice, {"kind": "vat", "saved_title": saved_title})
        assert errors == {"saved_title": "Choose one of your saved invoice titles"}
    assert [t.id for t in titles(shop, bob)] == [theirs.id]


def test_the_number_of_titles_is_limited_with_a_clear_message(shop, alice, connection):
    for number in range(MAX_TITLES):
        save(shop, alice, {"title_kind": "personal", "title": f"李雷 {number}"})
    errors = refused(shop, alice, PLAIN_COMPANY, remember="true")
    assert errors == {"remember": f"You can keep at most {MAX_TITLES} invoice titles; delete "
                                  "one in your account first."}
    with pytest.raises(Invalid) as caught:
        save(shop, alice, PLAIN_COMPANY)
    assert set(caught.value.errors) == {"_"}
    # A title already kept may still be asked for and kept again.
    resolve(shop, alice, {"kind": "plain", "title_kind": "personal", "title": "李雷 3",
                          "remember": "true"})
    assert len(titles(shop, alice)) == MAX_TITLES
    assert connection.scalar(select(func.count()).select_from(InvoiceTitle)) == MAX_TITLES


def test_saving_on_the_account_page(shop, alice):
    kept = save(shop, alice, {"title_kind": "company", "title": " 福州某某科技有限公司 ",
                              "tax_code": CODE.lower(), "bank_name": "", "bank_account": ""})
    assert (kept.title, kept.tax_code, kept.has_bank_details) == (VAT["title"], CODE, False)
    again = save(shop, alice, VAT)
    assert again.id == kept.id and again.has_bank_details
    with pytest.raises(Invalid) as caught:
        save(shop, alice, {"title_kind": "company", "bank_account": "12"})
    assert set(caught.value.errors) == {"title", "tax_code", "bank_account"}
    with pytest.raises(Invalid) as caught:
        save(shop, alice, {"title": "李雷"})
    assert set(caught.value.errors) == {"title_kind"}


def test_only_the_owner_deletes_a_title(shop, alice, bob):
    kept = save(shop, alice, VAT)
    for actor, title_id in ((bob, kept.id), (alice, "9" * 30), (alice, "abc")):
        with shop.transaction(actor=actor) as tx, pytest.raises(NotFound):
            tx.invoices.delete_title(title_id)
    assert len(titles(shop, alice)) == 1
    with shop.transaction(actor=alice) as tx:
        tx.invoices.delete_title(str(kept.id))
    assert titles(shop, alice) == []


def test_the_schemas_alone_hold_the_rules_of_each_kind():
    """A caller that runs ``InvoiceSchema`` itself (a form library) meets the same rules."""
    with pytest.raises(Invalid) as caught:
        validate(InvoiceSchema(), {"kind": "vat", "title": "某某公司", "tax_code": CODE})
    assert set(caught.value.errors) == {"bank_name", "bank_account", "company_address",
                                        "company_phone"}
    with pytest.raises(Invalid) as caught:
        validate(TitleSchema(), {"title_kind": "company"})
    assert set(caught.value.errors) == {"title", "tax_code"}
    assert validate(InvoiceSchema(), {"kind": "plain", "title_kind": "personal"})["kind"] == (
        "plain")
