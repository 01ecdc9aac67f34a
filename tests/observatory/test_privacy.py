"""Plant private records, then search every public output (pages, API, exports, feeds) for them."""

import io
import json
import zipfile
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.indicators.models import ManualValue
from spaser.observatory import exports
from spaser.observatory.models import ContactRequest
from spaser.referentiel.enums import SpaserStatus
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.contracts.factories import ContractFactory, ContractHolderFactory, SupplierFactory
from tests.referentiel.factories import ChantierFactory, IndicatorFactory, SpaserFactory
from tests.strategies.factories import ProgrammeEntryFactory, PurchaseProjectFactory

SECRETS = {
    "unpublished indicator": "Zorglub-indicateur-non-publie",
    "draft spaser": "Zorglub-schema-en-projet",
    "draft form": "Zorglub-fiche-brouillon",
    "unpublished plan entry": "Zorglub-programmation-interne",
    "user email": "zorglub.agent@exemple-prive.fr",
    "user name": "Zorglubine",
    "contact company": "Zorglub-entreprise-contact",
    "contact email": "zorglub.contact@entreprise-privee.fr",
    "contact message": "Zorglub-message-confidentiel",
    "pilot comment": "Zorglub-commentaire-pilote",
    "proof link": "zorglub-preuve.example",
    "chantier pilot": "Zorglub-Pilote-Personne",
    "holder name": "Zorglub-Entrepreneur-Individuel",
    "exact amount": "987654",
}


def _plant(home, published_indicator):
    IndicatorFactory(chantier=published_indicator.chantier, label=SECRETS["unpublished indicator"], code="IND-PRIV")
    draft = SpaserFactory(organisation=home, status=SpaserStatus.DRAFT, title=SECRETS["draft spaser"])
    IndicatorFactory(chantier=ChantierFactory(spaser=draft), code="IND-DRAFT-SPASER")
    published_indicator.chantier.pilot = SECRETS["chantier pilot"]
    published_indicator.chantier.save()
    user = UserFactory(email=SECRETS["user email"], first_name=SECRETS["user name"])
    MembershipFactory(organisation=home, role=Role.BUYER, user=user)
    PurchaseProjectFactory(organisation=home, subject=SECRETS["draft form"], created_by=user)
    ProgrammeEntryFactory(organisation=home, is_published=False, subject=SECRETS["unpublished plan entry"])
    ProgrammeEntryFactory(organisation=home, is_published=True, estimated_amount=Decimal("987654.32"))
    ContactRequest.objects.create(
        organisation=home,
        company=SECRETS["contact company"],
        contact_name=SECRETS["user name"],
        email=SECRETS["contact email"],
        subject="Question",
        message=SECRETS["contact message"],
        consent=True,
    )
    ManualValue.objects.create(
        indicator=published_indicator,
        year=2025,
        value=Decimal("21"),
        comment=SECRETS["pilot comment"],
        proof_link=f"https://{SECRETS['proof link']}/doc.pdf",
        entered_by=user,
    )
    contract = ContractFactory(buyer=home, considerations_published=True, social_clause=True)
    supplier = SupplierFactory(name=SECRETS["holder name"])
    ContractHolderFactory(contract=contract, supplier=supplier, name=SECRETS["holder name"])


def _public_urls(client):
    urls = [
        reverse("observatory:home"),
        reverse("observatory:key_figures", args=[2024]),
        reverse("observatory:key_figures", args=[2025]),
        reverse("observatory:indicator", args=["IND-PUB"]),
        reverse("observatory:territory"),
        reverse("observatory:plan"),
        reverse("observatory:plan_csv"),
        reverse("observatory:plan_ical"),
        reverse("observatory:opendata"),
        reverse("observatory:contact"),
        reverse("observatory:contact_sent"),
        reverse("referentiel:index"),
        reverse("api:index"),
        reverse("api:schema"),
        reverse("api:docs"),
        reverse("api:families"),
        reverse("api:criteria"),
        reverse("api:indicators"),
        reverse("api:indicator", args=["IND-PUB"]),
        reverse("api:plan"),
        reverse("api:contract_aggregates"),
    ]
    for slug in exports.DATASETS:
        urls.append(reverse("observatory:schema", args=[slug]))
        for fmt in sorted(exports.FORMATS):
            urls.append(reverse("observatory:dataset", args=[slug, fmt]))
    return urls


def _readable(response) -> str:
    body = response.content
    if body[:2] == b"PK":  # XLSX: search every XML part of the archive
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    text = body.decode("utf-8")
    if response["Content-Type"].startswith("application/json"):
        text += json.dumps(json.loads(text), ensure_ascii=False)  # unescaped form too
    return text


def test_no_public_output_leaks_private_records(home, published_indicator, settings, open_data):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    _plant(home, published_indicator)
    client = Client()
    searched = 0
    leaks = []
    for url in _public_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _readable(response)
        searched += 1
        leaks += [f"{url}: {kind}" for kind, secret in SECRETS.items() if secret.lower() in text.lower()]
    assert searched > 30
    assert not leaks, leaks


def test_the_search_would_see_a_leak(home, published_indicator, open_data):
    """The planted records are really there: publishing one makes the search above find it."""
    _plant(home, published_indicator)
    from spaser.observatory.models import PublishedIndicator
    from spaser.referentiel.models import Indicator

    PublishedIndicator.objects.create(indicator=Indicator.objects.get(code="IND-PRIV"), is_public=True)
    text = _readable(Client().get(reverse("observatory:dataset", args=["spaser", "xlsx"])))
    assert "IND-PRIV" in text
    home_page = Client().get(reverse("observatory:home")).content.decode()
    assert SECRETS["unpublished indicator"] in home_page
