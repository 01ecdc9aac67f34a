import csv
import io

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from spaser.accounts.enums import Role
from spaser.accounts.perms import request_has_role
from spaser.contracts.anomalies import kind_of
from spaser.core.decorators import role_required
from spaser.imports import progress, uploads
from spaser.imports.enums import ImportKind
from spaser.imports.forms import DecpUploadForm
from spaser.imports.models import ImportRun, QuarantinedRecord
from spaser.imports.services import import_run_create


@require_GET
@role_required()
def run_list_view(request):
    runs = ImportRun.objects.visible_to(request.user, request.organisation).select_related("created_by")
    page = Paginator(runs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/run_list.html",
        {"page": page, "query": "", "can_upload": request_has_role(request, Role.BUYER, Role.ADMIN)},
    )


def _run_context(request, pk):
    run = get_object_or_404(ImportRun.objects.visible_to(request.user, request.organisation), pk=pk)
    state = progress.read(run.pk)
    short = run.retention_is_short
    return {
        "run": run,
        "progress": state,
        "percent": progress.percent(state),
        "retention_short": short,
        "retention_days": (
            settings.SPASER_IMPORT_RETENTION_FAILED_DAYS if short else settings.SPASER_IMPORT_RETENTION_DAYS
        ),
    }


@require_GET
@role_required()
def run_detail_view(request, pk):
    context = _run_context(request, pk)
    run = context["run"]
    context["quarantine_count"] = run.quarantine.count()
    # DECP anomalies by their French label, code beside (a SIRENE run counts other things under its own words).
    context["anomaly_counts"] = [
        (f"{kind_of(code).label} ({code})" if run.kind == ImportKind.DECP else code, count)
        for code, count in run.anomalies_by_code.items()
    ]
    return render(request, "imports/run_detail.html", context)


@require_GET
@role_required()
def run_progress_view(request, pk):
    """Fragment polled by htmx while the import runs; once finished, htmx reloads the page (summary)."""
    context = _run_context(request, pk)
    response = render(request, "imports/_run_progress.html", context)
    if context["run"].is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _quarantine(request):
    records = QuarantinedRecord.objects.visible_to(request.user, request.organisation).select_related("run")
    run_id = request.GET.get("run", "")
    if run_id.isdigit():
        records = records.filter(run_id=run_id)
    return records.order_by("-run_id", "kind", "position"), run_id if run_id.isdigit() else ""


@require_GET
@role_required()
def quarantine_view(request):
    records, run_id = _quarantine(request)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/quarantine.html",
        {"page": page, "run_id": run_id, "query": f"run={run_id}" if run_id else ""},
    )


@require_GET
@role_required()
def quarantine_export_view(request):
    records, _ = _quarantine(request)

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(["import", "fichier", "liste", "position", "acheteur_siret", "id", "motifs", "enregistrement"])
        for record in records.iterator(chunk_size=2000):
            writer.writerow(
                [
                    record.run_id,
                    record.file_name,
                    record.kind,
                    record.position,
                    record.buyer_siret,
                    record.external_id,
                    " | ".join(record.reasons),
                    record.raw,
                ]
            )
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantaine.csv"'
    return response


@csrf_exempt  # the CSRF check reads the body: it runs in _upload, once the size limit is in place
@require_http_methods(["GET", "POST"])
@role_required(Role.BUYER, Role.ADMIN)
def upload_view(request):
    limit = settings.SPASER_UPLOAD_MAX_BYTES
    if request.method == "POST":
        if uploads.declared_length(request) > limit + uploads.FORM_OVERHEAD:
            # Refused before reading the body: nothing is received, nothing changes (no CSRF check needed).
            return _upload_page(request, _too_large_form(limit), status=413)
        request.upload_handlers.insert(0, uploads.SizeLimitUploadHandler(request, limit))
    return _upload(request)


@csrf_protect
def _upload(request):
    form = DecpUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "upload_too_large", False):
        return _upload_page(request, _too_large_form(settings.SPASER_UPLOAD_MAX_BYTES), status=413)
    if request.method == "POST" and form.is_valid():
        from spaser.imports.tasks import decp_import_task

        upload = form.cleaned_data["file"]
        run = import_run_create(
            file_name=upload.name,
            dry_run=form.cleaned_data["dry_run"],
            by=request.user,
            organisation=request.organisation,
            upload=upload,
        )
        transaction.on_commit(lambda: decp_import_task(run.pk))
        messages.success(request, "Le fichier est déposé : son import a commencé.")
        url = reverse("imports:run_detail", args=[run.pk])
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            # Sent by upload.js (upload progress): the script goes to the journal page itself.
            return HttpResponse(status=204, headers={"X-Redirect-To": url})
        return redirect(url)
    return _upload_page(request, form, status=200)


def _too_large_form(limit):
    form = DecpUploadForm(data={})
    form.is_valid()
    form.errors["file"] = form.error_class([uploads.too_large_message(limit)])
    return form


def _upload_page(request, form, *, status):
    return render(
        request,
        "imports/upload.html",
        {"form": form, "max_bytes": settings.SPASER_UPLOAD_MAX_BYTES},
        status=status,
    )
