"""Loading the référentiels in the database: defaults, lossless SPASER export, all-or-nothing imports."""

import pytest
from django.core.management import call_command

from spaser.referentiel.exports import spaser_yaml
from spaser.referentiel.loaders.spaser_file import load_spaser_file
from spaser.referentiel.loaders.yamlio import ReferentielFileError
from spaser.referentiel.models import Chantier, Criterion, Family, Indicator, Spaser, Target, Threshold
from spaser.referentiel.selectors import spaser_export_data
from spaser.referentiel.services import (
    DEFAULT_SPASER_FILE,
    criteria_load_file,
    referentiel_defaults_ensure,
    spaser_load_file,
)


def test_default_load_gives_three_axes_twenty_chantiers_twenty_five_indicators(defaults_loaded):
    spaser = Spaser.objects.get(organisation=defaults_loaded)
    assert spaser.axes.count() == 3
    assert spaser.chantiers.count() >= 20
    assert spaser.indicators.count() >= 25
    energy = Indicator.objects.get(code="B-II-1")
    assert (energy.baseline_year, energy.baseline_value) == (2010, 0)
    assert list(energy.targets.values_list("year", "value")) == [(2030, -40)]
    assert Target.objects.get(indicator__code="PNAD-SOC").value == 30
    assert Family.objects.count() >= 18 and Criterion.objects.count() >= 40 and Threshold.objects.exists()


def test_defaults_are_loaded_once_and_never_overwrite_edits(defaults_loaded):
    chantier = Chantier.objects.get(code="A-I")
    chantier.title = "Titre modifié par l'administrateur"
    chantier.save()
    assert referentiel_defaults_ensure(organisation=defaults_loaded) == []
    chantier.refresh_from_db()
    assert chantier.title == "Titre modifié par l'administrateur"


def test_export_load_export_is_identical(defaults_loaded, tmp_path):
    spaser = Spaser.objects.get(organisation=defaults_loaded)
    first = spaser_yaml(spaser)
    path = tmp_path / "export.yaml"
    path.write_text(first, encoding="utf-8")
    spaser.delete()
    reloaded = spaser_load_file(path=path)
    assert reloaded.pk != spaser.pk
    assert spaser_yaml(reloaded) == first


def test_a_spaser_file_loads_for_another_buyer(defaults_loaded, other_region, tmp_path):
    path = tmp_path / "export.yaml"
    path.write_text(spaser_yaml(Spaser.objects.get(organisation=defaults_loaded)), encoding="utf-8")
    copy = spaser_load_file(path=path, organisation=other_region)
    assert copy.organisation == other_region and copy.chantiers.count() >= 20


def test_export_holds_everything_the_default_file_says(defaults_loaded):
    spaser = Spaser.objects.get(organisation=defaults_loaded)
    assert spaser_export_data(spaser) == load_spaser_file(DEFAULT_SPASER_FILE)


def test_reloading_updates_in_place_and_removes_what_the_file_dropped(defaults_loaded):
    from spaser.referentiel.services import spaser_import

    indicator_pk = Indicator.objects.get(code="B-II-1").pk
    data = load_spaser_file(DEFAULT_SPASER_FILE)
    energy = data["themes"][3]["chantiers"][0]["indicators"][0]
    assert energy["code"] == "B-II-1"
    energy["targets"] = [{"year": 2030, "value": -45}]
    dropped = data["themes"][0]["chantiers"].pop(0)["code"]
    spaser_import(data=data, organisation=defaults_loaded)
    indicator = Indicator.objects.get(code="B-II-1")
    assert indicator.pk == indicator_pk  # matched by code: its history and links survive
    assert list(indicator.targets.values_list("value", flat=True)) == [-45]
    assert not Chantier.objects.filter(code=dropped).exists()
    assert indicator.history.count() == 1  # only its creation: unchanged fields are not rewritten


def test_bad_file_loads_nothing(region, tmp_path):
    text = DEFAULT_SPASER_FILE.read_text(encoding="utf-8").replace("value: -49", "valeur: -49", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferentielFileError) as excinfo:
        spaser_load_file(path=path, organisation=region)
    assert "bad.yaml, ligne" in str(excinfo.value)
    assert not Spaser.objects.exists() and not Chantier.objects.exists()


def test_load_spaser_command_reports_file_line_and_field(region, tmp_path):
    from django.core.management.base import CommandError

    text = DEFAULT_SPASER_FILE.read_text(encoding="utf-8").replace("          - year: 2030\n", "          - \n", 1)
    path = tmp_path / "mauvais.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_spaser", str(path))
    assert "mauvais.yaml, ligne" in str(excinfo.value)
    assert "targets[0].year" in str(excinfo.value)
    assert not Spaser.objects.exists()


def test_criteria_file_with_unknown_family_loads_nothing(defaults_loaded, tmp_path):
    from spaser.referentiel.services import DEFAULT_CRITERIA_FILE

    before = list(Criterion.objects.order_by("code").values_list("code", "title"))
    text = DEFAULT_CRITERIA_FILE.read_text(encoding="utf-8").replace("[ENERGIE]", "[ENERGIE, FAMILLE-INCONNUE]", 1)
    text = text.replace("title: Critère d'attribution environnemental", "title: Titre changé", 1)
    path = tmp_path / "criteres.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferentielFileError) as excinfo:
        criteria_load_file(path=path)
    assert "FAMILLE-INCONNUE" in str(excinfo.value) and "criteres.yaml, ligne" in str(excinfo.value)
    assert list(Criterion.objects.order_by("code").values_list("code", "title")) == before


def test_export_and_load_commands_round_trip(defaults_loaded, tmp_path):
    path = tmp_path / "spaser.yaml"
    call_command("export_spaser", "--output", str(path))
    call_command("load_spaser", str(path))
    again = tmp_path / "again.yaml"
    call_command("export_spaser", "--output", str(again))
    assert path.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")


def test_load_referentiels_command_is_idempotent(defaults_loaded):
    counts = (Family.objects.count(), Criterion.objects.count(), Threshold.objects.count())
    history = Criterion.history.count()
    call_command("load_referentiels")
    assert (Family.objects.count(), Criterion.objects.count(), Threshold.objects.count()) == counts
    assert Criterion.history.count() == history  # nothing changed, nothing logged
