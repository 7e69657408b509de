"""JSON columns are written the same whichever encoder writes them.

`renormalise` compares the stored text with the new one to say what changed, so a change of
encoder that wrote one character differently would report every record as changed.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from harvester.store.index import _json

_reference = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_text = st.text(st.characters(exclude_categories=["Cs"]))  # XML carries no lone surrogates
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(_values, min_size=1) | st.dictionaries(_text, _values, min_size=1))
def test_columns_are_the_reference_encoding(value: object):
    assert _json(value) == _reference(value)


def test_tricky_text_and_what_the_fast_encoder_refuses():
    value = ['"\\/\b\f\n\r\t\x00\x1f\x7f', "\u2028\u2029", "國際貿易 ภาษา کتاب 🐫", {"a": [1]}]
    assert _json(value) == _reference(value)
    assert _json([2**70]) == "[1180591620717411303424]"  # beyond 64 bits: the fallback
    assert _json(["\ud800"]) == _reference(["\ud800"])
