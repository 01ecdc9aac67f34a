from django.core.files.uploadedfile import SimpleUploadedFile

from spaser.accounts.enums import Role
from spaser.strategies.models import Attachment, ProgrammeImport, ProjectContract
from tests.contracts.factories import ContractFactory
from tests.permission_matrix import Expect
from tests.referentiel.factories import CriterionFactory, FamilyFactory
from tests.strategies.factories import ProgrammeEntryFactory, PurchaseProjectFactory

# Every member reads; "outsider" (an administrator of another organisation) lists its own (empty) pages and gets
# 404 on this organisation's objects where its role lets it in, 403 where its role does not.
MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}
EDITORS = {"anonymous": 302, "buyer": 200, "prescriber": 200, "outsider": 403, "*": 403}
BUYERS = {"anonymous": 302, "buyer": 200, "outsider": 403, "*": 403}
OBJECT_READ = {"anonymous": 302, "staff": 403, "outsider": 404, "*": 200}


def _project(ctx):
    return {"pk": PurchaseProjectFactory(organisation=ctx.organisation).pk}


def _attachment(ctx):
    project = PurchaseProjectFactory(organisation=ctx.organisation)
    attachment = Attachment.objects.create(
        project=project,
        label="Étude de sourçage",
        file=SimpleUploadedFile("sourcage.txt", b"compte rendu"),
        uploaded_by=ctx.users[Role.BUYER.value],
    )
    return {"pk": project.pk, "attachment_pk": attachment.pk}


def _foreign_project(ctx):
    return {"pk": PurchaseProjectFactory(organisation=ctx.other_organisation).pk}


def _project_and_item(ctx):
    family = FamilyFactory()
    project = PurchaseProjectFactory(organisation=ctx.organisation, family=family)
    return {"pk": project.pk, "criterion_pk": CriterionFactory(families=[family]).pk}


def _transition(name, **project_kwargs):
    def kwargs(ctx):
        project = PurchaseProjectFactory(organisation=ctx.organisation, **project_kwargs)
        return {"pk": project.pk, "transition": name}

    return kwargs


def _validated_project(ctx):
    return {"pk": PurchaseProjectFactory(organisation=ctx.organisation, validated=True).pk}


def _link(ctx):
    project = PurchaseProjectFactory(organisation=ctx.organisation, validated=True)
    link = ProjectContract.objects.create(project=project, contract=ContractFactory(buyer=ctx.organisation))
    return {"pk": project.pk, "link_pk": link.pk}


# Acheteurs and administrators confirm or detach; a post without contract or reason redirects with a message.
LINKERS = {"anonymous": 302, "buyer": 302, "admin": 302, "outsider": 404, "*": 403}
REPORT_READERS = {"anonymous": 302, "admin": 200, "buyer": 200, "pilot": 200, "outsider": 200, "*": 403}


def _entry(ctx):
    return {"pk": ProgrammeEntryFactory(organisation=ctx.organisation).pk}


def _import(ctx):
    pending = ProgrammeImport.objects.create(
        organisation=ctx.organisation,
        uploaded_by=ctx.users[Role.BUYER.value],
        filename="programmation.xlsx",
        content=b"pas un classeur",
        year=2026,
    )
    return {"pk": pending.pk}


EXPECTATIONS = [
    Expect("strategies:project_list", status=MEMBERS),
    Expect("strategies:project_export", status=MEMBERS),
    Expect("strategies:project_create", status=EDITORS),
    Expect("strategies:project_detail", kwargs=_project, status=OBJECT_READ),
    # Another organisation's project does not exist for anyone here except its own members.
    Expect(
        "strategies:project_detail",
        kwargs=_foreign_project,
        status={"anonymous": 302, "staff": 403, "outsider": 200, "*": 404},
    ),
    Expect("strategies:project_print", kwargs=_project, status=OBJECT_READ),
    # An empty upload is refused with a message and a redirect to the form's page.
    Expect(
        "strategies:attachment_add",
        method="post",
        kwargs=_project,
        status={"anonymous": 302, "buyer": 302, "prescriber": 302, "*": 403},
    ),
    Expect("strategies:attachment_download", kwargs=_attachment, status=OBJECT_READ),
    Expect("strategies:project_pdf", kwargs=_project, status=OBJECT_READ),
    Expect("strategies:project_edit", kwargs=_project, status=EDITORS),
    Expect(
        "strategies:project_edit",
        kwargs=_foreign_project,
        status={"anonymous": 302, "buyer": 404, "prescriber": 404, "*": 403},
    ),
    Expect("strategies:project_checklist", method="post", kwargs=_project, status=EDITORS),
    # Adding a référentiel item redirects back to the form (a missing version is refused with a message).
    Expect(
        "strategies:project_add_item",
        method="post",
        kwargs=_project_and_item,
        status={"anonymous": 302, "buyer": 302, "prescriber": 302, "*": 403},
    ),
    # A submitted form: only acheteurs may ask for changes; a bad form posts back to the detail page.
    Expect(
        "strategies:project_transition",
        method="post",
        kwargs=_transition("request_changes", submitted=True),
        status={"anonymous": 302, "buyer": 302, "outsider": 404, "staff": 403, "*": 403},
    ),
    Expect(
        "strategies:project_transition",
        method="post",
        kwargs=_transition("give_opinion", in_review=True),
        status={"anonymous": 302, "environment": 302, "outsider": 404, "staff": 403, "*": 403},
    ),
    Expect(
        "strategies:project_transition",
        method="post",
        kwargs=_transition("submit"),
        status={"anonymous": 302, "buyer": 302, "prescriber": 302, "outsider": 404, "staff": 403, "*": 403},
    ),
    Expect("strategies:project_contract_confirm", method="post", kwargs=_validated_project, status=LINKERS),
    # A draft cannot be linked to a published contract, whoever asks.
    Expect(
        "strategies:project_contract_confirm",
        method="post",
        kwargs=_project,
        status={"anonymous": 302, "outsider": 404, "*": 403},
    ),
    Expect("strategies:project_contract_unlink", method="post", kwargs=_link, status=LINKERS),
    Expect("strategies:commune_suggestions", status=EDITORS),
    Expect("strategies:reconciliation", status=REPORT_READERS),
    Expect("strategies:reconciliation_csv", status=REPORT_READERS),
    Expect("strategies:reconciliation_xlsx", status=REPORT_READERS),
    Expect("strategies:programme_list", status=MEMBERS),
    Expect("strategies:programme_export", status=MEMBERS),
    Expect("strategies:programme_entry_create", status=EDITORS),
    Expect(
        "strategies:programme_entry_edit",
        kwargs=_entry,
        status={"anonymous": 302, "buyer": 200, "prescriber": 200, "*": 403},
    ),
    Expect(
        "strategies:programme_entry_to_project",
        method="post",
        kwargs=_entry,
        status={"anonymous": 302, "buyer": 302, "prescriber": 302, "*": 403},
    ),
    Expect("strategies:programme_publish", method="post", status={"anonymous": 302, "buyer": 302, "*": 403}),
    Expect("strategies:programme_import", status=BUYERS),
    Expect(
        "strategies:programme_import_preview",
        kwargs=_import,
        status={"anonymous": 302, "buyer": 200, "*": 403},
    ),
    Expect("strategies:settings", status={"anonymous": 302, "admin": 200, "buyer": 200, "outsider": 200, "*": 403}),
]
