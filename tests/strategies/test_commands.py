import io

import pytest
from django.core.management import CommandError, call_command

from spaser.strategies.models import ProgrammeEntry
from tests.strategies.test_programme import ROWS, messy_workbook


def test_import_programme_is_a_dry_run_unless_wet_run(tmp_path, organisation, direction):
    path = tmp_path / "programmation.xlsx"
    path.write_bytes(messy_workbook(ROWS))
    out = io.StringIO()
    call_command("import_programme", str(path), organisation=organisation.siret, year=2026, stdout=out)
    assert "3 ligne(s) valide(s), 2 invalide(s)" in out.getvalue()
    assert "ligne 10 invalide" in out.getvalue()
    assert not ProgrammeEntry.objects.exists()
    call_command("import_programme", str(path), organisation=organisation.siret, year=2026, wet_run=True, stdout=out)
    assert ProgrammeEntry.objects.filter(organisation=organisation).count() == 3


def test_import_programme_unknown_organisation(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(messy_workbook(ROWS))
    with pytest.raises(CommandError):
        call_command("import_programme", str(path), organisation="00000000000000", year=2026)
