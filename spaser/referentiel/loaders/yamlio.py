"""YAML reading that keeps the line of every mapping, key and list item, so errors name file, line and field."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self):
        where = f"{self.file}, ligne {self.line}" if self.line else self.file
        return f"{where}, champ « {self.field} » : {self.message}"


class ReferentielFileError(Exception):
    """One or more problems in a data file; nothing was loaded."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class LocatedDict(dict):
    line: int = 0
    key_lines: dict


class LocatedList(list):
    line: int = 0
    item_lines: list


def _line(node) -> int:
    return node.start_mark.line + 1


def _build(node, loader, file):
    if isinstance(node, yaml.MappingNode):
        result = LocatedDict()
        result.line = _line(node)
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                raise ReferentielFileError([Problem(file, _line(key_node), str(key), "clé en double")])
            result[key] = _build(value_node, loader, file)
            result.key_lines[key] = _line(key_node)
        return result
    if isinstance(node, yaml.SequenceNode):
        result = LocatedList(_build(item, loader, file) for item in node.value)
        result.line = _line(node)
        result.item_lines = [_line(item) for item in node.value]
        return result
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str):
    """Parses one YAML document into LocatedDict/LocatedList trees; a syntax error becomes a Problem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ReferentielFileError([Problem(file, 1, "(fichier)", "le fichier est vide")])
        return _build(node, loader, file)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = f"YAML invalide : {error.problem or error}"
        raise ReferentielFileError([Problem(file, line, "(syntaxe)", message)]) from error
    except yaml.YAMLError as error:
        raise ReferentielFileError([Problem(file, None, "(syntaxe)", f"YAML invalide : {error}")]) from error
    finally:
        loader.dispose()


def read_yaml(path: Path | str):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReferentielFileError([Problem(str(path), None, "(fichier)", f"lecture impossible : {error}")]) from error
    return parse_yaml(text, path.name)


_MISSING = object()


class Checker:
    """Collects problems while reading a located tree; `raise_if_any()` at the end."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def error(self, line, field, message):
        self.problems.append(Problem(self.file, line, field, message))

    def raise_if_any(self):
        if self.problems:
            raise ReferentielFileError(self.problems)

    # --- structure -----------------------------------------------------------------------------
    def mapping(self, value, field, line=None) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.error(getattr(value, "line", None) or line, field, "un dictionnaire (clé: valeur) est attendu")
        return None

    def keys(self, mapping: LocatedDict, allowed, field):
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.key_lines.get(key, mapping.line), f"{field}.{key}" if field else key, "clé inconnue"
                )

    def items(self, mapping: LocatedDict, key, field, required=False):
        """Yields (index, line, item) for a list value; an absent optional list yields nothing."""
        value = mapping.get(key, _MISSING)
        path = f"{field}.{key}" if field else key
        if value is _MISSING or value is None:
            if required:
                self.error(mapping.line, path, "liste obligatoire absente")
            return
        if not isinstance(value, LocatedList):
            self.error(mapping.key_lines.get(key, mapping.line), path, "une liste est attendue")
            return
        for index, (item, line) in enumerate(zip(value, value.item_lines, strict=True)):
            yield index, line, item

    def line_of(self, mapping: LocatedDict, key):
        return mapping.key_lines.get(key, mapping.line)

    # --- scalars -------------------------------------------------------------------------------
    def _get(self, mapping, key, field, required):
        value = mapping.get(key, _MISSING)
        path = f"{field}.{key}" if field else key
        if value is _MISSING or value is None or value == "":
            if required:
                self.error(mapping.line, path, "valeur obligatoire absente")
            return _MISSING, path
        return value, path

    def string(self, mapping, key, field, *, required=True, max_length=None, default=""):
        value, path = self._get(mapping, key, field, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            self.error(self.line_of(mapping, key), path, "un texte est attendu")
            return default
        value = str(value).strip()
        if max_length and len(value) > max_length:
            self.error(self.line_of(mapping, key), path, f"texte trop long ({len(value)} > {max_length} caractères)")
        return value

    def choice(self, mapping, key, field, choices, *, required=True, default=""):
        value = self.string(mapping, key, field, required=required, default=default)
        if value and value not in choices:
            path = f"{field}.{key}" if field else key
            self.error(
                self.line_of(mapping, key), path, f"valeur « {value} » inconnue (attendu : {', '.join(choices)})"
            )
            return default
        return value

    def integer(self, mapping, key, field, *, required=True, minimum=None, maximum=None):
        value, path = self._get(mapping, key, field, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(self.line_of(mapping, key), path, "un nombre entier est attendu")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(self.line_of(mapping, key), path, f"{value} hors de l'intervalle [{minimum}, {maximum}]")
            return None
        return value

    def decimal(self, mapping, key, field, *, required=True):
        value, path = self._get(mapping, key, field, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool):
            self.error(self.line_of(mapping, key), path, "un nombre est attendu")
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            self.error(self.line_of(mapping, key), path, "un nombre est attendu")
            return None

    def date(self, mapping, key, field, *, required=True):
        value, path = self._get(mapping, key, field, required)
        if value is _MISSING:
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.error(self.line_of(mapping, key), path, "une date AAAA-MM-JJ est attendue")
            return None
        return value

    def boolean(self, mapping, key, field, *, default=False):
        value = mapping.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.error(self.line_of(mapping, key), f"{field}.{key}", "true ou false est attendu")
            return default
        return value

    def string_list(self, mapping, key, field, *, required=False):
        result = []
        for _index, line, item in self.items(mapping, key, field, required=required):
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.error(line, f"{field}.{key}", "une liste de textes est attendue")
                continue
            result.append((str(item), line))
        return result
