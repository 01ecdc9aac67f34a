"""Property-based tests of the DECP record normaliser."""

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from spaser.contracts import enums
from spaser.imports.pipelines import decp
from spaser.imports.pipelines.decp_source import CONCESSION, MARKET

labels = lambda choices: st.sampled_from([label for _, label in choices.choices])  # noqa: E731


def casing(strategy):
    """Published labels arrive in any case: upper, lower, as published."""
    return strategy.flatmap(lambda text: st.sampled_from([text, text.upper(), text.lower()]))


dates = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2099, 12, 31))
siret = st.from_regex(r"\A[0-9]{14}\Z")
amounts = st.one_of(
    st.integers(min_value=1, max_value=10**12),
    st.decimals(min_value=1, max_value=10**12, places=2).map(float),
)
holder = st.fixed_dictionaries(
    {"typeIdentifiant": casing(labels(enums.IdentifierType)), "id": siret},
    optional={"denominationSociale": st.text(max_size=40)},
)


@st.composite
def wrapped_list(draw, item, key):
    """The same list in each published shape: plain, wrapped items, wrapped list, nested list."""
    values = draw(st.lists(item, min_size=1, max_size=3))
    shape = draw(st.sampled_from(["plain", "items", "object", "nested"]))
    if shape == "plain":
        return values
    if shape == "items":
        return [{key: v} for v in values]
    if shape == "object":
        return {key: values}
    return [values]


valid_market = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"\A[A-Za-z0-9\-_]{1,16}\Z"),
        "acheteur": st.fixed_dictionaries({"id": siret}),
        "nature": casing(st.sampled_from(["Marché", "Marché de partenariat", "Accord-cadre"])),
        "objet": st.text(min_size=1, max_size=200).filter(str.strip),
        "codeCPV": st.sampled_from(["45000000-7", "77313000", "03121000-5", "72000000"]),
        "procedure": casing(labels(enums.Procedure)),
        "lieuExecution": st.fixed_dictionaries(
            {"code": st.from_regex(r"\A[0-9]{5}\Z"), "typeCode": casing(labels(enums.PlaceType))}
        ),
        "dureeMois": st.one_of(st.integers(1, 600), st.integers(1, 600).map(str)),
        "dateNotification": dates.map(str),
        "datePublicationDonnees": dates.map(str),
        "montant": amounts,
        "formePrix": labels(enums.PriceForm),
        "titulaires": wrapped_list(holder, "titulaire"),
    },
    optional={
        "considerationsSociales": wrapped_list(labels(enums.SocialConsideration), "considerationSociale"),
        "considerationsEnvironnementales": wrapped_list(
            labels(enums.EnvironmentalConsideration), "considerationEnvironnementale"
        ),
        "techniques": wrapped_list(labels(enums.Technique), "technique"),
        "marcheInnovant": st.sampled_from([True, False, "oui", "non", "true", "0", "1"]),
        "offresRecues": st.integers(1, 500),
        "tauxAvance": st.decimals(0, 1, places=2).map(float),
        "origineUE": st.sampled_from([None, 0.5, 1]),
        "modifications": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.integers(1, 20),
                    "dateNotificationModification": dates.map(str),
                    "datePublicationDonneesModification": dates.map(str),
                },
                optional={"montant": amounts, "dureeMois": st.integers(1, 600)},
            ).map(lambda m: {"modification": m}),
            max_size=4,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(valid_market)
def test_valid_records_are_accepted_and_keep_their_identity(raw):
    row = decp.transform(raw, kind=MARKET)
    assert row.buyer_siret == raw["acheteur"]["id"]
    assert row.external_id == raw["id"].strip()
    assert row.initial_amount == Decimal(repr(raw["montant"])).quantize(Decimal("0.01"))
    assert len(row.holders) >= 1
    assert all(h.id_type in enums.IdentifierType.values for h in row.holders)
    assert row.procedure in enums.Procedure.values
    # Modifications are applied in the order of their id.
    numbers = [m.number for m in row.modifications]
    assert numbers == sorted(numbers)
    amounts_in_order = [m.amount for m in row.modifications if m.amount is not None]
    assert row.current_amount == (amounts_in_order[-1] if amounts_in_order else row.initial_amount)
    if "considerationsSociales" in raw:
        assert row.social and set(row.social) <= set(enums.SocialConsideration.values)
    # Normalising is deterministic.
    assert decp.transform(raw, kind=MARKET).content_hash() == row.content_hash()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(
    valid_market,
    st.sampled_from(
        sorted(
            decp._V2_ONLY
            | {
                "id",
                "acheteur",
                "montant",
                "dureeMois",
                "dateNotification",
                "titulaires",
                "modifications",
                "codeCPV",
                "lieuExecution",
                "objet",
                "nature",
            }
        )
    ),
    json_values,
    st.sampled_from([MARKET, CONCESSION]),
)
def test_any_value_gives_a_row_or_a_reasoned_rejection(raw, key, value, kind):
    """Whatever a field holds, the normaliser either accepts the record or rejects it with reasons; it never
    crashes, never accepts an invalid SIRET or a negative amount, and rejects a record only when it cannot be
    identified: a wording, a CPV, a missing nature or any other field never quarantines it."""
    raw[key] = value
    identifying = key in ("id", "acheteur", "autoriteConcedante")
    try:
        row = decp.transform(raw, kind=kind)
    except decp.RowRejected as exc:
        assert exc.reasons and all(" : " in reason for reason in exc.reasons)
        assert identifying, f"rejected for {key}: {exc.reasons}"
        assert set(exc.codes) <= {"champ_manquant", "siret_invalide", "id_invalide"}
        return
    for anomaly in row.anomalies:
        assert anomaly.split(":", 1)[0].isidentifier()
    assert len(row.buyer_siret) == 14 and row.buyer_siret.isdigit()
    assert row.external_id
    assert row.initial_amount is None or row.initial_amount >= 0
    assert row.duration_months is None or row.duration_months >= 0


def forget_what_was_read():
    """Empty the caches and memos behind the fast paths of transform(): every field then goes through the
    general helpers, which fill them again."""
    for memo in (decp._DATE_CACHE, decp._PLAUSIBLE_DATES, decp._PLAIN_CPV, decp._PLAIN_HOLDERS):
        memo.clear()
    for vocabulary in decp._VOCABS.values():
        vocabulary.exact.clear()
        vocabulary.variants.clear()


def outcome(raw, kind):
    try:
        row = decp.transform(raw, kind=kind)
    except decp.RowRejected as exc:
        return exc.reasons
    return repr([getattr(row, name) for name in decp.ContractRow.__slots__]), row.content_hash()


@settings(max_examples=300, deadline=None)
@given(
    valid_market,
    st.sampled_from(["montant", "dureeMois", "titulaires", "modifications", "objet", "typesPrix", "codeCPV"]),
    json_values,
    st.booleans(),
    st.sampled_from([MARKET, CONCESSION]),
)
def test_fast_paths_give_what_the_general_helpers_give(raw, key, value, replace, kind):
    """The same record read first through the general helpers only, then again through the fast paths
    that the first reading enabled, gives the same row, anomalies and reasons."""
    if replace:
        raw[key] = value
    forget_what_was_read()
    general = outcome(raw, kind)
    assert outcome(raw, kind) == general


# Texts close to the fingerprint's own syntax: separators, quotes, commas, "None", escapes.
tricky_text = st.text(alphabet="ab0'\",()N\\\x1b\x1c\x1d\x1e\x1f é", max_size=4)
optional = st.none().__or__
field_values = {
    "external_id": tricky_text,
    "object": tricky_text,
    "framework_id": tricky_text,
    "place_name": tricky_text,
    "place_code": st.sampled_from(["", "0", "None", "45000"]),
    "duration_months": optional(st.integers(0, 2)),
    "offers_received": optional(st.integers(0, 2)),
    "innovative": optional(st.booleans()),
    "initial_amount": optional(st.sampled_from([Decimal("0.00"), Decimal("1.00"), Decimal("10.00")])),
    "notified_on": optional(st.sampled_from([dt.date(2024, 1, 1), dt.date(2024, 1, 2)])),
    "techniques": st.lists(tricky_text, max_size=2).map(tuple),
    "social": optional(st.lists(tricky_text, max_size=2).map(tuple)),
    "subcontracting_acts": st.lists(st.fixed_dictionaries({"id": optional(st.integers(0, 1))}), max_size=1).map(tuple),
    "holders": st.lists(st.builds(decp.Holder, st.just("SIRET"), tricky_text, tricky_text), max_size=2).map(tuple),
    "modifications": st.lists(
        st.builds(
            decp.Modification,
            st.integers(1, 2),
            optional(st.integers(1, 2)),
            tricky_text,
            st.none(),
            st.none(),
            optional(st.integers(0, 1)),
            optional(st.just(Decimal("1.00"))),
            optional(
                st.lists(st.builds(decp.Holder, st.just("SIRET"), tricky_text), min_size=1, max_size=2).map(tuple)
            ),
        ),
        max_size=2,
    ).map(tuple),
}
row_changes = st.fixed_dictionaries({}, optional=field_values)
BASE_ROW = decp.ContractRow(
    kind=enums.ContractKind.MARKET,
    buyer_siret="23450002300028",
    buyer_name="",
    external_id="1",
    nature="market",
    object="",
    format_version="2024",
)
FINGERPRINTED = [
    name for name in decp.ContractRow.__slots__ if name not in ("source", "buyer_name", "format_version", "anomalies")
]


@settings(max_examples=1000, deadline=None)
@given(row_changes, row_changes)
def test_fingerprint_is_equal_exactly_when_the_fingerprinted_fields_are(first, second):
    """Two rows have the same fingerprint if and only if every fingerprinted field has the same value."""
    a, b = dataclasses.replace(BASE_ROW, **first), dataclasses.replace(BASE_ROW, **second)
    same_fields = repr([getattr(a, name) for name in FINGERPRINTED]) == repr(
        [getattr(b, name) for name in FINGERPRINTED]
    )
    assert (a.content_hash() == b.content_hash()) == same_fields
