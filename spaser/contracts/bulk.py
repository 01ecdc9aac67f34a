"""Fast multi-row INSERTs for the import (the ORM's bulk_create costs ~20 µs per value in Python).

Values are adapted with the database backend's own adapters (dates, decimals, JSON), once per field type,
so the same code writes to SQLite and PostgreSQL. Used only inside the import's transaction. Statements run on
the driver's own cursor inside ``connection.wrap_database_errors``: their errors are Django's (``IntegrityError``).
"""

import contextlib
import datetime as dt
import json
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, connection, models, transaction


def _json_converter(field):
    """The field's own preparation (the hot paths give JSON already encoded, through ``prepared`` inserters)."""
    return lambda value: None if value is None else field.get_db_prep_save(value, connection)


def _memo(convert):
    """Same object as the previous row (the batch's timestamp): adapt it once."""
    last = [object(), None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


# Prepared values in the types that SQLite's driver binds without looking for an adapter: any other type
# (bool, date, Decimal) costs a lookup in the adapter registry, per value, a quarter of the time of binding a
# contract (measured). What is stored does not change: SQLite stores booleans as 0/1, dates as ISO text,
# decimals as str() (Django's adapters); PostgreSQL's COPY reads the same text.
SQL_BOOL = {None: None, True: 1, False: 0}


_ISO_DATES: dict = {None: None}


def sql_date(value):
    """ISO text of a date, memoised: a file holds a few thousand distinct dates, and ``isoformat()`` costs ten
    times a dictionary look-up (0.2 µs; a contract has four dates, a modification two)."""
    try:
        return _ISO_DATES[value]
    except KeyError:
        text = value.isoformat()
        if len(_ISO_DATES) < 50_000:
            _ISO_DATES[value] = text
        return text


def sql_decimal(value):
    return None if value is None else str(value)


def _converter(field):
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return _json_converter(field)
    if isinstance(field, models.DateTimeField):
        return _memo(lambda value: None if value is None else ops.adapt_datetimefield_value(value))
    if isinstance(field, models.DateField):
        if ops.adapt_datefield_value(dt.date(2000, 1, 2)) == "2000-01-02":  # str(date), as both backends do
            return sql_date
        return lambda value: None if value is None else ops.adapt_datefield_value(value)
    if isinstance(field, models.DecimalField):
        sample = Decimal("1.10")
        if ops.adapt_decimalfield_value(sample, field.max_digits, field.decimal_places) is sample:
            return None  # the driver adapts Decimal itself: nothing to do per value
        return lambda value: (
            None if value is None else ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
        )
    return None


class Inserter:
    """INSERT of many rows given as tuples in the order of ``field_names`` (attnames: ``buyer_id``)."""

    def __init__(
        self,
        model,
        field_names: list[str],
        *,
        returning: list[str] | None = None,
        conflict_columns: list[str] | None = None,
        prepared: bool = False,
    ):
        """``conflict_columns``: rows that would break that unique key are skipped (not an error) and
        ``returning`` then gives only the rows actually inserted. ``prepared``: the caller already gives
        every value in the form both drivers take (JSON as text, no list or dict): no adaptation pass."""
        meta = model._meta
        fields = [meta.get_field(name) for name in field_names]  # names or attnames ("buyer_id")
        self.fields = fields
        self.columns = [field.column for field in fields]
        self.prepared = prepared
        self.converters = [(index, conv) for index, field in enumerate(fields) if (conv := _converter(field))]
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        self.returning = [meta.get_field(name).column for name in returning or []]
        self.returning_names = returning or []
        self.field_names = field_names
        self.conflict_columns = [meta.get_field(name).column for name in conflict_columns or []]
        # Rows per multi-row statement (SQLite allows 32,766 variables per statement).
        self.rows_per_statement = max(1, min(100, 30_000 // len(self.columns)))
        self.sequence: str | None = None  # PostgreSQL: the primary key's sequence, looked up once

    def _adapt(self, rows):
        if self.prepared:
            return rows
        self.converters = [(index, _converter(self.fields[index])) for index, _ in self.converters]
        if not self.converters:
            return rows
        # Column by column: one map() per converted column rather than a Python loop per value.
        columns = list(zip(*rows, strict=True))
        for index, convert in self.converters:
            columns[index] = map(convert, columns[index])
        return list(zip(*columns, strict=True))

    def insert(self, rows, *, pending: "PendingCopy | None" = None) -> list[tuple]:
        """Inserts the rows; returns the ``returning`` columns of each inserted row (order not guaranteed). With
        ``pending`` (rows neither returned nor conflicting), PostgreSQL's COPY is left to the server."""
        if not rows:
            return []
        rows = self._adapt(rows)
        if self.conflict_columns:
            return self._copy_staged(rows) if connection.vendor == "postgresql" else self._insert_sqlite_skipping(rows)
        if not self.returning:
            self._write(list(self.columns), rows, pending)
            return []
        rows = [(pk, *row) for pk, row in zip(self.reserve_ids(len(rows)), rows, strict=True)]
        self.insert_identified(rows)
        return self._returned(rows)

    def update(self, rows) -> None:
        """UPDATE of existing rows by primary key: the last of ``field_names`` is the primary key, the others
        are the columns written. SQLite: one prepared UPDATE run for every row (executemany); PostgreSQL:
        COPY into a temporary staging table, then one ``UPDATE ... FROM``."""
        if not rows:
            return
        rows = self._adapt(rows)
        quote = connection.ops.quote_name
        *columns, key = (quote(column) for column in self.columns)
        table = quote(self.table)
        with connection.cursor() as wrapper, connection.wrap_database_errors:
            if connection.vendor != "postgresql":
                assignments = ", ".join(f"{column} = ?" for column in columns)
                wrapper.cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = ?", rows)
                return
            stage = quote(f"stage_update_{self.table}")
            listed = ", ".join([*columns, key])
            wrapper.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS SELECT {listed} FROM {table} WITH NO DATA"
            )
            wrapper.execute(f"TRUNCATE {stage}")
            with wrapper.cursor.copy(f"COPY {stage} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            assignments = ", ".join(f"{column} = s.{column}" for column in columns)
            wrapper.execute(f"UPDATE {table} AS t SET {assignments} FROM {stage} AS s WHERE t.{key} = s.{key}")

    def _write(self, columns, rows, pending: "PendingCopy | None" = None) -> None:
        """PostgreSQL: COPY (psycopg parses a statement with thousands of placeholders slowly, in Python); with
        ``pending``, sent without waiting for the server to store it (``PendingCopy``). SQLite: one prepared
        single-row INSERT run for every row (``executemany``): SQLite compiles it once and binds each row in C,
        faster than multi-row statements for wide rows; SQLite's own "?" placeholders on the raw cursor
        (Django rewrites "%s" with a regular expression)."""
        quote = connection.ops.quote_name
        listed = ", ".join(quote(c) for c in columns)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                writer = pending.writer(cursor.cursor) if pending is not None else None
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({listed}) FROM STDIN", writer=writer) as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        sql = f"INSERT INTO {quote(self.table)} ({listed}) VALUES ({', '.join(['?'] * len(columns))})"
        with connection.cursor() as wrapper, connection.wrap_database_errors:
            wrapper.cursor.executemany(sql, rows)

    def _returned(self, rows) -> list[tuple]:
        """The ``returning`` columns of rows whose first value is the primary key."""
        positions = [0 if name in ("id", "pk") else 1 + self.field_names.index(name) for name in self.returning_names]
        return [tuple(row[position] for position in positions) for row in rows]

    def _insert_sqlite_skipping(self, rows) -> list[tuple]:
        """SQLite, rows that may conflict (``conflict_columns``): multi-row ``INSERT ... ON CONFLICT DO NOTHING
        RETURNING`` of a fixed number of rows, then single-row ones for the rest; only the rows actually
        inserted come back.

        Only two statement texts per table: the driver caches prepared statements by text, and each keeps
        its last bound values, so statements of every possible length would make memory grow with the file."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        placeholder = "(" + ", ".join(["?"] * len(self.columns)) + ")"
        head = f"INSERT INTO {quote(self.table)} ({columns}) VALUES "
        conflict = ", ".join(quote(column) for column in self.conflict_columns)
        tail = f" ON CONFLICT ({conflict}) DO NOTHING"
        if self.returning:
            tail += " RETURNING " + ", ".join(quote(column) for column in self.returning)
        size = self.rows_per_statement
        many_sql = head + ", ".join([placeholder] * size) + tail
        one_sql = head + placeholder + tail
        full = len(rows) - len(rows) % size
        returned = []
        with connection.cursor() as wrapper, connection.wrap_database_errors:
            cursor = wrapper.cursor
            for start in range(0, full, size):
                cursor.execute(many_sql, [value for row in rows[start : start + size] for value in row])
                if self.returning:
                    returned.extend(cursor.fetchall())
            if self.returning:
                for row in rows[full:]:
                    cursor.execute(one_sql, row)
                    returned.extend(cursor.fetchall())
            elif full < len(rows):
                cursor.executemany(one_sql, rows[full:])
        return returned

    def reserve_ids(self, count: int) -> list[int]:
        """``count`` primary keys taken for rows written later by ``insert_identified`` (no other insert can
        take them: the sequence on PostgreSQL, ``sqlite_sequence`` on SQLite)."""
        if not count:
            return []
        if connection.vendor != "postgresql":
            return list(_reserve_sqlite_ids(self.table, self.pk_column, count))
        with connection.cursor() as cursor:
            if self.sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, self.pk_column])
                self.sequence = cursor.fetchone()[0]
            # The sequence as a constant: pg_get_serial_sequence() in the select list ran its catalog lookup
            # once per id, 8 times the cost of nextval() itself (7 ms for 1,000 ids instead of under 1).
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequence, count])
            return [row[0] for row in cursor.fetchall()]

    def insert_identified(self, rows, *, pending: "PendingCopy | None" = None) -> None:
        """Inserts rows whose first value is their primary key, taken by ``reserve_ids`` (instead of read back
        row by row). On PostgreSQL with ``pending``, the COPY is left to the server (``PendingCopy``)."""
        if rows:
            self._write([self.pk_column, *self.columns], rows, pending)

    def _copy_staged(self, rows) -> list[tuple]:
        """PostgreSQL, skipping conflicting rows: COPY into a temporary staging table, then one
        ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` (COPY itself cannot skip a row)."""
        quote = connection.ops.quote_name
        stage = quote(f"stage_{self.table}")
        columns = ", ".join(quote(c) for c in self.columns)
        conflict = ", ".join(quote(c) for c in self.conflict_columns)
        returning = " RETURNING " + ", ".join(quote(c) for c in self.returning) if self.returning else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS "
                f"SELECT {columns} FROM {quote(self.table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {stage}")
            with cursor.cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {quote(self.table)} ({columns}) SELECT {columns} FROM {stage} "
                f"ON CONFLICT ({conflict}) DO NOTHING{returning}"
            )
            return [tuple(row) for row in cursor.fetchall()] if self.returning else []


class PendingCopy:
    """PostgreSQL: the last COPY of a batch is sent whole, then left to the server while this process reads and
    normalises the next batch, instead of waiting for the server to store it (it stores more slowly than
    this process sends). ``settle()`` reads its result, raises its error if any, then runs the statements
    that had to follow it; it must be called before the connection is used again, and ``discard()`` on the
    way out of a failing import. One COPY at most is pending: a second one settles the first.

    Built on psycopg's documented COPY writers (``psycopg.copy.LibpqWriter``) and its libpq generators: the
    writer's ``finish`` sends the end of the COPY and flushes it, but does not read the result."""

    def __init__(self):
        self.sent = False
        self.after: list[tuple[str, list]] = []

    def writer(self, cursor):
        from psycopg.copy import LibpqWriter

        self.settle()
        pending = self

        class SendOnlyWriter(LibpqWriter):
            def finish(self, exc=None):
                if exc is not None:
                    return super().finish(exc)
                self.connection.wait(_send_copy_end(self._pgconn))
                pending.sent = True

        return SendOnlyWriter(cursor)

    def then(self, sql: str, params=None) -> None:
        """Runs ``sql`` after the pending COPY (at once when none is pending)."""
        if self.sent:
            self.after.append((sql, params or []))
            return
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])

    def settle(self) -> None:
        if not self.sent:
            return
        from psycopg import errors, pq

        self.sent = False
        after, self.after = self.after, []
        raw = connection.connection
        with connection.wrap_database_errors:
            for result in _read_results(raw):
                if result.status != pq.ExecStatus.COMMAND_OK:
                    raise errors.error_from_result(result, encoding=raw.info.encoding)
        with connection.cursor() as cursor:
            for sql, params in after:
                cursor.execute(sql, params)

    def discard(self) -> None:
        """Reads the pending result without raising (the transaction is being rolled back anyway), so that the
        connection can run the ROLLBACK. Goes by the connection's own state, not only by ``sent``: an
        interruption (Ctrl-C) while the end of the COPY was being sent, or while its result was being read,
        leaves a result to read that ``sent`` does not announce."""
        self.sent, self.after = False, []
        if connection.vendor != "postgresql" or connection.connection is None:
            return
        from psycopg import pq

        raw = connection.connection
        if raw.pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
            with contextlib.suppress(Exception):
                _read_results(raw)


def _read_results(raw):
    """The results the server sent for the last statement (psycopg's libpq generator, without raising)."""
    from psycopg import generators

    return raw.wait(generators.fetch_many(raw.pgconn))


def _send_copy_end(pgconn):
    """libpq generator: the end of the COPY queued and flushed to the server; its result is not read."""
    from psycopg.waiting import Wait

    while pgconn.put_copy_end(None) == 0:
        while not (yield Wait.W):
            continue
    while True:
        while not (yield Wait.W):
            continue
        if pgconn.flush() == 0:
            break


def _reserve_sqlite_ids(table: str, pk_column: str, count: int) -> range:
    """Reserve ``count`` primary keys of an AUTOINCREMENT table (Django's SQLite tables are): one write on
    ``sqlite_sequence`` moves its counter past them, so no other insert, in this transaction or a later one,
    can take them; SQLite lets only one transaction write at a time."""
    quote = connection.ops.quote_name
    highest = f"(SELECT coalesce(max({quote(pk_column)}), 0) FROM {quote(table)})"
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        cursor = wrapper.cursor
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, {highest}) + ? WHERE name = ? RETURNING seq", (count, table)
        )
        found = cursor.fetchone()
        if found is None:  # no row yet: nothing was ever inserted in this table
            cursor.execute(
                f"INSERT INTO sqlite_sequence (name, seq) SELECT ?, {highest} + ? RETURNING seq", (table, count)
            )
            found = cursor.fetchone()
    last = found[0]
    return range(last - count + 1, last + 1)


SELECT_CHUNK = 500
# JSON as both backends' JSONField writes it (json.dumps, ASCII-escaped): stored text stays the same.
json_text = json.JSONEncoder().encode


def select_pairs(model, key_columns: list[str], value_columns: list[str], keys) -> list[tuple]:
    """Rows (``value_columns``) of ``model`` whose ``key_columns`` take one of the ``keys`` (tuples), through
    the unique index on those columns; keys are sent in chunks of a fixed size (padded by repeating the
    last key) so that the driver prepares one statement text only: a row may come back twice."""
    keys = list(keys)
    if not keys:
        return []
    quote = connection.ops.quote_name
    width = len(key_columns)
    table = quote(model._meta.db_table)
    selected = ", ".join(quote(c) for c in value_columns)
    if connection.vendor == "postgresql":
        # One JSON array per key column, zipped by ROWS FROM: psycopg dumps a list of strings as an array
        # literal in Python (3 ms per thousand keys), the JSON encoder in C (0.4 ms).
        arrays = ", ".join(["json_array_elements_text(%s::json)"] * width)
        names = ", ".join(f"k{i}" for i in range(1, width + 1))
        on = " AND ".join(f"t.{quote(c)} = k.k{i}" for i, c in enumerate(key_columns, 1))
        selected = ", ".join(f"t.{quote(c)}" for c in value_columns)
        sql = f"SELECT {selected} FROM ROWS FROM ({arrays}) AS k({names}) JOIN {table} AS t ON {on}"
        with connection.cursor() as cursor:
            columns = list(zip(*keys, strict=True)) if width > 1 else [keys]
            cursor.execute(sql, [json_text(list(column)) for column in columns])
            return cursor.fetchall()
    if width > 1:
        # A join on a VALUES list: SQLite plans a row-value "IN (VALUES ...)" as a scan of the whole index.
        values = "VALUES " + ", ".join(["(" + ", ".join(["?"] * width) + ")"] * SELECT_CHUNK)
        on = " AND ".join(f"t.{quote(c)} = k.column{i}" for i, c in enumerate(key_columns, 1))
        selected = ", ".join(f"t.{quote(c)}" for c in value_columns)
        sql = f"SELECT {selected} FROM ({values}) AS k JOIN {table} AS t ON {on}"
    else:
        sql = f"SELECT {selected} FROM {table} WHERE {quote(key_columns[0])} IN ({', '.join(['?'] * SELECT_CHUNK)})"
    found = []
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        cursor = wrapper.cursor
        for start in range(0, len(keys), SELECT_CHUNK):
            chunk = keys[start : start + SELECT_CHUNK]
            chunk += [chunk[-1]] * (SELECT_CHUNK - len(chunk))
            cursor.execute(sql, [value for key in chunk for value in key] if width > 1 else chunk)
            found.extend(cursor.fetchall())
    return found


class ReferenceChecks:
    """PostgreSQL: the foreign keys of rows written in bulk checked once, set-based, before the import commits,
    instead of by one trigger call per row and per key (docs/adr/0003).

    ``root`` is the model whose rows are written with explicit ids (contracts); ``children`` the models whose
    rows hang from it by ``child_key`` (holders and modifications). Inside ``writing()``, the session runs
    with ``session_replication_role = replica``: PostgreSQL neither checks nor queues the foreign-key
    triggers of what it writes there. ``writing()`` brackets those writes and keeps every root id the written
    rows carry; ``verify()``
    then checks every foreign key of those rows in one pass per table and takes the same row locks the
    triggers would have taken (``FOR KEY SHARE``), so that no referenced row can be deleted before the commit.
    A missing reference raises ``IntegrityError``, and the whole import rolls back.

    Used only when it is safe and allowed: PostgreSQL, inside a transaction, the role may set the parameter
    (superuser, or ``GRANT SET ON PARAMETER session_replication_role``), and the tables have no trigger but
    the foreign keys' own (a trigger of ours would be skipped too). Otherwise ``active`` is False and every
    method does nothing: the usual deferred checks at COMMIT apply."""

    written_table = "bulk_written_ids"

    def __init__(self, root, children: list[tuple[type[models.Model], str]], *, enabled: bool = True):
        self.root = root
        self.children = children
        tables = [root._meta.db_table, *(model._meta.db_table for model, _ in children)]
        self.active = enabled and _replica_allowed(tables)
        if self.active:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.written_table} (id bigint NOT NULL) ON COMMIT DROP"
                )
                cursor.execute(f"TRUNCATE {self.written_table}")

    @contextlib.contextmanager
    def writing(self, pending: PendingCopy | None = None):
        """Bulk writes whose foreign keys ``verify()`` checks (when active; checked as usual otherwise). Yields a
        list for the root ids the written rows carry: their own ids and their children's keys. With
        ``pending``, the closing statements wait for a COPY left pending by the last write."""
        written: list[int] = []
        if not self.active:
            yield written
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield written  # on an exception the transaction rolls back, and the setting with it
        closing = [("SET LOCAL session_replication_role = origin", [])]
        if written:
            closing.append(
                (
                    f"INSERT INTO {self.written_table} (id) "
                    "SELECT value::bigint FROM json_array_elements_text(%s::json)",
                    [json_text(sorted(set(written)))],
                )
            )
        pending = pending or PendingCopy()  # none pending: run at once
        for sql, params in closing:
            pending.then(sql, params)

    def verify(self) -> None:
        if not self.active:
            return
        quote = connection.ops.quote_name
        root_table, root_pk = quote(self.root._meta.db_table), quote(self.root._meta.pk.column)
        written = f"(SELECT id FROM {self.written_table})"
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.written_table}")
            # Every root id a written row carries exists (the children's key to the root included); these rows
            # were inserted or updated by this transaction: no other one can delete them before it commits.
            cursor.execute(
                f"SELECT DISTINCT w.id FROM {self.written_table} AS w "
                f"WHERE NOT EXISTS (SELECT 1 FROM {root_table} AS t WHERE t.{root_pk} = w.id) LIMIT 5"
            )
            missing = [row[0] for row in cursor.fetchall()]
            if missing:
                raise IntegrityError(f"{self.root._meta.db_table} : identifiants introuvables {missing}")
            scopes = [(self.root, f"t.{root_pk} IN {written}", None)]
            scopes += [
                (model, f"t.{quote(model._meta.get_field(key).column)} IN {written}", key)
                for model, key in self.children
            ]
            for model, scope, root_key in scopes:
                keys = [f for f in model._meta.concrete_fields if f.is_relation and f.name != root_key]
                if keys:
                    self._verify_keys(cursor, model, keys, scope)

    @staticmethod
    def _verify_keys(cursor, model, keys, scope) -> None:
        """One pass over the written rows of ``model`` gathers the distinct values of each foreign key; each
        referenced table then locks the rows it holds of them, and must hold them all."""
        quote = connection.ops.quote_name
        gathered = ", ".join(
            f"array_agg(DISTINCT t.{quote(f.column)}) FILTER (WHERE t.{quote(f.column)} IS NOT NULL)" for f in keys
        )
        cursor.execute(f"SELECT {gathered} FROM {quote(model._meta.db_table)} AS t WHERE {scope}")
        for field, values in zip(keys, cursor.fetchone(), strict=True):
            if not values:
                continue
            target = field.target_field
            table, column = quote(target.model._meta.db_table), quote(target.column)
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE OF {table}", [values])
            held = {row[0] for row in cursor.fetchall()}
            if len(held) != len(values):
                missing = sorted(set(values) - held)[:5]
                raise IntegrityError(
                    f"{model._meta.db_table}.{field.column} : références introuvables dans "
                    f"{target.model._meta.db_table} {missing}"
                )


def _replica_allowed(tables: list[str]) -> bool:
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        if cursor.fetchone()[0] != "origin":
            return False
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal", [tables]
        )
        if cursor.fetchone()[0]:
            return False
        try:
            with transaction.atomic():  # a savepoint: a refusal must not abort the import's transaction
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL session_replication_role = origin")
        except DatabaseError:
            return False
    return True
