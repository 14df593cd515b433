"""Tests of the committed unit register (geo/data) and its loaders; no database, no network."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from geo import register
from geo.build_register import largest_remainder, round_half_up

CENSUS_TOTAL = 96_208_984
# Island districts of 2020-21 without a commune level.
COMMUNELESS_DISTRICTS = {"318", "471", "498", "536", "755"}


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return register.load_units()


@pytest.fixture(scope="module")
def provinces() -> pl.DataFrame:
    return register.load_provinces()


@pytest.fixture(scope="module")
def regions() -> pl.DataFrame:
    return register.load_regions()


def level(units: pl.DataFrame, name: str) -> pl.DataFrame:
    return units.filter(pl.col("level") == name)


def test_counts_per_level(units):
    counts = dict(units.group_by("level").len().iter_rows())
    assert counts == {"province": 63, "district": 705, "commune": 10_603}
    assert units.height == 11_371


def test_codes_are_unique_strings_of_the_right_width(units):
    assert units.schema["code"] == pl.String
    assert units["code"].n_unique() == units.height
    widths = units.select("level", width=pl.col("code").str.len_chars()).unique().sort("level")
    assert dict(widths.iter_rows()) == register.CODE_WIDTHS
    assert units["code"].str.contains(r"^\d+$").all()


def test_loader_types_keep_leading_zeros(units, provinces):
    for column in ("code", "parent_code", "province_code", "district_code", "region_code", "iso_code"):
        assert units.schema[column] == pl.String
    assert units.schema["population"] == pl.Int64
    assert units.schema["eligible_population"] == pl.Int64
    assert provinces.schema["gso_code"] == pl.String
    assert provinces.schema["population_2019"] == pl.Int64
    assert provinces["gso_code"].str.len_chars().eq(2).all()


def test_file_is_sorted_by_level_then_code(units):
    order = {name: i for i, name in enumerate(register.LEVELS)}
    keys = [(order[lv], code) for lv, code in units.select("level", "code").iter_rows()]
    assert keys == sorted(keys)


def test_every_parent_exists_with_the_right_level(units):
    level_of = dict(units.select("code", "level").iter_rows())
    expected_parent_level = {"district": "province", "commune": "district"}
    assert level(units, "province")["parent_code"].is_null().all()
    for lv, parent in units.filter(pl.col("level") != "province").select("level", "parent_code").iter_rows():
        assert level_of[parent] == expected_parent_level[lv]


def test_province_and_district_codes_are_consistent(units):
    provinces = level(units, "province")
    assert (provinces["province_code"] == provinces["code"]).all()
    assert provinces["district_code"].is_null().all()
    districts = level(units, "district")
    assert (districts["district_code"] == districts["code"]).all()
    assert (districts["province_code"] == districts["parent_code"]).all()
    communes = level(units, "commune")
    assert (communes["district_code"] == communes["parent_code"]).all()
    district_province = dict(districts.select("code", "province_code").iter_rows())
    for district, province in communes.select("district_code", "province_code").iter_rows():
        assert district_province[district] == province


def test_province_populations_equal_the_census(units, provinces):
    registered = level(units, "province").select("code", "population")
    assert registered["population"].sum() == CENSUS_TOTAL
    joined = registered.join(provinces, left_on="code", right_on="gso_code", how="full", coalesce=True)
    assert joined.height == 63
    assert (joined["population"] == joined["population_2019"]).all()


@pytest.mark.parametrize("column", ["population", "eligible_population"])
def test_children_sum_exactly_to_parents(units, column):
    districts = level(units, "district").select("code", "parent_code", column)
    commune_sums = level(units, "commune").group_by("parent_code").agg(pl.col(column).sum().alias("children"))
    with_communes = districts.join(commune_sums, left_on="code", right_on="parent_code", how="inner")
    assert with_communes.height == 705 - len(COMMUNELESS_DISTRICTS)
    assert (with_communes[column] == with_communes["children"]).all()

    district_sums = districts.group_by("parent_code").agg(pl.col(column).sum().alias("children"))
    provinces = level(units, "province").join(district_sums, left_on="code", right_on="parent_code")
    assert provinces.height == 63
    assert (provinces[column] == provinces["children"]).all()


def test_communeless_districts_are_population_leaves(units):
    parents = set(level(units, "commune")["parent_code"])
    districts = level(units, "district")
    assert set(districts.filter(~pl.col("code").is_in(list(parents)))["code"]) == COMMUNELESS_DISTRICTS
    population = dict(districts.select("code", "population").iter_rows())
    for code in COMMUNELESS_DISTRICTS - set(register.DISTRICTS_WITHOUT_POPULATION):
        assert population[code] > 0
    for code in register.DISTRICTS_WITHOUT_POPULATION:
        assert population[code] == 0


def test_eligible_population_uses_the_national_share(units):
    assert register.ELIGIBLE_SHARE == pytest.approx(0.757 + 0.243 / 15)
    for population, eligible in level(units, "province").select("population", "eligible_population").iter_rows():
        assert eligible == round_half_up(population * register.ELIGIBLE_SHARE_EXACT)
    assert (units["eligible_population"] <= units["population"]).all()
    assert (units["population"] >= 0).all()


def test_commune_population_follows_division_type_weights(units):
    # Within one province, a ward gets more people than a rural commune, by the weight ratio.
    communes = level(units, "commune").filter(pl.col("province_code") == "01")
    mean = dict(communes.group_by("division_type").agg(pl.col("population").mean()).iter_rows())
    assert mean["phường"] / mean["xã"] == pytest.approx(1.6, abs=0.01)
    assert mean["thị trấn"] / mean["xã"] == pytest.approx(1.2, abs=0.01)
    assert set(level(units, "commune")["division_type"]) == set(register.COMMUNE_WEIGHTS)


def test_regions_file(regions, provinces):
    assert regions["region_code"].to_list() == ["DBSH", "TDMNPB", "BTB_DHMT", "TN", "DNB", "DBSCL"]
    assert regions["sort_order"].to_list() == [1, 2, 3, 4, 5, 6]
    assert set(regions["name_vi"]) == set(provinces["region"])


def test_every_province_has_a_region_and_an_iso_code(units, regions):
    provinces = level(units, "province")
    assert set(provinces["region_code"]) <= set(regions["region_code"])
    assert provinces["iso_code"].str.contains(r"^VN-[0-9A-Z]{2}$").all()
    assert provinces["iso_code"].n_unique() == 63
    assert units["region_code"].is_not_null().all()
    assert units.filter(pl.col("level") != "province")["iso_code"].is_null().all()


def test_region_totals_match_gso(units):
    totals = dict(level(units, "province").group_by("region_code").agg(pl.col("population").sum()).iter_rows())
    assert totals["DBSH"] == 22_543_607
    assert totals["BTB_DHMT"] == 20_187_293
    assert totals["DNB"] == 17_828_907
    assert totals["TN"] == 5_842_681


def test_spot_checks(units):
    by_code = {row["code"]: row for row in units.iter_rows(named=True)}
    hanoi = by_code["01"]
    assert (hanoi["name"], hanoi["full_name"], hanoi["division_type"]) == ("Hà Nội", "Thành phố Hà Nội", "thành phố trung ương")
    assert (hanoi["region_code"], hanoi["iso_code"], hanoi["population"]) == ("DBSH", "VN-HN", 8_053_663)
    ba_dinh = by_code["001"]
    assert (ba_dinh["name"], ba_dinh["level"], ba_dinh["parent_code"], ba_dinh["division_type"]) == ("Quận Ba Đình", "district", "01", "quận")
    phuc_xa = by_code["00001"]
    assert (phuc_xa["name"], phuc_xa["level"], phuc_xa["parent_code"], phuc_xa["province_code"]) == ("Phường Phúc Xá", "commune", "001", "01")
    assert "Hồ Chí Minh" in by_code["79"]["name"]
    assert by_code["79"]["region_code"] == "DNB"
    bac_kan = by_code["06"]
    assert (bac_kan["name"], bac_kan["iso_code"], bac_kan["region_code"]) == ("Bắc Kạn", "VN-53", "TDMNPB")
    ca_mau_town = by_code["32152"]
    assert (ca_mau_town["name"], ca_mau_town["parent_code"]) == ("Thị trấn Đầm Dơi", "970")


def test_population_method_sentence_states_the_constants():
    text = register.POPULATION_METHOD_VI
    assert f"{register.ELIGIBLE_SHARE * 100:.2f}".replace(".", ",") + "%" in text
    assert "75,7%" in text
    for division_type, weight in register.COMMUNE_WEIGHTS.items():
        assert f"{division_type} {weight:.1f}".replace(".", ",") in text


def test_largest_remainder_sums_exactly_and_breaks_ties_by_key():
    shares = largest_remainder(10, {"b": Fraction(1), "a": Fraction(1), "c": Fraction(1)})
    assert shares == {"a": 4, "b": 3, "c": 3}
    shares = largest_remainder(1_000_003, {str(i): Fraction(16 if i % 3 else 10, 10) for i in range(97)})
    assert sum(shares.values()) == 1_000_003
    assert largest_remainder(0, {"x": Fraction(0)}) == {"x": 0}
