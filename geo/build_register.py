"""Generate geo/data/units.csv and PROVENANCE.md from the vietnam-provinces 0.4.3 wheel and the 2019 census.

Usage (from the repository root):

    python -m geo.build_register                 # downloads the wheel with pip (no install)
    python -m geo.build_register --wheel PATH    # uses a wheel already on disk

The wheel is only read with zipfile; the app never imports the package. Output is deterministic:
the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

from geo import apportion
from geo.register import (
    CODE_WIDTHS,
    COMMUNE_WEIGHTS,
    COMMUNELESS_DISTRICT_WEIGHT,
    DATA_DIR,
    DISTRICTS_WITHOUT_POPULATION,
    ELIGIBLE_SHARE_EXACT,
    LEVELS,
    PROVINCES_CSV,
    REGIONS_CSV,
    SHARE_0_14_2019,
    SHARE_15_PLUS_2019,
    UNITS_CSV,
)

PACKAGE = "vietnam-provinces"
VERSION = "0.4.3"
WHEEL_NAME = "vietnam_provinces-0.4.3-py3-none-any.whl"
# sha256 of the PyPI wheel; a different file under the same name is refused.
WHEEL_SHA256 = "22be3c499998d29a457120a4be7a484c11570d3507f948f23e3418ad6c152e5f"
JSON_MEMBER = "vietnam_provinces/data/nested-divisions.json"
PROVENANCE_MD = DATA_DIR / "PROVENANCE.md"

EXPECTED_COUNTS = {"province": 63, "district": 705, "commune": 10_603}
CENSUS_TOTAL = 96_208_984

COLUMNS = [
    "code",
    "level",
    "name",
    "full_name",
    "division_type",
    "parent_code",
    "province_code",
    "district_code",
    "region_code",
    "iso_code",
    "population",
    "eligible_population",
]


class RegisterError(RuntimeError):
    """The inputs disagree; the message says which codes and which file."""


# --- load -----------------------------------------------------------------------------------


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """Fetch the pinned wheel with pip (no dependencies, no install) into dest."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            f"{PACKAGE}=={VERSION}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return dest / WHEEL_NAME


def read_divisions(wheel: Path) -> tuple[list[dict], bytes]:
    """The nested province → district → ward list inside the wheel, plus the wheel's bytes."""
    wheel_bytes = wheel.read_bytes()
    digest = sha256_of(wheel_bytes)
    if digest != WHEEL_SHA256:
        raise RegisterError(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256} ({PACKAGE} {VERSION})")
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as archive:
        return json.loads(archive.read(JSON_MEMBER).decode("utf-8")), wheel_bytes


def read_census(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["gso_code"]: row for row in csv.DictReader(handle)}


def read_regions(path: Path) -> dict[str, str]:
    """Region name (as written in the census CSV) → region code."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["name_vi"]: row["region_code"] for row in csv.DictReader(handle)}


# --- process --------------------------------------------------------------------------------


def largest_remainder(total: int, weights: dict[str, Fraction]) -> dict[str, int]:
    """Split an integer total in proportion to weights so the parts sum exactly to total
    (geo.apportion.largest_remainder: floors, then the largest remainders, ties to the lower key);
    a non-zero total over zero weights is an error in the register."""
    if sum(weights.values(), Fraction(0)) <= 0:
        if total:
            raise RegisterError(f"cannot split {total} over zero weights: {sorted(weights)}")
        return {key: 0 for key in weights}
    return apportion.largest_remainder(total, weights)


def round_half_up(value: Fraction) -> int:
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def leaf_weight(district: dict, ward: dict | None) -> Fraction:
    """Apportionment weight of a commune, or of a district that has no communes (ward=None)."""
    if ward is None:
        if f"{district['code']:03d}" in DISTRICTS_WITHOUT_POPULATION:
            return Fraction(0)
        return Fraction(str(COMMUNELESS_DISTRICT_WEIGHT))
    try:
        return Fraction(str(COMMUNE_WEIGHTS[ward["division_type"]]))
    except KeyError:
        raise RegisterError(
            f"commune {ward['code']:05d} has division type {ward['division_type']!r}; " f"add it to COMMUNE_WEIGHTS in geo/register.py"
        ) from None


def check_inputs(divisions: list[dict], census: dict[str, dict], regions: dict[str, str]) -> None:
    """Fail loudly when the package, the census CSV and regions.csv disagree."""
    package_codes = {f"{province['code']:02d}" for province in divisions}
    if package_codes != set(census):
        raise RegisterError(
            f"province codes differ: only in {PACKAGE}: {sorted(package_codes - set(census))}; "
            f"only in {PROVINCES_CSV.name}: {sorted(set(census) - package_codes)}"
        )
    unknown = sorted({row["region"] for row in census.values()} - set(regions))
    if unknown:
        raise RegisterError(f"regions {unknown} of {PROVINCES_CSV.name} are missing from {REGIONS_CSV.name}")
    no_iso = sorted(code for code, row in census.items() if not row["iso_3166_2"].strip())
    if no_iso:
        raise RegisterError(f"provinces {no_iso} have no iso_3166_2 in {PROVINCES_CSV.name}")
    total = sum(int(row["population_2019"]) for row in census.values())
    if total != CENSUS_TOTAL:
        raise RegisterError(f"{PROVINCES_CSV.name} sums to {total:,}, expected {CENSUS_TOTAL:,}")


def build_province(province: dict, census_row: dict, region_code: str) -> list[dict]:
    """Rows for one province, its districts and its communes, with apportioned populations."""
    pcode = f"{province['code']:02d}"
    population = int(census_row["population_2019"])
    eligible = round_half_up(population * ELIGIBLE_SHARE_EXACT)

    # Leaves carry the population: every commune, plus any district without communes.
    leaf_weights: dict[str, Fraction] = {}
    for district in province["districts"]:
        if not district["wards"]:
            leaf_weights[f"{district['code']:03d}"] = leaf_weight(district, None)
        for ward in district["wards"]:
            leaf_weights[f"{ward['code']:05d}"] = leaf_weight(district, ward)
    leaf_population = largest_remainder(population, leaf_weights)
    leaf_eligible = largest_remainder(eligible, {key: Fraction(value) for key, value in leaf_population.items()})

    def row(code, level, name, full_name, division_type, parent, district_code, pop, elig, iso=""):
        return {
            "code": code,
            "level": level,
            "name": name,
            "full_name": full_name,
            "division_type": division_type,
            "parent_code": parent,
            "province_code": pcode,
            "district_code": district_code,
            "region_code": region_code,
            "iso_code": iso,
            "population": pop,
            "eligible_population": elig,
        }

    rows = [
        row(
            pcode,
            "province",
            census_row["name_vi"],
            province["name"],
            province["division_type"],
            "",
            "",
            population,
            eligible,
            census_row["iso_3166_2"],
        )
    ]
    for district in province["districts"]:
        dcode = f"{district['code']:03d}"
        wards = [(f"{ward['code']:05d}", ward) for ward in district["wards"]]
        keys = [code for code, _ in wards] or [dcode]
        rows.append(
            row(
                dcode,
                "district",
                district["name"],
                district["name"],
                district["division_type"],
                pcode,
                dcode,
                sum(leaf_population[k] for k in keys),
                sum(leaf_eligible[k] for k in keys),
            )
        )
        for wcode, ward in wards:
            rows.append(
                row(wcode, "commune", ward["name"], ward["name"], ward["division_type"], dcode, dcode, leaf_population[wcode], leaf_eligible[wcode])
            )
    return rows


def build_units(divisions: list[dict], census: dict[str, dict], regions: dict[str, str]) -> list[dict]:
    check_inputs(divisions, census, regions)
    rows: list[dict] = []
    for province in divisions:
        census_row = census[f"{province['code']:02d}"]
        rows.extend(build_province(province, census_row, regions[census_row["region"]]))
    rows.sort(key=lambda r: (LEVELS.index(r["level"]), r["code"]))
    check_units(rows)
    return rows


def check_units(rows: list[dict]) -> None:
    counts = Counter(r["level"] for r in rows)
    if dict(counts) != EXPECTED_COUNTS:
        raise RegisterError(f"unit counts {dict(counts)} differ from {EXPECTED_COUNTS}")
    codes = Counter(r["code"] for r in rows)
    duplicates = sorted(code for code, n in codes.items() if n > 1)
    if duplicates:
        raise RegisterError(f"duplicate codes: {duplicates[:20]}")
    bad_width = [r["code"] for r in rows if len(r["code"]) != CODE_WIDTHS[r["level"]]]
    if bad_width:
        raise RegisterError(f"codes of the wrong width: {bad_width[:20]}")


# --- save -----------------------------------------------------------------------------------


def render_units(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def render_provenance(rows: list[dict], *, wheel_name: str, wheel_sha: str, json_sha: str, census_sha: str, units_sha: str, units_size: int) -> str:
    counts = Counter(r["level"] for r in rows)
    types = Counter((r["level"], r["division_type"]) for r in rows)
    type_lines = "\n".join(
        f"| {level} | {division_type} | {n:,} |"
        for (level, division_type), n in sorted(types.items(), key=lambda item: (LEVELS.index(item[0][0]), -item[1]))
    )
    districts = [r for r in rows if r["level"] == "district"]
    with_communes = {r["parent_code"] for r in rows if r["level"] == "commune"}
    communeless = [r for r in districts if r["code"] not in with_communes]
    communeless_lines = "\n".join(
        f"| {r['code']} | {r['name']} | {r['province_code']} | {r['population']:,} | {r['eligible_population']:,} |" for r in communeless
    )
    total_population = sum(r["population"] for r in rows if r["level"] == "province")
    total_eligible = sum(r["eligible_population"] for r in rows if r["level"] == "province")
    weights = ", ".join(f"{name} {weight}" for name, weight in COMMUNE_WEIGHTS.items())
    share = ELIGIBLE_SHARE_EXACT
    return f"""# Provenance of `geo/data/`

Generated by `geo/build_register.py`; do not edit `units.csv` or this file by hand.

## Files

| file | what | how made |
|---|---|---|
| `provinces_2019.csv` | 63 provinces: GSO code, names, ISO 3166-2, region, 2019 census population, sources per row | copied unchanged from the project's research notes (`data/provinces_2019.csv`); `source` and `pop2019_evidence` columns give each row's sources |
| `regions.csv` | the 6 GSO socio-economic regions, codes and display order | written by hand; `name_vi` equals the `region` column of `provinces_2019.csv` |
| `units.csv` | {len(rows):,} units of 2020–2021 (provinces, districts, communes) with GSO codes, parents, region, population estimates | generated by `geo/build_register.py` |

## Sources

* **Unit list and GSO codes:** PyPI package `{PACKAGE}` {VERSION}, wheel `{wheel_name}`,
  sha256 `{wheel_sha}`; member `{JSON_MEMBER}` (sha256 `{json_sha}`).
  The lists are the General Statistics Office's official administrative-division codes
  (Danh mục đơn vị hành chính) as of 2020–2021; releases from 0.5 on hold later structures.
  The package's code is GPL-3.0-or-later; only its data (official codes and names, public facts) is
  used here, the wheel is read with `zipfile` at build time, and the app neither imports nor installs it.
* **Population:** 2019 Population and Housing Census (0h 1/4/2019), per province, `provinces_2019.csv`
  (sha256 `{census_sha}`), total {total_population:,}. Each row lists its sources; 18 rows are
  `secondary_only` and Phú Yên is derived from the GSO regional total (see the `pop2019_evidence` column).

## Method

* `code`: GSO code as a zero-padded string (province 2 digits, district 3, commune 5).
  `parent_code`: empty for provinces, the province for districts, the district for communes.
* `name`: provinces use the short census name (`Hà Nội`, `TP. Hồ Chí Minh`), `full_name` the package's
  (`Thành phố Hà Nội`); districts and communes use the package's name for both.
  Note the package writes `Tỉnh Hoà Bình` while the census CSV writes `Hòa Bình`.
* `region_code`, `iso_code` (provinces only) are joined from `provinces_2019.csv` by GSO code; the build fails
  if any province code is in one source and not the other.
* `population` (province) = census 2019. It is split to communes by weight per division type
  ({weights}) with the largest-remainder method, so communes sum exactly to their province;
  a district is the sum of its communes. Why weights: no per-commune census table is shipped, and urban
  wards are denser than rural communes, with township seats in between. These are estimates, not census counts.
* `eligible_population` (citizens aged 14+; a card is issued from 14): province =
  round(population × {float(share)}), where {float(share)} = {float(SHARE_15_PLUS_2019)} + {float(SHARE_0_14_2019)}/15.
  It is split to communes in proportion to commune population (largest remainder), districts = sum of communes.

## Assumptions

* The 2019 census share aged 15+ was 75.7% nationally (0–14: 24.3%). No count of 14-year-olds or of the
  10–14 group was found, so one fifteenth of the 0–14 group (one single-year cohort, assuming equal
  cohorts) is added: eligible share {float(share)}.
* Per-province age structure was not found, so one national share applies to every province
  (one example, Sơn La 2019, had 68% aged 15+; an uncertain guess puts cities near 80%).
  National eligible estimate: {total_eligible:,}.
* 2019 populations stand in for 2021 (national average population grew about 1.4% to 2020).
* Commune populations follow the weights above, not local data.
* Five districts had no commune level in 2020–21 (island districts). Each is its own population leaf
  with the weight of one `xã` ({COMMUNELESS_DISTRICT_WEIGHT}), except {", ".join(DISTRICTS_WITHOUT_POPULATION)}
  (Hoàng Sa, the Paracel Islands), weight 0: no resident population is counted there. Reports for these districts can only
  arrive at district grain. The weight probably overstates the two smallest (Bạch Long Vĩ, Cồn Cỏ: a few hundred
  to about a thousand residents each, no census figure was found).

| code | district | province | population | eligible |
|---|---|---|---|---|
{communeless_lines}

## Counts

| level | units |
|---|---|
| province | {counts['province']:,} |
| district | {counts['district']:,} |
| commune | {counts['commune']:,} |

| level | division_type | units |
|---|---|---|
{type_lines}

`units.csv`: {units_size:,} bytes, sha256 `{units_sha}`.

## Regenerate

```
python -m geo.build_register                                          # downloads the wheel with pip
python -m geo.build_register --wheel vietnam_provinces-0.4.3-py3-none-any.whl
pytest tests/test_register.py
```

The wheel's sha256 is pinned in `geo/build_register.py`; the output is byte-identical on every run.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"path to {WHEEL_NAME} (default: download it with pip)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        divisions, wheel_bytes = read_divisions(wheel)
        wheel_name = wheel.name
        with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as archive:
            json_sha = sha256_of(archive.read(JSON_MEMBER))

    census = read_census(PROVINCES_CSV)
    rows = build_units(divisions, census, read_regions(REGIONS_CSV))

    units_bytes = render_units(rows)
    UNITS_CSV.write_bytes(units_bytes)
    provenance = render_provenance(
        rows,
        wheel_name=wheel_name,
        wheel_sha=sha256_of(wheel_bytes),
        json_sha=json_sha,
        census_sha=sha256_of(PROVINCES_CSV.read_bytes()),
        units_sha=sha256_of(units_bytes),
        units_size=len(units_bytes),
    )
    PROVENANCE_MD.write_text(provenance, encoding="utf-8", newline="\n")
    print(f"wrote {UNITS_CSV} ({len(rows):,} units, {len(units_bytes):,} bytes) and {PROVENANCE_MD.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
