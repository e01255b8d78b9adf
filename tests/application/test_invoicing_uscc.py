"""The unified social credit code: published codes pass, a mistyped one never does.

Every code below was checked with this module and, independently, with python-stdnum's
``stdnum.cn.uscc`` (and the organisation codes by hand against GB 11714).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.invoicing import uscc

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

#: Real codes published online (python-stdnum's test data and vendors' documentation).
PUBLISHED = (
    "91350100M000100Y43",
    "91110000600037341L",
    "91110000710926094P",
    "121200004013590816",
    "91310115MA1K3BTP2B",
    "9144030071526726XG",
    "9131012056010553X5",
    "91620105L015101280",
    "91340603MA2UJXXCXF",
    "92340602MA2PBMEM24",
    "92340621MA2PBKRXXG",
    "91440300708461136T",
    "51610700305332460K",
    "112302070019030687",
)
#: GB 32100's weights as the standard prints them, to compute checks without the module.
STANDARD_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
OUTSIDE = "IOSVZ-_./*abcxyz中０ "


def independent_check(code: str) -> str:
    """The 18th character as GB 32100 states it: 31 − (Σ value × weight mod 31), 31 → 0."""
    values = [int(c) if c.isdigit() else "ABCDEFGHJKLMNPQRTUWXY".index(c) + 10 for c in code]
    result = 31 - sum(v * w for v, w in zip(values[:17], STANDARD_WEIGHTS, strict=True)) % 31
    return "0123456789ABCDEFGHJKLMNPQRTUWXY"[0 if result == 31 else result]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert independent_check(code) == code[17]
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.problem(code) is None and uscc.is_valid(code)


def test_the_weights_are_powers_of_three_mod_31():
    assert uscc.WEIGHTS == STANDARD_WEIGHTS


def test_a_weight_list_that_drifts_after_the_tenth_place_rejects_real_codes():
    """The list once handed to us ("…, 29, 28, 25, 15, 8, 24, 10, 23") would refuse them."""
    drifted = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 28, 25, 15, 8, 24, 10, 23)
    alphabet = uscc.ALPHABET
    refused = [code for code in PUBLISHED
               if alphabet[-sum(alphabet.index(c) * w
                                for c, w in zip(code, drifted, strict=False)) % 31] != code[17]]
    assert len(refused) >= len(PUBLISHED) - 2


def test_spaces_and_small_letters_are_what_the_shopper_meant():
    assert uscc.normalize(" 9135 0100 m000 100y 43\t") == "91350100M000100Y43"
    assert uscc.is_valid("9135 0100 m000 100y 43")


def test_the_organisation_codes_own_check_is_run_too():
    # The outer check character fits, but 10001300's GB 11714 check is 1, not 0.
    code = "911100001000130007"
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.organisation_check(code[8:16]) == "1"
    assert not uscc.is_valid(code)
    assert "typing mistake" in uscc.problem(code)


@pytest.mark.parametrize(("code", "message"), [
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y433", "18 characters"),
    ("", "18 characters"),
    ("91350100M00010OY43", "other than I, O, S, V and Z"),  # O for 0
    ("9135010OM000100Y43", "other than I, O, S, V and Z"),
    ("9135010AM000100Y43", "first 8 characters"),  # a letter in the region code
    ("01350100M000100Y43", "first 8 characters"),  # no such registration authority
    ("91350100M000100Y44", "typing mistake"),
])
def test_each_kind_of_mistake_has_its_message(code, message):
    assert message in uscc.problem(code)


@given(code=st.sampled_from(PUBLISHED), position=st.integers(0, 17),
       replacement=st.sampled_from(uscc.ALPHABET + OUTSIDE))
def test_any_one_changed_character_of_a_valid_code_is_refused(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1:]
    if uscc.normalize(changed) == code:
        return  # a space or a small letter: the same code as typed differently
    assert not uscc.is_valid(changed)


seventeen = st.tuples(
    st.sampled_from(sorted(uscc.AUTHORITIES)), st.sampled_from("123459"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(uscc.ALPHABET, min_size=8, max_size=8),
).map(lambda parts: "".join(parts) + uscc.organisation_check(parts[3]))


@given(body=seventeen, position=st.integers(0, 17), shift=st.integers(1, 30))
def test_every_code_made_by_the_rules_passes_and_no_substitution_does(body, position, shift):
    code = body + uscc.check_character(body)
    assert uscc.is_valid(code)
    replacement = uscc.ALPHABET[(uscc.ALPHABET.index(code[position]) + shift) % 31]
    assert not uscc.is_valid(code[:position] + replacement + code[position + 1:])
