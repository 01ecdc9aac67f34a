"""Import orchestration: one file → one journal entry (ImportRun), all or nothing in one transaction.

The pipeline (``pipelines/``) extracts and normalises without a database; the target apps' services
write (``contracts.services.ContractLoader``). Records that cannot be understood go to the quarantine with
their reasons; a file that cannot be read as a whole (truncated, not DECP, XML with a DTD) leaves the
database as it was and its journal entry says why.
"""

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import logging
import time
import zlib
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from spaser.contracts.services import ContractLoader
from spaser.geo.selectors import PlaceResolver
from spaser.imports import progress
from spaser.imports.enums import ImportKind, ImportStatus
from spaser.imports.models import ImportRun, QuarantinedRecord
from spaser.imports.pipelines import decp, decp_source

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
EMBEDDED_DECP_DIR = Path(__file__).resolve().parent / "data" / "decp"
QUARANTINE_RAW_MAX = 100_000
QUARANTINE_FLUSH_CHARS = 4_000_000


class ImportAborted(Exception):
    """The file was not imported (the journal entry holds the reason)."""


UNEXPECTED_ERROR = (
    "Erreur inattendue pendant l'import : rien n'a été importé. Le détail technique est dans le journal du "
    "serveur (import n° {pk}) ; signalez-le à l'équipe technique si le problème se répète."
)
NO_RECORD_WARNING = (
    "Aucun enregistrement trouvé dans le fichier : il est lisible mais ne contient ni marché ni contrat de "
    "concession (liste « marches » vide ou absente de ses sous-listes). Vérifiez que c'est le bon fichier."
)


def import_run_create(
    *, file_name: str, kind: str = ImportKind.DECP, dry_run: bool = False, by=None, organisation=None, upload=None
):
    """A journal entry, pending. For an upload, its size and the format told by its first bytes are known at
    once (the worker checks the whole file afterwards)."""
    run = ImportRun(kind=kind, file_name=file_name[:255], dry_run=dry_run, created_by=by, organisation=organisation)
    if upload is not None:
        run.uploaded_file = upload
        run.file_size = upload.size or 0
        upload.seek(0)
        run.file_format = decp_source.sniff(upload.read(4096), file_name)
        upload.seek(0)
    run.save()
    return run


def decp_import_file(
    *, path: Path, dry_run: bool = False, by=None, run: ImportRun | None = None, on_progress=None
) -> ImportRun:
    """Import one DECP file. Returns its journal entry, succeeded or failed; never half an import."""
    path = Path(path)
    run = run or import_run_create(file_name=path.name, dry_run=dry_run, by=by)
    run.status = ImportStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at", "updated_at"])
    last_check = [0.0]

    def report_check(done_bytes: int, total_bytes: int):
        now = time.monotonic()
        if now - last_check[0] < 0.5 and done_bytes < total_bytes:
            return
        last_check[0] = now
        progress.publish(run.pk, done_bytes=done_bytes, total_bytes=total_bytes, phase=progress.CHECK)

    try:
        info = decp_source.inspect(path, progress=report_check)
    except decp_source.SourceError as exc:
        return _fail(run, str(exc))
    except Exception:
        logger.exception("Import DECP %s : vérification du fichier en échec", run.file_name)
        _fail(run, UNEXPECTED_ERROR.format(pk=run.pk))
        raise
    run.file_size = info.size
    run.file_sha256 = info.sha256
    run.file_format = f"{info.format.upper()} ({info.encoding}{', gzip' if info.compressed else ''})"
    run.save(update_fields=["file_size", "file_sha256", "file_format", "updated_at"])
    # An earlier attempt on the same file that never finished was killed: say so in the journal.
    ImportRun.objects.filter(file_sha256=info.sha256, status=ImportStatus.RUNNING).exclude(pk=run.pk).update(
        status=ImportStatus.FAILED,
        error="Import interrompu (processus arrêté) : rien n'a été importé.",
        finished_at=timezone.now(),
    )

    counts = Counter()
    rejected_by_reason = Counter()
    last_report = [0.0]

    def report(done_bytes: int):
        now = time.monotonic()
        if now - last_report[0] < 1.0:  # the progress bar polls every second; each report is a write
            return
        last_report[0] = now
        progress.publish(run.pk, done_bytes=done_bytes, total_bytes=info.size, read=counts["read"])
        if on_progress is not None:
            on_progress(done_bytes, info.size, counts["read"])

    try:
        with _bulk_session(), transaction.atomic():
            loader = ContractLoader(
                run=run, source_file=run.file_name, place_resolver=PlaceResolver(), set_based_checks=True
            )
            try:
                for batch, quarantine in _decp_batches(path, info, run, counts, rejected_by_reason, report):
                    if quarantine:
                        loader.settle()
                        QuarantinedRecord.objects.bulk_create(quarantine)
                    loader.load(batch)
                loader.finish()
            except BaseException:
                loader.discard()
                raise
            counts.update(loader.stats.outcomes)
            _finish(run, counts, rejected_by_reason, loader.stats.anomalies)
            if dry_run:
                transaction.set_rollback(True)
    except decp_source.SourceError as exc:
        return _fail(run, str(exc))
    except Exception:
        logger.exception("Import DECP %s en échec", run.file_name)
        _fail(run, UNEXPECTED_ERROR.format(pk=run.pk))
        raise
    finally:
        progress.clear(run.pk)
    if dry_run:
        # The transaction was rolled back with everything else; the journal keeps the simulation's counts.
        _finish(run, counts, rejected_by_reason, loader.stats.anomalies)
    logger.info(
        "Import DECP %s : %s lus, %s créés, %s mis à jour, %s inchangés, %s fusionnés, %s rejetés",
        run.file_name,
        run.read_count,
        run.created_count,
        run.updated_count,
        run.unchanged_count,
        run.merged_count,
        run.rejected_count,
    )
    return run


def _decp_batches(path, info, run, counts, rejected_by_reason, report):
    """(records and rows, quarantined records) of each batch of the file: reading and normalising only, no
    database access. Counts ``read`` and the rejections.

    Quarantined records are handed over by thousands (or 4 MB of text), not with every batch: writing them
    makes the loader wait for the contracts it left to PostgreSQL (``PendingCopy``), and a file with a few
    rejections per thousand would make it wait at nearly every batch."""
    batch, quarantine, quarantine_chars = [], [], 0
    for record in decp_source.iter_records(path, info, progress=report):
        counts["read"] += 1
        try:
            row = decp.transform(record.data, kind=record.kind)
        except decp.RowRejected as exc:
            counts["rejected"] += 1
            rejected_by_reason.update(set(exc.codes))
            buyer, external_id = decp.raw_identifiers(record.data)
            quarantine.append(
                QuarantinedRecord(
                    run=run,
                    file_name=run.file_name,
                    position=record.position,
                    kind=record.kind,
                    buyer_siret=buyer,
                    external_id=external_id,
                    reasons=exc.reasons,
                    raw=(record.text or decp.raw_json(record.data))[:QUARANTINE_RAW_MAX],
                )
            )
            quarantine_chars += len(quarantine[-1].raw)
            if len(quarantine) >= BATCH_SIZE or quarantine_chars >= QUARANTINE_FLUSH_CHARS:
                yield [], quarantine
                quarantine, quarantine_chars = [], 0
            continue
        batch.append((record, row))
        if len(batch) >= BATCH_SIZE:
            yield batch, []
            batch = []
    yield batch, quarantine


@contextlib.contextmanager
def _bulk_session():
    """Settings of a bulk write, restored afterwards.

    - SQLite: a page cache of 96 MB instead of 2 MB for this connection: fewer index pages (buyer and id,
      buyer and date, date: scattered keys) written out and read back during a long import. A first import
      of a million records took 151 and 153 s with 96 MB, 156 and 159 s with 64 MB, for a peak RSS of 291 MB
      instead of 258 MB (target 300 MB; docs/benchmarks.md, session 5: an earlier "2.4 times faster" compared
      a first import with a re-import). Durability and atomicity are unchanged: same journal mode, same
      synchronous level, one transaction.
    - The cyclic garbage collector: objects alive before the import are frozen and collections are rarer;
      each batch creates tens of thousands of containers, and every full collection walked the id caches.
    """
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            previous_cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -98304")
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if sqlite and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous_cache)}")


def _finish(run, counts, rejected_by_reason, anomalies):
    run.status = ImportStatus.SUCCEEDED
    run.warning = NO_RECORD_WARNING if not counts["read"] and run.kind == ImportKind.DECP else ""
    run.finished_at = timezone.now()
    run.read_count = counts["read"]
    run.created_count = counts["created"]
    run.updated_count = counts["updated"]
    run.unchanged_count = counts["unchanged"]
    run.merged_count = counts["merged"]
    run.rejected_count = counts["rejected"]
    run.rejected_by_reason = dict(rejected_by_reason.most_common())
    run.anomalies_by_code = dict(anomalies.most_common())
    run.error = ""
    run.save()


def _fail(run, message: str) -> ImportRun:
    run.refresh_from_db()  # the rolled-back transaction may have left stale values on the instance
    run.status = ImportStatus.FAILED
    run.finished_at = timezone.now()
    run.error = message
    for name in ("read_count", "created_count", "updated_count", "unchanged_count", "merged_count", "rejected_count"):
        setattr(run, name, 0)
    run.save()
    logger.warning("Import %s refusé : %s", run.file_name, message)
    return run


def decp_import_embedded() -> list[ImportRun]:
    """Imports the real files of ``data/decp`` not yet imported (same SHA-256 already succeeded: skipped)."""
    runs = []
    for path in sorted(EMBEDDED_DECP_DIR.glob("*.json.gz")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        done = ImportRun.objects.filter(file_sha256=digest, status=ImportStatus.SUCCEEDED, dry_run=False)
        if not done.exists():
            runs.append(decp_import_file(path=path))
    return runs


def sirene_import_file(*, path: Path, dry_run: bool = False, by=None) -> ImportRun:
    """Enriches the known suppliers (or establishments) from a SIRENE stock file, streamed.

    Rows of companies that hold no contract are skipped (counted as ``hors_perimetre``): the national
    stock has tens of millions of rows, the platform needs the holders of its contracts.
    """
    from spaser.geo.models import Commune
    from spaser.imports.pipelines import sirene
    from spaser.suppliers.models import Establishment, Supplier
    from spaser.suppliers.services import establishment_enrich_many, supplier_enrich_many

    path = Path(path)
    run = import_run_create(file_name=path.name, kind=ImportKind.SIRENE_UNITS, dry_run=dry_run, by=by)
    run.status = ImportStatus.RUNNING
    run.started_at = timezone.now()
    run.file_size = path.stat().st_size
    run.save()
    try:
        kind, rows = sirene.iter_rows(path)
    except sirene.SireneFormatError as exc:
        return _fail(run, str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        return _fail(run, decp_source.gzip_error_french(exc))
    run.kind = ImportKind.SIRENE_UNITS if kind == sirene.UNITS else ImportKind.SIRENE_ESTABLISHMENTS
    run.file_format = "CSV SIRENE"
    counts, skipped = Counter(), Counter()
    now = timezone.now()
    line = 1
    try:
        with transaction.atomic():
            if kind == sirene.UNITS:
                known = set(Supplier.objects.exclude(siren__isnull=True).values_list("siren", flat=True))
                key, values_of, write = "siren", sirene.unit_values, supplier_enrich_many
                extra = {}
            else:
                known = set(Establishment.objects.values_list("siret", flat=True))
                key, values_of, write = "siret", sirene.establishment_values, establishment_enrich_many
                extra = {
                    "communes": {
                        code: (pk, lat, lon)
                        for code, pk, lat, lon in Commune.objects.values_list("code", "pk", "latitude", "longitude")
                    }
                }
            batch = {}
            for row in rows:
                line += 1  # line 1 is the header
                identifier = (row.get(key) or "").strip()
                if identifier not in known:
                    skipped["hors_perimetre"] += 1
                    continue
                counts["read"] += 1
                batch[identifier] = values_of(row)
                if len(batch) >= BATCH_SIZE:
                    _sirene_write(write, batch, extra, now, counts, key)
                    batch = {}
            _sirene_write(write, batch, extra, now, counts, key)
            _finish(run, counts, Counter(), skipped)
            if dry_run:
                transaction.set_rollback(True)
    except csv.Error as exc:
        return _fail(run, f"CSV SIRENE illisible vers la ligne {line + 1} : {_csv_error_french(exc)}.")
    except (OSError, EOFError, zlib.error) as exc:
        return _fail(run, decp_source.gzip_error_french(exc))
    if dry_run:
        _finish(run, counts, Counter(), skipped)
    return run


def _csv_error_french(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            "un champ dépasse la longueur maximale acceptée (131 072 caractères), sans doute à cause d'un "
            "guillemet non fermé"
        )
    if "NUL" in text:
        return "caractère nul dans le texte : fichier binaire ou mal encodé"
    if "new-line character seen in unquoted field" in text:
        return "retour à la ligne au milieu d'un champ sans guillemets"
    return "ligne CSV mal formée (guillemets ou séparateurs)"


def _sirene_write(write, batch, extra, now, counts, key):
    if not batch:
        return
    argument = "values_by_siren" if key == "siren" else "values_by_siret"
    updated, unchanged = write(**{argument: batch}, now=now, **extra)
    counts["updated"] += updated
    counts["unchanged"] += unchanged
    # The same identifier twice in one batch (should not happen in a stock file) is counted once.
    counts["merged"] += len(batch) - updated - unchanged


def import_files_purge(*, now=None) -> int:
    """Deletes the uploaded files whose retention period is over; their journal entries stay, marked.

    Failed imports, simulations and files without any record go after ``SPASER_IMPORT_RETENTION_FAILED_DAYS``
    days, the others after ``SPASER_IMPORT_RETENTION_DAYS``; a pending or running import keeps its file.
    Returns the number of files deleted."""
    now = now or timezone.now()
    short_before = now - dt.timedelta(days=settings.SPASER_IMPORT_RETENTION_FAILED_DAYS)
    long_before = now - dt.timedelta(days=settings.SPASER_IMPORT_RETENTION_DAYS)
    short_lived = Q(status=ImportStatus.FAILED) | Q(status=ImportStatus.SUCCEEDED) & (Q(dry_run=True) | ~Q(warning=""))
    kept_long = Q(status=ImportStatus.SUCCEEDED, dry_run=False, warning="")
    expired = (
        ImportRun.objects.exclude(uploaded_file="")
        .filter(file_deleted_at__isnull=True)
        .annotate(ended=Coalesce("finished_at", "created_at"))
        .filter(short_lived & Q(ended__lt=short_before) | kept_long & Q(ended__lt=long_before))
        .only("pk", "uploaded_file", "file_name")
    )
    deleted = 0
    for run in expired.iterator(chunk_size=200):
        try:
            run.uploaded_file.storage.delete(run.uploaded_file.name)
        except OSError:
            logger.exception("Fichier d'import %s (n° %s) impossible à supprimer", run.uploaded_file.name, run.pk)
            continue
        ImportRun.objects.filter(pk=run.pk).update(uploaded_file="", file_deleted_at=now)
        deleted += 1
    return deleted
