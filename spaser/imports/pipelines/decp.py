"""DECP record normaliser: ``transform(raw, kind=...) -> ContractRow`` or ``RowRejected(reasons)``.

Pure (no database). One function reads the 2019 (v1.5) and the 2024 (v2) shapes, JSON or XML, and the
hybrids found in real files (shared/spec/decp.md §5, shared/data/README.md):

- wrappers flattened whatever their depth: ``titulaires[].titulaire``, ``[[{...}]]``,
  ``{"modification": {...}}`` instead of a list, ``"acheteur.id"`` as a flat key;
- labels matched whatever their case, accents or punctuation; legacy labels and real-world variants through
  ``corrections/decp_values.csv``; each label that is not the official wording is flagged with its original
  (``libelle_normalise``), an unknown one leaves the field empty (``valeur_inconnue``);
- dates with a time zone (``2018-12-17+01:00``) or a time; impossible years repaired through
  ``corrections/decp_dates.csv``; CPV codes that lost a leading zero or their hyphen repaired against the
  EU nomenclature;
- what is suspicious is kept and flagged (``anomalies``): amount 0 or absurd, duration "NC", 0 offers,
  advance rate without advance, missing notification date, mis-decoded text...

A record is rejected only when it cannot be identified (no id, no valid buyer SIRET). A value that cannot be
understood (wrong type, unknown label, unreadable date, unusable CPV, negative amount) leaves its field empty
and is flagged ``code:field:original``; a missing nature too. Each reason is a short French sentence starting
with a stable code (``code : détail``) so that reasons can be counted.
"""

import datetime as dt
import hashlib
import json
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from spaser.contracts import enums
from spaser.imports.pipelines import vocabulary
from spaser.imports.pipelines.decp_source import CONCESSION, MARKET

MAX_AMOUNT = Decimal("1e15")  # above: not a real amount, and beyond the column's precision
ABSURD_AMOUNT = Decimal("999999999")  # 1e9 - 1: placeholder seen in real files (buyer 20006340200016)
MIN_YEAR, MAX_YEAR = 1990, 2100
_SIRET = re.compile(r"\d{14}")
_DIGITS = re.compile(r"\d+")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?")
# Day first, as French spreadsheets write dates: read, and flagged ("date_jj_mm_aaaa"); never month first.
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]")
# What _repair_text looks for: a text without any of these needs no repair (only stripping).
_TO_REPAIR = re.compile("[ÃÂ\ufffd]")


class RowRejected(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons

    @property
    def codes(self) -> list[str]:
        return [reason.split(" : ", 1)[0] for reason in self.reasons]


@dataclass(frozen=True, slots=True)
class Holder:
    id_type: str
    identifier: str
    name: str = ""
    # repr() of the holder as hashed by ContractRow.content_hash(), made once: holders read without anomaly
    # are shared by many rows.
    hash_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        text = f"Holder(id_type={self.id_type!r}, identifier={self.identifier!r}, name={self.name!r})"
        object.__setattr__(self, "hash_text", text)

    @property
    def siren(self) -> str:
        if self.id_type == enums.IdentifierType.SIRET and len(self.identifier) in (9, 14):
            return self.identifier[:9]
        return ""


@dataclass(frozen=True, slots=True)
class Modification:
    rank: int  # order of application
    number: int | None  # published id (v2), None in 2019 files
    object: str
    notified_on: dt.date | None
    published_on: dt.date | None
    duration_months: int | None
    amount: Decimal | None
    holders: tuple[Holder, ...] | None


@dataclass(slots=True)
class ContractRow:
    kind: str
    buyer_siret: str
    buyer_name: str
    external_id: str
    nature: str
    object: str
    format_version: str  # "2019" or "2024"
    source: str = ""
    cpv: str = ""
    procedure: str = ""
    techniques: tuple[str, ...] = ()
    execution_modalities: tuple[str, ...] = ()
    framework_id: str = ""
    innovative: bool | None = None
    ccag: str = ""
    offers_received: int | None = None
    advance: bool | None = None
    advance_rate: Decimal | None = None
    grouping: str = ""
    subcontracting_declared: bool | None = None
    subcontracting_acts: tuple = ()  # tuple of dicts (id, holder, amount, duration...)
    place_code: str = ""
    place_type: str = ""
    place_name: str = ""
    duration_months: int | None = None
    notified_on: dt.date | None = None
    published_on: dt.date | None = None
    start_on: dt.date | None = None
    initial_amount: Decimal | None = None
    public_subsidy: Decimal | None = None
    price_form: str = ""
    price_types: tuple[str, ...] = ()
    eu_origin_share: Decimal | None = None
    fr_origin_share: Decimal | None = None
    social: tuple[str, ...] | None = None  # None: not published (2019 format)
    environmental: tuple[str, ...] | None = None
    holders: tuple[Holder, ...] = ()
    modifications: tuple[Modification, ...] = ()
    anomalies: list[str] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return self.buyer_siret + self.external_id

    @property
    def current_amount(self) -> Decimal | None:
        amount = self.initial_amount
        for modification in self.modifications:
            if modification.amount is not None:
                amount = modification.amount
        return amount

    @property
    def current_duration(self) -> int | None:
        duration = self.duration_months
        for modification in self.modifications:
            if modification.duration_months is not None:
                duration = modification.duration_months
        return duration

    @property
    def current_holders(self) -> tuple[Holder, ...]:
        holders = self.holders
        for modification in self.modifications:
            if modification.holders:
                holders = modification.holders
        return holders

    @property
    def last_published_on(self) -> dt.date | None:
        """Publication date of the latest information: orders two publications of one contract."""
        latest = self.published_on
        for modification in self.modifications:
            published = modification.published_on
            if published is not None and (latest is None or published > latest):
                latest = published
        return latest

    def content_hash(self) -> str:
        """Fingerprint of the normalised content, without its source: the same contract published by two
        platforms has the same fingerprint.

        The text hashed is ``repr()`` of the list of the hashed field values, as in every earlier version:
        stored fingerprints stay valid, and so does the order they give to two publications of one contract
        with the same date (``contracts.services._version``). It is assembled in one format call (%r of each
        value), each holder bringing its own repr, made once; the dataclasses' generated ``repr`` is slow."""
        text = _FINGERPRINT % (
            *_fingerprinted_values(self),
            _tuple_repr(list(map(_holder_repr, self.holders))),
            _tuple_repr([_modification_repr(m) for m in self.modifications]),
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# repr() of the list of hashed values: "[%r, %r, ..., holders, modifications]". Holders and modifications,
# the last two hashed fields, are rendered apart; the check below keeps them last.
_NOT_HASHED = ("source", "anomalies", "buyer_name", "format_version")
_HASHED_FIELDS = [name for name in ContractRow.__slots__ if name not in _NOT_HASHED]
assert _HASHED_FIELDS[-2:] == ["holders", "modifications"]
_FINGERPRINT = "[" + ", ".join(["%r"] * (len(_HASHED_FIELDS) - 2) + ["%s", "%s"]) + "]"
_fingerprinted_values = operator.attrgetter(*_HASHED_FIELDS[:-2])
_holder_repr = operator.attrgetter("hash_text")


def _tuple_repr(parts: list[str]) -> str:
    return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _modification_repr(m: Modification) -> str:
    holders = "None" if m.holders is None else _tuple_repr(list(map(_holder_repr, m.holders)))
    return (
        f"Modification(rank={m.rank!r}, number={m.number!r}, object={m.object!r}, notified_on={m.notified_on!r}, "
        f"published_on={m.published_on!r}, duration_months={m.duration_months!r}, amount={m.amount!r}, "
        f"holders={holders})"
    )


class _Reasons(list):
    """Reasons to quarantine a record: only what prevents identifying it (no id, no buyer SIRET).

    ``kept`` collects what could not be understood in a field of an identified record: the record is kept with
    that field empty, and each finding becomes an anomaly ``code:field:original value``."""

    def __init__(self):
        super().__init__()
        self.kept: list[str] = []

    def add(self, code: str, detail: str):
        self.append(f"{code} : {detail}")

    def keep(self, code: str, name: str, value):
        self.kept.append(anomaly(code, name, value))


ORIGINAL_MAX = 200  # characters of a published value quoted in an anomaly


def anomaly(code: str, name: str, value) -> str:
    """``code:field:original``, the original as published (text, or JSON of another value), on one line."""
    if isinstance(value, str):
        original = value
    else:
        original = json.dumps(value, ensure_ascii=False, default=str)
    original = " ".join(original.split())
    if len(original) > ORIGINAL_MAX:
        original = original[: ORIGINAL_MAX - 1] + "…"
    return f"{code}:{name}:{original}"


_VOCABS = {name: vocabulary.Vocabulary(name) for name in vocabulary.VOCABULARIES}
_DATE_CACHE: dict[str, tuple[dt.date | None, list[dt.date] | None]] = {}
# Memos of the fast paths in transform(), filled by the general helpers with what they read without any
# anomaly or reason (published string, or published values, → result), bounded like the caches above.
_PLAUSIBLE_DATES: dict[str, dt.date] = {}
_PLAIN_CPV: dict[str, str] = {}
_PLAIN_HOLDERS: dict[tuple, "Holder"] = {}
_MEMO_SIZE = 50_000


def _unwrap(value, key: str):
    """Flatten a published list whatever its wrappers: [..], {key: [..]}, {key: {..}}, [[..]], [{key: ..}]."""
    if value is None or value == "" or value == []:
        return []
    if type(value) is dict:
        if key in value and len(value) == 1:
            inner = value[key]
            if type(inner) is list and all(type(item) is str and item for item in inner):
                return list(inner)  # the usual {"typePrix": ["..."]}: nothing more to flatten
            return _unwrap(inner, key)
        return [value]
    if isinstance(value, dict):
        if key in value and len(value) == 1:
            return _unwrap(value[key], key)
        return [value]
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, list):
                items.extend(_unwrap(item, key))
            elif isinstance(item, dict) and key in item and len(item) == 1:
                inner = item[key]
                if type(inner) is dict and not (key in inner and len(inner) == 1):
                    items.append(inner)  # the usual [{"titulaire": {...}}]
                else:
                    items.extend(_unwrap(inner, key))
            elif item is not None and item != "":
                items.append(item)
        return items
    return [value]


def _text(value, name: str, reasons: _Reasons, anomalies: list[str]) -> str:
    if type(value) is str:
        text = value.strip()
        if text.isascii():  # neither mis-decoded text nor replacement characters: nothing to repair
            return text
        return _repair_text(text, name, anomalies)
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, dict | list):
        reasons.keep("type_invalide", name, value)
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return _repair_text(text, name, anomalies)


def _repair_text(text: str, name: str, anomalies: list[str]) -> str:
    if ("Ã" in text or "Â" in text) and _MOJIBAKE.search(text):
        # UTF-8 read as Latin-1 ("SociÃ©tÃ©"): certain when the round trip decodes.
        try:
            repaired = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                repaired = text.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                repaired = None
        if repaired is not None:
            anomalies.append(f"texte_reencode:{name}")
            return repaired
    if "\ufffd" in text:
        anomalies.append(f"caracteres_illisibles:{name}")
    return text


def _enum(value, vocab: str, name: str, reasons: _Reasons) -> str:
    if type(value) is str:
        result = _VOCABS[vocab].exact.get(value)  # labels repeat: most are found here
        if result is not None:
            return result
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        reasons.keep("type_invalide", name, value)
        return ""
    vocabulary_ = _VOCABS[vocab]
    result = vocabulary_(value)
    if result is None:
        reasons.keep("valeur_inconnue", name, value)
        return ""
    if value not in vocabulary_.official:
        reasons.keep("libelle_normalise", name, value)  # a variant or an obsolete wording, mapped
    return result


def _enum_list(value, vocab: str, key: str, name: str, reasons: _Reasons) -> tuple[str, ...]:
    values = []
    for item in _unwrap(value, key):
        result = _enum(item, vocab, name, reasons)
        if result and result not in values:
            values.append(result)
    return tuple(values)


def _date(value, name: str, reasons: _Reasons, anomalies: list[str], reference: dt.date | None = None):
    """Parse a date; a rewrite of ``decp_dates.csv`` is applied only when the result falls within the
    three years before ``reference`` (the publication date): "0218-10-29" published 2018-12-26 becomes
    2018-10-29, but "0204-06-06" published 2024-06-06 stays unknown (2004 would be a guess)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        reasons.keep("type_invalide", name, value)
        return None
    try:
        parsed, candidates = _DATE_CACHE[value]
    except KeyError:
        parsed, candidates = _parse_date(value.strip())
        if len(_DATE_CACHE) < 50_000:
            _DATE_CACHE[value] = (parsed, candidates)
    if parsed is not None:
        if "/" in value:
            anomalies.append(f"date_jj_mm_aaaa:{name}")  # not memoised: each record gets its flag
        elif len(_PLAUSIBLE_DATES) < _MEMO_SIZE:
            _PLAUSIBLE_DATES[value] = parsed
        return parsed
    if candidates is None:
        reasons.keep("date_invalide", name, value)
        return None
    if reference is not None:
        for candidate in candidates:
            if reference - dt.timedelta(days=3 * 366) <= candidate <= reference:
                anomalies.append(f"date_corrigee:{name}")
                return candidate
    anomalies.append(f"date_impossible_ignoree:{name}")
    return None


def _parse_date(text: str) -> tuple[dt.date | None, list[dt.date] | None]:
    """(date, None) if plausible; (None, [repaired candidates]) if well formed but impossible;
    (None, None) if unreadable."""
    match = _DATE.fullmatch(text)
    if match:
        year, month, day = match[1], match[2], match[3]
    elif match := _FRENCH_DATE.fullmatch(text):
        day, month, year = match[1], match[2], match[3]
    else:
        return None, None
    try:
        parsed = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None, None
    if MIN_YEAR <= parsed.year <= MAX_YEAR:
        return parsed, None
    candidates = []
    for pattern, replacement in vocabulary.date_rewrites():
        fixed = pattern.sub(replacement, text)
        match = _DATE.fullmatch(fixed)
        if fixed != text and match:
            try:
                candidates.append(dt.date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                continue
    return None, candidates


def _number(value, name: str, reasons: _Reasons) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        reasons.keep("type_invalide", name, value)
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            reasons.keep("type_invalide", name, value)
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            reasons.keep("type_invalide", name, value)
            return None
        if not number.is_finite():
            reasons.keep("type_invalide", name, value)
            return None
        return number
    reasons.keep("type_invalide", name, value)
    return None


def _amount(value, name: str, reasons: _Reasons, anomalies: list[str]) -> Decimal | None:
    amount = _number(value, name, reasons)
    if amount is None:
        return None
    if amount < 0:
        reasons.keep("montant_negatif", name, value)
        return None
    if amount >= MAX_AMOUNT:
        anomalies.append(f"montant_aberrant_ignore:{name}")
        return None
    if amount == 0:
        anomalies.append(f"montant_nul:{name}")
    elif amount >= ABSURD_AMOUNT:
        anomalies.append(f"montant_aberrant:{name}")
    return amount.quantize(Decimal("0.01"))


def _integer(value, name: str, reasons: _Reasons, anomalies: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().upper() in ("NC", "N/C", "NON COMMUNIQUE", "NON COMMUNIQUÉ"):
        anomalies.append(f"non_communique:{name}")
        return None
    number = _number(value, name, reasons)
    if number is None:
        return None
    if number != number.to_integral_value():
        # "1.5" months: meaningful but not an integer; rounding it would invent a value.
        anomalies.append(f"valeur_non_entiere_ignoree:{name}")
        return None
    if number < 0:
        reasons.keep("valeur_negative", name, value)
        return None
    if number > 2_000_000_000:
        anomalies.append(f"valeur_aberrante_ignoree:{name}")
        return None
    return int(number)


def _share(value, name: str, reasons: _Reasons, anomalies: list[str]) -> Decimal | None:
    share = _number(value, name, reasons)
    if share is None:
        return None
    if not (0 <= share <= 1):
        anomalies.append(f"part_hors_bornes:{name}")
        return None
    return share.quantize(Decimal("0.0001"))


_BOOLEANS = {
    "true": True,
    "oui": True,
    "1": True,
    "vrai": True,
    "false": False,
    "non": False,
    "0": False,
    "faux": False,
}


def _boolean(value, name: str, reasons: _Reasons) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    reasons.keep("type_invalide", name, value)
    return None


def _siret(value) -> str | None:
    if isinstance(value, int):
        value = str(value).zfill(14)
    if not isinstance(value, str):
        return None
    text = value.replace(" ", "").replace("\u00a0", "").strip()
    return text if _SIRET.fullmatch(text) else None


def _cpv(value, reasons: _Reasons, anomalies: list[str]) -> str:
    """8-digit CPV code; repairs a lost leading zero or a missing hyphen when the nomenclature confirms it."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        reasons.keep("type_invalide", "codeCPV", value)
        return ""
    digits = "".join(_DIGITS.findall(value))
    codes = vocabulary.cpv_codes()
    if len(digits) in (8, 9) and digits[:8] in codes:
        if type(value) is str and len(_PLAIN_CPV) < _MEMO_SIZE:
            _PLAIN_CPV[value] = digits[:8]
        return digits[:8]
    candidates = []
    if len(digits) == 7:  # "3111000": the leading zero of division 03 lost by a spreadsheet
        candidates.append("0" + digits)
        if "0" + digits not in codes:
            # "1110000": still a code that lost its leading zero, though not one of CPV 2008 (CPV 2003 or a
            # typing error): restored, kept and flagged on both counts.
            anomalies.append(anomaly("cpv_corrige", "codeCPV", value))
            anomalies.append("cpv_hors_nomenclature")
            return "0" + digits
    if len(digits) == 8:  # "4543100-7": one digit lost before the check digit, or "03121000" + "5"
        candidates.append(digits[:7] + "0")
        candidates.append("0" + digits[:7])
    if len(digits) == 9:  # "031210005": code and check digit without the hyphen
        candidates.append(digits[:8])
    for candidate in candidates:
        check = codes.get(candidate)
        if check and (len(digits) < 8 or digits[-1] == check[-1] or len(digits) == 9):
            anomalies.append(anomaly("cpv_corrige", "codeCPV", value))
            return candidate
    if len(digits) in (8, 9):
        # Well formed but not in CPV 2008 (CPV 2003 codes, placeholders such as 00000000): kept, flagged.
        anomalies.append("cpv_hors_nomenclature")
        return digits[:8]
    reasons.keep("cpv_invalide", "codeCPV", value)  # "0", "NC", "abc": the record is kept without CPV
    return ""


def _holders(value, key: str, name: str, reasons: _Reasons, anomalies: list[str]) -> tuple[Holder, ...]:
    holders = []
    for item in _unwrap(value, key):
        if not isinstance(item, dict):
            reasons.keep("type_invalide", name, item)
            continue
        published = (item.get("typeIdentifiant"), item.get("id"), item.get("denominationSociale"))
        found = len(anomalies), len(reasons), len(reasons.kept)
        id_type = _enum(published[0], "identifier_type", f"{name}.typeIdentifiant", reasons)
        identifier = _text(published[1], f"{name}.id", reasons, anomalies).replace(" ", "")
        if not identifier:
            anomalies.append(f"titulaire_sans_identifiant:{name}")
            continue
        if not id_type:
            # Missing or not understood (flagged by _enum): a 14-digit identifier is a SIRET; any other holder
            # cannot be stored without its kind of identifier, and is dropped with its anomaly.
            id_type = enums.IdentifierType.SIRET if _SIRET.fullmatch(identifier) else ""
            anomalies.append(f"type_identifiant_deduit:{name}" if id_type else f"titulaire_ignore:{name}")
            if not id_type:
                continue
        if id_type == enums.IdentifierType.SIRET and not _SIRET.fullmatch(identifier):
            anomalies.append(f"siret_titulaire_invalide:{name}")
        holder_name = _text(published[2], f"{name}.denominationSociale", reasons, anomalies)
        holder = Holder(id_type, identifier[:32], holder_name[:255])
        if (
            (len(anomalies), len(reasons), len(reasons.kept)) == found
            and type(published[0]) is str
            and type(published[1]) is str
            and (published[2] is None or type(published[2]) is str)
            and len(_PLAIN_HOLDERS) < _MEMO_SIZE
        ):
            _PLAIN_HOLDERS[published] = holder  # read without anomaly: _plain_holders may reuse it
        if holder not in holders:
            holders.append(holder)
    return tuple(holders)


def _modifications(raw_list, kind: str, reasons: _Reasons, anomalies: list[str]) -> tuple[Modification, ...]:
    items = _unwrap(raw_list, "modification")
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reasons.keep("type_invalide", "modifications", item)
            continue
        number = _integer(item.get("id"), "modification.id", reasons, anomalies)
        published = _date(
            item.get("datePublicationDonneesModification"), "modification.datePublicationDonnees", reasons, anomalies
        )
        if kind == CONCESSION:
            notified = _date(
                item.get("dateSignatureModification"), "modification.dateSignature", reasons, anomalies, published
            )
            amount = _amount(item.get("valeurGlobale"), "modification.valeurGlobale", reasons, anomalies)
            holders = None
        else:
            notified = _date(
                item.get("dateNotificationModification"),
                "modification.dateNotification",
                reasons,
                anomalies,
                published,
            )
            amount = _amount(item.get("montant"), "modification.montant", reasons, anomalies)
            holders = _holders(item.get("titulaires"), "titulaire", "modification.titulaires", reasons, anomalies)
        parsed.append(
            (
                number,
                index,
                notified,
                published,
                _integer(item.get("dureeMois"), "modification.dureeMois", reasons, anomalies),
                amount,
                holders or None,
                _text(item.get("objetModification"), "modification.objet", reasons, anomalies),
            )
        )
    return _ranked(parsed)


def _ranked(parsed: list[tuple]) -> tuple[Modification, ...]:
    """Modifications from (number, index, notified, published, duration, amount, holders, object)."""
    # v2: apply in the order of their id; 2019: in publication order (list order breaks ties).
    parsed.sort(key=lambda m: (m[0] if m[0] is not None else m[1], m[1]))
    return tuple(
        Modification(
            rank=rank,
            number=number,
            object=object_,
            notified_on=notified,
            published_on=published,
            duration_months=duration,
            amount=amount,
            holders=holders,
        )
        for rank, (number, _, notified, published, duration, amount, holders, object_) in enumerate(parsed, 1)
    )


def _subcontracting(raw, reasons: _Reasons, anomalies: list[str]) -> tuple:
    acts = []
    for item in _unwrap(raw, "acteSousTraitance"):
        if not isinstance(item, dict):
            reasons.keep("type_invalide", "actesSousTraitance", item)
            continue
        holder = _holders(item.get("sousTraitant"), "sousTraitant", "sousTraitant", reasons, anomalies)
        acts.append(
            {
                "id": _integer(item.get("id"), "acteSousTraitance.id", reasons, anomalies),
                "sous_traitant": [h.id_type, h.identifier] if (h := (holder[0] if holder else None)) else None,
                "duree_mois": _integer(item.get("dureeMois"), "acteSousTraitance.dureeMois", reasons, anomalies),
                "date_notification": _iso(
                    _date(
                        item.get("dateNotification"),
                        "acteSousTraitance.dateNotification",
                        reasons,
                        anomalies,
                        _date(item.get("datePublicationDonnees"), "acteSousTraitance.datePublication", reasons, []),
                    )
                ),
                "montant": _json_amount(_amount(item.get("montant"), "acteSousTraitance.montant", reasons, anomalies)),
                "variation_prix": _enum(
                    item.get("variationPrix"), "price_variation", "acteSousTraitance.variationPrix", reasons
                ),
            }
        )
    return tuple(acts)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _json_amount(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _get(raw: dict, key: str, subkey: str):
    """``raw[key][subkey]`` or the flat hybrid ``raw["key.subkey"]``."""
    value = raw.get(key)
    if isinstance(value, dict):
        return value.get(subkey)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0].get(subkey)
    return raw.get(f"{key}.{subkey}")


def transform(raw, *, kind: str = MARKET, source: str = "") -> ContractRow:
    """Normalise one published record; raise RowRejected with every reason found.

    Each field is read with an inline fast path for its usual shape (an exact ``str`` label already met,
    an ASCII text, an ``int`` or ``float`` in range, a date already parsed, the usual wrapper) that gives
    exactly what the general helper (``_enum``, ``_text``, ``_integer``, ``_amount``, ``_date``...) would
    give; anything else goes to that helper. Fields are read in a fixed order, so that anomalies and
    reasons keep their order."""
    if type(raw) is not dict and not isinstance(raw, dict):
        raise RowRejected([f"type_invalide : l'enregistrement devrait être un objet, reçu {type(raw).__name__}"])
    reasons = _Reasons()
    anomalies: list[str] = []
    get = raw.get
    is_concession = kind == CONCESSION
    # The 2024 format is recognised by any field that only it has (set test in C, same as any(k in raw)).
    is_2024 = not _V2_ONLY.isdisjoint(raw)
    if is_2024 and "_type" in raw:
        anomalies.append("champ_type_obsolete")

    value = get("id")
    if type(value) is str and value.isascii():  # ASCII: nothing for _text to repair
        external_id = value.strip()
    else:
        external_id = _text(value, "id", reasons, anomalies)
    if not external_id:
        reasons.add("champ_manquant", "id (identifiant du marché) absent")
    elif len(external_id) > 64:
        reasons.add("id_invalide", f"id trop long ({len(external_id)} caractères)")

    buyer_key = "autoriteConcedante" if is_concession else "acheteur"
    buyer = get(buyer_key)
    if type(buyer) is dict:  # the usual {"id": ..., "nom": ...}
        buyer_raw, name_raw = buyer.get("id"), buyer.get("nom")
    else:
        buyer_raw, name_raw = _get(raw, buyer_key, "id"), _get(raw, buyer_key, "nom")
    if buyer_raw is None and is_concession:
        buyer_raw = _get(raw, "acheteur", "id")
    if type(buyer_raw) is str and len(buyer_raw) == 14 and buyer_raw.isascii() and buyer_raw.isdigit():
        buyer_siret = buyer_raw  # already 14 ASCII digits: _siret would return it as is
    else:
        buyer_siret = _siret(buyer_raw)
        if buyer_raw in (None, ""):
            reasons.add("champ_manquant", f"{buyer_key}.id (SIRET de l'acheteur) absent")
        elif buyer_siret is None:
            reasons.add("siret_invalide", f"{buyer_key}.id « {str(buyer_raw)[:20]} » n'est pas un SIRET à 14 chiffres")
    if name_raw is None:
        buyer_name = ""
    elif type(name_raw) is str and (name_raw.isascii() or not _TO_REPAIR.search(name_raw)):
        buyer_name = name_raw.strip()
    else:
        buyer_name = _text(name_raw, f"{buyer_key}.nom", reasons, anomalies)

    value = get("nature")
    nature = (type(value) is str and _NATURES.get(value)) or _enum(value, "nature", "nature", reasons)
    if not nature and value in (None, ""):
        anomalies.append("champ_manquant:nature")
    value = get("objet")
    if type(value) is str and (value.isascii() or not _TO_REPAIR.search(value)):  # accents alone need no repair
        object_ = value.strip()
    else:
        object_ = _text(value, "objet", reasons, anomalies)
    if not object_:
        anomalies.append("champ_manquant:objet")
    if not source:
        source = _text(get("source"), "source", reasons, anomalies)[:100]

    value = get("procedure")
    procedure = (type(value) is str and _PROCEDURES.get(value)) or _enum(value, "procedure", "procedure", reasons)
    value = get("dureeMois")
    if type(value) is int and 0 <= value <= 2_000_000_000:  # bool excluded by the exact type
        duration_months = value
    else:
        duration_months = _integer(value, "dureeMois", reasons, anomalies)
    if duration_months == 0:
        anomalies.append("duree_nulle")
    value = get("datePublicationDonnees")
    published_on = (type(value) is str and _PLAUSIBLE_DATES.get(value)) or _date(
        value, "datePublicationDonnees", reasons, anomalies
    )

    place = get("lieuExecution")
    if type(place) is dict:  # the usual {"code": ..., "typeCode": ..., "nom": ...}
        code_raw, type_raw, place_raw = place.get("code"), place.get("typeCode"), place.get("nom")
    else:
        code_raw = _get(raw, "lieuExecution", "code")
        type_raw = _get(raw, "lieuExecution", "typeCode")
        place_raw = _get(raw, "lieuExecution", "nom")
    if type(code_raw) is str and code_raw.isascii():
        place_code = code_raw.strip()
    else:
        place_code = _text(code_raw, "lieuExecution.code", reasons, anomalies)
    if len(place_code) > 10:  # no code of a place is that long: kept cut, and said so
        place_code = place_code[:10]
        anomalies.append("code_lieu_tronque:lieuExecution.code")
    place_type = (type(type_raw) is str and _PLACE_TYPES.get(type_raw)) or _enum(
        type_raw, "place_type", "lieuExecution.typeCode", reasons
    )
    if place_raw is None:
        place_name = ""
    elif type(place_raw) is str and (place_raw.isascii() or not _TO_REPAIR.search(place_raw)):
        place_name = place_raw.strip()[:255]
    else:
        place_name = _text(place_raw, "lieuExecution.nom", reasons, anomalies)[:255]
    if place_type == _POSTCODE and place_code.isdigit() and len(place_code) == 4:
        place_code = "0" + place_code  # leading zero lost (postcodes of Ain, Aisne...)
        anomalies.append("code_postal_complete")

    social = environmental = None
    if is_2024:  # a 2019 record has none of the 2024-only fields: they keep their defaults
        value = get("considerationsSociales")
        if value not in (None, "", []):
            social = _labels(value, "considerationSociale", _SOCIAL) or _enum_list(
                value, "social_consideration", "considerationSociale", "considerationsSociales", reasons
            )
        value = get("considerationsEnvironnementales")
        if value not in (None, "", []):
            environmental = _labels(value, "considerationEnvironnementale", _ENVIRONMENTAL) or _enum_list(
                value,
                "environmental_consideration",
                "considerationEnvironnementale",
                "considerationsEnvironnementales",
                reasons,
            )
        for values, none_value, label in (
            (social, enums.SocialConsideration.NONE, "sociales"),
            (environmental, enums.EnvironmentalConsideration.NONE, "environnementales"),
        ):
            if values and none_value in values and len(values) > 1:
                anomalies.append(f"considerations_contradictoires:{label}")

    row = ContractRow(
        kind=_CONCESSION_KIND if is_concession else _MARKET_KIND,
        buyer_siret=buyer_siret or "",
        buyer_name=buyer_name[:255],
        external_id=external_id,
        nature=nature,
        object=object_,
        format_version="2024" if is_2024 else "2019",
        source=source,
        procedure=procedure,
        duration_months=duration_months,
        published_on=published_on,
        place_code=place_code,
        place_type=place_type,
        place_name=place_name,
        social=social,
        environmental=environmental,
        anomalies=anomalies,
    )
    if is_concession:
        _concession_fields(row, raw, reasons, anomalies)
    else:
        _market_fields(row, raw, is_2024, reasons, anomalies)
    if not row.holders:
        anomalies.append("sans_titulaire")
    value = get("modifications")
    if value is not None and value != []:  # both give no modification
        row.modifications = (not is_concession and _plain_modifications(value)) or _modifications(
            value, kind, reasons, anomalies
        )

    if reasons:
        raise RowRejected(list(dict.fromkeys(reasons)))
    if reasons.kept:
        anomalies.extend(dict.fromkeys(reasons.kept))
    return row


def _concession_fields(row: ContractRow, raw: dict, reasons: _Reasons, anomalies: list[str]):
    get = raw.get
    value = get("dateSignature")
    row.notified_on = (type(value) is str and _PLAUSIBLE_DATES.get(value)) or _date(
        value, "dateSignature", reasons, anomalies, row.published_on
    )
    row.start_on = _date(get("dateDebutExecution"), "dateDebutExecution", reasons, anomalies)
    row.initial_amount = _plain_amount(get("valeurGlobale")) or _amount(
        get("valeurGlobale"), "valeurGlobale", reasons, anomalies
    )
    row.public_subsidy = _amount(get("montantSubventionPublique"), "montantSubventionPublique", reasons, anomalies)
    value = get("concessionnaires")
    row.holders = _plain_holders(value, "concessionnaire") or _holders(
        value, "concessionnaire", "concessionnaires", reasons, anomalies
    )
    if row.notified_on is None and "dateSignature" not in raw:
        anomalies.append("champ_manquant:dateSignature")


def _market_fields(row: ContractRow, raw: dict, is_2024: bool, reasons: _Reasons, anomalies: list[str]):
    get = raw.get
    value = get("codeCPV")
    row.cpv = (type(value) is str and _PLAIN_CPV.get(value)) or _cpv(value, reasons, anomalies)
    if not row.cpv and value in (None, ""):
        anomalies.append("champ_manquant:codeCPV")
    value = get("dateNotification")
    row.notified_on = (type(value) is str and _PLAUSIBLE_DATES.get(value)) or _date(
        value, "dateNotification", reasons, anomalies, row.published_on
    )
    if row.notified_on is None and value in (None, ""):
        anomalies.append("champ_manquant:dateNotification")
    value = get("montant")
    row.initial_amount = _plain_amount(value) or _amount(value, "montant", reasons, anomalies)
    value = get("titulaires")
    row.holders = _plain_holders(value, "titulaire") or _holders(value, "titulaire", "titulaires", reasons, anomalies)
    if is_2024:  # techniques and modalitesExecution are 2024-only fields
        value = get("techniques")
        if value is not None:
            row.techniques = _labels(value, "technique", _TECHNIQUES) or _enum_list(
                value, "technique", "technique", "techniques", reasons
            )
        value = get("modalitesExecution")
        if value is not None:
            row.execution_modalities = _labels(value, "modaliteExecution", _MODALITIES) or _enum_list(
                value, "execution_modality", "modaliteExecution", "modalitesExecution", reasons
            )
    value = get("idAccordCadre")
    if value is not None:
        row.framework_id = _text(value, "idAccordCadre", reasons, anomalies)[:64]
    if is_2024:  # marcheInnovant, ccag, offresRecues and attributionAvance are 2024-only fields
        value = get("marcheInnovant")
        row.innovative = value if type(value) is bool else _boolean(value, "marcheInnovant", reasons)
        value = get("ccag")
        row.ccag = (type(value) is str and _CCAGS.get(value)) or _enum(value, "ccag", "ccag", reasons)
        value = get("offresRecues")
        if type(value) is int and 0 <= value <= 2_000_000_000:
            row.offers_received = value
        else:
            row.offers_received = _integer(value, "offresRecues", reasons, anomalies)
        if row.offers_received == 0:
            anomalies.append("offres_recues_nulles")
        value = get("attributionAvance")
        row.advance = value if type(value) is bool else _boolean(value, "attributionAvance", reasons)
    value = get("tauxAvance")
    if value is not None:
        row.advance_rate = _share(value, "tauxAvance", reasons, anomalies)
    if row.advance is False and row.advance_rate:
        anomalies.append("taux_avance_sans_avance")
    if is_2024:  # typeGroupementOperateurs and sousTraitanceDeclaree are 2024-only fields
        value = get("typeGroupementOperateurs")
        row.grouping = (type(value) is str and _GROUPINGS.get(value)) or _enum(
            value, "grouping", "typeGroupementOperateurs", reasons
        )
        value = get("sousTraitanceDeclaree")
        row.subcontracting_declared = (
            value if type(value) is bool else _boolean(value, "sousTraitanceDeclaree", reasons)
        )
    value = get("actesSousTraitance")
    if value is not None:
        row.subcontracting_acts = _subcontracting(value, reasons, anomalies)
    value = get("formePrix")
    row.price_form = (type(value) is str and _PRICE_FORMS.get(value)) or _enum(
        value, "price_form", "formePrix", reasons
    )
    if is_2024:  # typesPrix is a 2024-only field
        value = get("typesPrix")
        if value is not None:
            row.price_types = _labels(value, "typePrix", _PRICE_TYPES) or _enum_list(
                value, "price_type", "typePrix", "typesPrix", reasons
            )
    value = get("origineUE")
    if value is not None:
        row.eu_origin_share = _share(value, "origineUE", reasons, anomalies)
    value = get("origineFrance")
    if value is not None:
        row.fr_origin_share = _share(value, "origineFrance", reasons, anomalies)
    if (
        row.eu_origin_share is not None
        and row.fr_origin_share is not None
        and row.fr_origin_share > row.eu_origin_share
    ):
        anomalies.append("origine_france_superieure_ue")


# --- fast paths: the usual shapes, giving what the general helpers give (they return None otherwise) ----

_MARKET_KIND = enums.ContractKind.MARKET
_CONCESSION_KIND = enums.ContractKind.CONCESSION
_POSTCODE = enums.PlaceType.POSTCODE
_CENT = Decimal("0.01")
# Exact published strings already mapped by each vocabulary (labels repeat: nearly all are found here). A
# string mapped to None (unknown label) is not a hit: the general _enum then gives the reason.
_NATURES = _VOCABS["nature"].exact
_PROCEDURES = _VOCABS["procedure"].exact
_PLACE_TYPES = _VOCABS["place_type"].exact
_SOCIAL = _VOCABS["social_consideration"].exact
_ENVIRONMENTAL = _VOCABS["environmental_consideration"].exact
_TECHNIQUES = _VOCABS["technique"].exact
_MODALITIES = _VOCABS["execution_modality"].exact
_CCAGS = _VOCABS["ccag"].exact
_GROUPINGS = _VOCABS["grouping"].exact
_PRICE_FORMS = _VOCABS["price_form"].exact
_PRICE_TYPES = _VOCABS["price_type"].exact
_IDENTIFIER_TYPES = _VOCABS["identifier_type"].exact


def _labels(value, key: str, exact: dict) -> tuple[str, ...] | None:
    """An enumeration list in its usual shapes, ``{key: [labels]}`` or ``[labels]``, when every label is an
    exact published string already mapped; None otherwise (the caller then uses ``_enum_list``)."""
    if type(value) is dict:
        if len(value) != 1:
            return None
        value = value.get(key)
    if type(value) is not list:
        return None
    if len(value) == 1:  # most lists hold one label
        item = value[0]
        result = exact.get(item) if type(item) is str else None
        return None if result is None else (result,)
    values = []
    for item in value:
        result = exact.get(item) if type(item) is str else None
        if result is None:
            return None
        if result not in values:
            values.append(result)
    return tuple(values)


def _plain_amount(value) -> Decimal | None:
    """A published amount that ``_amount`` keeps as is: an ``int`` or ``float`` strictly between 0 and
    ABSURD_AMOUNT (no anomaly, no reason); None otherwise. NaN fails both comparisons."""
    kind = type(value)
    if kind is float:
        if 0.0 < value < 999_999_999.0:
            return Decimal(repr(value)).quantize(_CENT)
    elif kind is int and 0 < value < 999_999_999:
        return Decimal(value).quantize(_CENT)
    return None


def _plain_holders(value, key: str) -> tuple[Holder, ...] | None:
    """Holders of a non-empty list of objects, each either the holder or the usual ``{key: {...}}``
    wrapper, when every holder was already read without anomaly from the same three published values;
    None otherwise (the caller then uses ``_holders``)."""
    if type(value) is not list or not value:
        return None
    holders = []
    for item in value:
        if type(item) is not dict:
            return None
        if len(item) == 1 and key in item:
            item = item[key]
            if type(item) is not dict or (len(item) == 1 and key in item):
                return None
        try:
            holder = _PLAIN_HOLDERS.get((item.get("typeIdentifiant"), item.get("id"), item.get("denominationSociale")))
        except TypeError:  # an unhashable value: not the usual shape
            return None
        if holder is None:
            return None
        if holder not in holders:
            holders.append(holder)
    return tuple(holders)


_V2_ONLY = frozenset(
    {
        "considerationsSociales",
        "considerationsEnvironnementales",
        "techniques",
        "modalitesExecution",
        "typesPrix",
        "ccag",
        "offresRecues",
        "marcheInnovant",
        "attributionAvance",
        "typeGroupementOperateurs",
        "sousTraitanceDeclaree",
    }
)


def raw_identifiers(raw) -> tuple[str, str]:
    """Best-effort (buyer SIRET, id) of a record, even a rejected one, for the quarantine."""
    if not isinstance(raw, dict):
        return "", ""
    buyer = _get(raw, "acheteur", "id") or _get(raw, "autoriteConcedante", "id") or ""
    return str(buyer)[:32], str(raw.get("id") or "")[:64]


def raw_json(raw) -> str:
    return json.dumps(raw, ensure_ascii=False, default=str)


def _plain_modifications(value) -> tuple[Modification, ...] | None:
    """Modifications of a marché in the usual shape: a list of objects, each the modification or its
    ``{"modification": {...}}`` wrapper, whose fields all take a fast path above (integers in range, dates
    and holders already read, plain amounts and texts) and so give no anomaly; None otherwise (the caller
    then uses ``_modifications``)."""
    if type(value) is not list:
        return None
    parsed = []
    for index, item in enumerate(value):
        if type(item) is not dict:
            return None
        if len(item) == 1 and "modification" in item:
            item = item["modification"]
            if type(item) is not dict or (len(item) == 1 and "modification" in item):
                return None
        get = item.get
        number = get("id")
        if number is not None and not (type(number) is int and 0 <= number <= 2_000_000_000):
            return None
        published = get("datePublicationDonneesModification")
        if published is not None:
            published = _PLAUSIBLE_DATES.get(published) if type(published) is str else None
            if published is None:
                return None
        notified = get("dateNotificationModification")
        if notified is not None:
            notified = _PLAUSIBLE_DATES.get(notified) if type(notified) is str else None
            if notified is None:
                return None
        duration = get("dureeMois")
        if duration is not None and not (type(duration) is int and 0 <= duration <= 2_000_000_000):
            return None
        amount = get("montant")
        if amount is not None:
            amount = _plain_amount(amount)
            if amount is None:
                return None
        holders = get("titulaires")
        if holders is not None:
            holders = _plain_holders(holders, "titulaire")
            if holders is None:
                return None
        text = get("objetModification")
        if text is None:
            text = ""
        elif type(text) is str and (text.isascii() or not _TO_REPAIR.search(text)):
            text = text.strip()
        else:
            return None
        parsed.append((number, index, notified, published, duration, amount, holders, text))
    return _ranked(parsed)
