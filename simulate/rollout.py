"""The simulated national rollout: daily reports of every commune, 01/09/2020–31/12/2021, from a seed.

Model (see docs/simulation.md): national cumulative curves pass through the sourced anchors;
each day's national work is shared among provinces by eligible population, a lasting
province "diligence", early leaders and late collectors, and COVID-19 disruptions; within a
province among communes by population and persistent local factors with daily noise. Cards
are printed centrally from the dossier backlog and delivered from the printed backlog, so
delivery lags applications. Reports are what units *send*: some communes miss a day and send
the catch-up next day, some provinces report late, a few values are wrong on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl

from db.schema import COUNT_COLUMNS
from db.store import BatchMeta
from simulate import anchors as A


@dataclass
class SimulatedReports:
    facts: pl.DataFrame  # batch_index, unit_code, report_date, the five counts
    batches: list[BatchMeta]
    anomalies: pl.DataFrame  # unit_code, report_date, kind: injected bad values for the quality screens


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def work_factor(days: list[date]) -> np.ndarray:
    """Weekday × holiday factor per day."""
    return np.array([A.WEEKDAY_FACTORS[d.weekday()] * A.HOLIDAYS.get(d, 1.0) for d in days])


def national_daily(anchors: tuple[A.Anchor, ...], days: list[date], work: np.ndarray) -> np.ndarray:
    """Daily national counts whose running total passes through every anchor.

    Between two anchors the increment is spread in proportion to each day's work factor. Past
    the last anchor the last segment's rate per working day continues.
    """
    index = {d: i for i, d in enumerate(days)}
    out = np.zeros(len(days))
    for a, b in zip(anchors, anchors[1:]):
        lo = index.get(a.day + timedelta(days=1), 0 if a.day < days[0] else None)
        hi = index.get(b.day)
        if lo is None or hi is None:
            continue
        w = work[lo : hi + 1]
        out[lo : hi + 1] = (b.cumulative - a.cumulative) * w / w.sum()
    return out


def _province_matrix(provinces: list[str], days: list[date], rng: np.random.Generator, *, metric: str) -> np.ndarray:
    """Relative pace of each province on each day (before population weighting) for `metric`."""
    p, t = len(provinces), len(days)
    diligence = np.exp(rng.normal(0.0, 0.14, size=p))
    m = np.tile(diligence[:, None], (1, t))
    day_arr = np.array(days, dtype="datetime64[D]")
    pidx = {code: i for i, code in enumerate(provinces)}
    if metric in ("applications_received",):
        leader_rows = [pidx[c] for c in A.EARLY_LEADERS if c in pidx]
        leaders = np.array(leader_rows, dtype=np.intp)  # np.ix_ makes the same array of a list
        early = day_arr <= np.datetime64("2021-04-30")
        late = day_arr >= np.datetime64("2021-05-20")
        m[np.ix_(leaders, np.where(early)[0])] *= 1.55
        m[np.ix_(leaders, np.where(late)[0])] *= 0.75
        # A handful of slow starters that speed up after the April push.
        others = [i for i in range(p) if i not in leader_rows]
        slow = rng.choice(others, size=min(8, len(others) // 3), replace=False)
        m[np.ix_(slow, np.where(early)[0])] *= 0.7
    if metric == "records_collected":
        lates = np.array([pidx[c] for c in A.LATE_COLLECTORS if c in pidx], dtype=np.intp)
        in_2020 = day_arr <= np.datetime64("2020-12-31")
        m[np.ix_(lates, np.where(in_2020)[0])] *= 0.55
        m[np.ix_(lates, np.where(~in_2020)[0])] *= 2.2
    return m


def _disruption_matrix(units: pl.DataFrame, days: list[date]) -> np.ndarray:
    """Factor per reporting unit and day from the COVID-19 disruptions (1 = normal)."""
    f = np.ones((units.height, len(days)))
    day_arr = np.array(days, dtype="datetime64[D]")
    prov = units["province_code"].to_numpy()
    district_names = units["district_name"].to_numpy()
    for d in A.DISRUPTIONS:
        rows = np.isin(prov, d.provinces)
        if d.district_name:
            rows &= district_names == d.district_name
        cols = (day_arr >= np.datetime64(d.start)) & (day_arr <= np.datetime64(d.end))
        f[np.ix_(np.where(rows)[0], np.where(cols)[0])] *= d.factor
    return f


def _stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round up with probability equal to the fraction, so totals stay unbiased."""
    return np.floor(x + rng.random(x.shape, dtype=np.float32)).astype(np.int64)


def _allocate_within_provinces(
    national: np.ndarray,
    province_pace: np.ndarray,
    unit_weight: np.ndarray,
    unit_province: np.ndarray,
    disruption: np.ndarray,
    rng: np.random.Generator,
    noise_spread: float = 0.9,
) -> np.ndarray:
    """Share each day's national count among units: province pace × unit weight × noise × disruption.

    Daily noise is uniform around 1 (±noise_spread/2): cheap at 5 million unit-days and enough
    to make no two days alike.
    """
    noise = rng.random(disruption.shape, dtype=np.float32)
    noise *= noise_spread
    noise += 1.0 - noise_spread / 2
    raw = (unit_weight[:, None] * disruption).astype(np.float32) * noise
    raw *= province_pace[unit_province]
    day_total = raw.sum(axis=0)
    day_total[day_total == 0] = 1.0
    raw *= (national / day_total).astype(np.float32)[None, :]
    return _stochastic_round(raw, rng).astype(np.int32)


def _allocate_from_backlog(
    national: np.ndarray,
    source_cum: np.ndarray,
    lag: int,
    local: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each day, work the national count off units' backlogs (source done `lag` days ago minus own done).

    Runs day by day on day-major copies (contiguous rows) — column access on unit-major
    arrays is many times slower here.
    """
    n_units, n_days = source_cum.shape
    source_by_day = np.ascontiguousarray(source_cum.T)
    local_by_day = None if local is None else np.ascontiguousarray(local.T, dtype=np.float32)
    out = np.zeros((n_days, n_units), dtype=np.int32)
    done = np.zeros(n_units, dtype=np.int64)
    for t in range(lag, n_days):
        if national[t] <= 0:
            continue
        backlog = source_by_day[t - lag] - done
        np.maximum(backlog, 0, out=backlog)
        weight = backlog if local_by_day is None else backlog * local_by_day[t]
        wsum = float(weight.sum())
        if wsum <= 0:
            continue
        todo = min(float(national[t]), float(backlog.sum()))
        share = np.minimum(_stochastic_round(weight * (todo / wsum), rng), backlog)
        out[t] = share
        done += share
    return np.ascontiguousarray(out.T)


def simulate(units: pl.DataFrame, *, seed: int = 2021, start: date = A.PERIOD_START, end: date = A.PERIOD_END) -> SimulatedReports:
    """Simulated daily reports for every reporting unit in `units` (the stored register).

    `units` needs code, level, province_code, district_code, population, eligible_population
    and commune_count for all levels; any subset of provinces works (tests use a few), in which
    case national curves are scaled to that subset's share of the eligible population.
    """
    rng = np.random.default_rng(seed)
    days = days_between(start, end)
    work = work_factor(days)

    districts = units.filter(pl.col("level") == "district")
    provinces = units.filter(pl.col("level") == "province").sort("code")
    communes = units.filter(pl.col("level") == "commune")
    # Island districts without communes report at district grain; nobody reports for Hoàng Sa.
    communeless = districts.filter(~pl.col("code").is_in(communes["district_code"].unique().implode()))
    reporting = (
        pl.concat([communes, communeless])
        .filter(pl.col("population") > 0)
        .join(districts.select(pl.col("code").alias("district_code"), pl.col("name").alias("district_name")), on="district_code", how="left")
        .sort("code")
    )
    province_codes = provinces["code"].to_list()
    pidx = {c: i for i, c in enumerate(province_codes)}
    unit_province = np.array([pidx[c] for c in reporting["province_code"]])
    n_units = reporting.height

    # Scale national anchors to the simulated subset (1.0 for the whole country).
    national_eligible = 74_388_789
    scale = provinces["eligible_population"].sum() / national_eligible
    national = {m: national_daily(A.NATIONAL_CURVES[m], days, work) * scale for m in A.NATIONAL_CURVES}

    # Lasting local factors: some districts and communes are simply faster than others.
    district_codes = reporting["district_code"].to_numpy()
    _, district_index = np.unique(district_codes, return_inverse=True)
    district_factor = np.exp(rng.normal(0.0, 0.22, size=district_index.max() + 1))[district_index]
    commune_factor = np.exp(rng.normal(0.0, 0.30, size=n_units))
    local = district_factor * commune_factor
    disruption = _disruption_matrix(reporting, days)

    eligible = reporting["eligible_population"].to_numpy().astype(float)
    population = reporting["population"].to_numpy().astype(float)

    true = {
        "applications_received": _allocate_within_provinces(
            national["applications_received"],
            _province_matrix(province_codes, days, rng, metric="applications_received"),
            eligible * local,
            unit_province,
            disruption,
            rng,
        ),
        # Collection was door to door by commune police: lockdowns slowed it less than counters.
        "records_collected": _allocate_within_provinces(
            national["records_collected"],
            _province_matrix(province_codes, days, rng, metric="records_collected"),
            population * local,
            unit_province,
            np.sqrt(disruption),
            rng,
        ),
    }
    apps_cum = np.cumsum(true["applications_received"], axis=1)
    produced_curve = np.concatenate(
        [national["cards_delivered"][A.PRINT_TO_DELIVERY_DAYS :], national["cards_delivered"][-A.PRINT_TO_DELIVERY_DAYS :]]
    )
    true["cards_produced"] = _allocate_from_backlog(produced_curve, apps_cum, A.DOSSIER_TO_PRINT_DAYS, None, rng)
    produced_cum = np.cumsum(true["cards_produced"], axis=1)
    true["cards_delivered"] = _allocate_from_backlog(
        national["cards_delivered"], produced_cum, A.PRINT_TO_DELIVERY_DAYS - 2, np.maximum(disruption, 0.05), rng
    )
    collected_cum = np.cumsum(true["records_collected"], axis=1)
    true["records_verified"] = _allocate_from_backlog(national["records_verified"], collected_cum, A.COLLECT_TO_VERIFY_DAYS, None, rng)

    reported_mask = _reporting_mask(reporting, days, unit_province, len(province_codes), disruption, rng)
    rows_u, rows_t = np.nonzero(reported_mask)
    values = {m: _as_reported(daily, reported_mask, rows_u) for m, daily in true.items()}
    anomalies = _inject_anomalies(values, rows_u, rows_t, reporting, days, rng)
    batches, batch_index = _batches(province_codes, reported_mask, unit_province, days, rng)

    facts = pl.DataFrame(
        {
            "batch_index": batch_index[unit_province[rows_u], rows_t],
            "unit_code": reporting["code"].gather(rows_u),
            "report_date": np.array(days, dtype="datetime64[D]")[rows_t],
            **values,
        }
    ).with_columns(pl.col("report_date").cast(pl.Date), *[pl.col(m).cast(pl.Int32) for m in COUNT_COLUMNS])
    return SimulatedReports(facts=facts, batches=batches, anomalies=anomalies)


def _reporting_mask(reporting, days, unit_province, n_prov, disruption, rng) -> np.ndarray:
    """Which unit reported on which day: ~1% misses, more on Sundays, in lockdowns and in a few provinces."""
    n_units, n_days = reporting.height, len(days)
    province_miss = rng.choice([0.004, 0.008, 0.015, 0.04], size=n_prov, p=[0.3, 0.4, 0.2, 0.1])
    p_miss = province_miss[unit_province][:, None] * np.ones((1, n_days))
    sunday = np.array([d.weekday() == 6 for d in days])
    p_miss[:, sunday] *= 2.0
    p_miss[disruption < 0.5] += 0.05
    mask = rng.random((n_units, n_days)) >= p_miss
    # A few whole provinces miss a day (their catch-up arrives the next day).
    for _ in range(12):
        prov, day = rng.integers(n_prov), rng.integers(30, n_days - 2)
        mask[np.ix_(unit_province == prov, [day])] = False
    # On the last day, three provinces have not sent today's report yet.
    for prov in rng.choice(n_prov, size=min(3, n_prov // 10), replace=False):
        mask[unit_province == prov, n_days - 1] = False
    return mask


def _as_reported(daily: np.ndarray, mask: np.ndarray, rows_u: np.ndarray) -> np.ndarray:
    """What units report, flattened in mask order: a missed day's work is sent with the next report.

    The value on a reported day is the running total then minus the running total at the
    unit's previous report (0 before its first report).
    """
    at_reports = np.cumsum(daily, axis=1)[mask]
    values = np.diff(at_reports, prepend=0)
    first_of_unit = np.ones(rows_u.size, dtype=bool)
    first_of_unit[1:] = rows_u[1:] != rows_u[:-1]
    values[first_of_unit] = at_reports[first_of_unit]
    return values


def _inject_anomalies(values, rows_u, rows_t, reporting, days, rng) -> pl.DataFrame:
    """A few bad values for the data-quality screens: keying errors (×10) and delivered > received."""
    anomalies = []
    candidates = np.flatnonzero(rows_t >= 150)
    picks = rng.choice(candidates, size=min(40, candidates.size), replace=False) if candidates.size else []
    for k, i in enumerate(sorted(picks)):
        if k % 2 == 0:
            values["applications_received"][i] = values["applications_received"][i] * 10 + 90
            kind = "applications_x10"
        else:
            values["cards_delivered"][i] += 500 + int(rng.integers(0, 1500))
            kind = "delivered_spike"
        anomalies.append({"unit_code": reporting["code"][int(rows_u[i])], "report_date": days[int(rows_t[i])], "kind": kind})
    return pl.DataFrame(anomalies, schema={"unit_code": pl.String, "report_date": pl.Date, "kind": pl.String})


def _batches(province_codes, mask, unit_province, days, rng):
    """One report (batch) per province per day on which any of its units reported; some arrive late."""
    n_prov, n_days = len(province_codes), len(days)
    any_reported = np.zeros((n_prov, n_days), dtype=bool)
    for p in range(n_prov):
        any_reported[p] = mask[unit_province == p].any(axis=0)
    lateness = rng.choice([0.03, 0.08, 0.3], size=n_prov, p=[0.6, 0.3, 0.1])
    late = rng.random((n_days, n_prov)) < lateness[None, :]
    late_minutes = rng.integers(20, 16 * 60, size=(n_days, n_prov))
    on_time_minutes = rng.integers(0, 119, size=(n_days, n_prov))
    batch_index = np.full((n_prov, n_days), -1, dtype=np.int64)
    batches: list[BatchMeta] = []
    for t, day in enumerate(days):
        five_pm, three_pm = datetime.combine(day, time(17)), datetime.combine(day, time(15))
        for p in np.flatnonzero(any_reported[:, t]):
            if late[t, p]:
                received = five_pm + timedelta(minutes=int(late_minutes[t, p]))
            else:
                received = three_pm + timedelta(minutes=int(on_time_minutes[t, p]))
            batch_index[p, t] = len(batches)
            code = province_codes[p]
            batches.append(
                BatchMeta(
                    kind="simulation",
                    source_name=f"mo-phong/{code}/{day.isoformat()}.csv",
                    submitted_by=f"Mô phỏng – Công an tỉnh {code}",
                    received_at=received,
                    province_code=code,
                )
            )
    return batches, batch_index
