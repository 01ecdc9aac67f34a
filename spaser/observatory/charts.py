"""SVG charts built on the server: the same markup on screen and in the PDF report, no script, no inline style.

Each chart is decorative for assistive technologies (aria-hidden): the page always shows the data table.
"""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT, MARGIN = 560, 240, 40
AXIS = 'stroke="#555555" stroke-width="1"'
LABEL = 'font-size="12" fill="#222222"'
# Presentation attributes, not CSS: the same SVG must render in browsers (CSP forbids inline style, not
# attributes) and in WeasyPrint, which does not apply the page's stylesheet inside SVG.
TARGET_LOOK = 'stroke="#8a4b00" stroke-width="2" stroke-dasharray="6 4"'
VALUE_LOOK = 'stroke="#00535e" stroke-width="3"'
LEVEL_FILLS = {"none": "#e6e6e6", "0": "#d8ecee", "1": "#a9d3d8", "2": "#6fb3bb", "3": "#3f8f99", "4": "#1d6c76"}


def look_fill(key: str) -> str:
    return "#ffffff" if key == "target" else "#00535e"


def _number(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(value))


def trajectory_svg(points: list[dict], *, unit: str = "", title: str = "") -> str:
    """Line chart of targets (dashed) and values (solid) by year; the baseline is a point."""
    series = {
        key: [(p["year"], _number(p[key])) for p in points if p.get(key) is not None]
        for key in ("baseline", "target", "value")
    }
    all_values = [v for values in series.values() for _, v in values]
    if not all_values:
        return ""
    years = [p["year"] for p in points]
    low, high = min(0.0, min(all_values)), max(all_values) or 1.0
    first, last = min(years), max(years)
    span = (last - first) or 1

    def x(year):
        return MARGIN + (year - first) * (WIDTH - 2 * MARGIN) / span

    def y(value):
        return HEIGHT - MARGIN - (value - low) * (HEIGHT - 2 * MARGIN) / ((high - low) or 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="obs-chart" '
        f'aria-hidden="true" focusable="false">',
        f"<title>{escape(title)}</title>",
        f'<line {AXIS} x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}"/>',
        f'<line {AXIS} x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}"/>',
        f'<text {LABEL} x="{MARGIN - 4}" y="{y(high) + 4:.1f}" text-anchor="end">{high:g}</text>',
        f'<text {LABEL} x="{MARGIN - 4}" y="{y(low) + 4:.1f}" text-anchor="end">{low:g}</text>',
    ]
    for year in years:
        parts.append(f'<text {LABEL} x="{x(year):.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle">{year}</text>')
    for key, look in (("target", TARGET_LOOK), ("value", VALUE_LOOK)):
        coords = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in series[key])
        if len(series[key]) > 1:
            parts.append(f'<polyline {look} fill="none" points="{coords}"/>')
        for year, value in series[key]:
            parts.append(f'<circle {look} fill="{look_fill(key)}" cx="{x(year):.1f}" cy="{y(value):.1f}" r="4"/>')
    for year, value in series["baseline"]:
        parts.append(f'<rect fill="#555555" x="{x(year) - 4:.1f}" y="{y(value) - 4:.1f}" width="8" height="8"/>')
    legend_y = MARGIN - 16
    parts.append(
        f'<text {LABEL} x="{MARGIN}" y="{legend_y}">'
        f"référence (carré), cible (pointillés), valeur (trait plein) {escape(unit)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or numeric


# Schematic positions (column, row) of the departments of Centre-Val de Loire; other codes are laid out in a grid.
DEPARTEMENT_TILES = {"28": (1, 0), "45": (2, 1), "41": (1, 1), "37": (0, 2), "18": (2, 2), "36": (1, 3)}
TILE = 90


def departement_map_svg(departements: dict[str, dict]) -> str:
    """A tile map (one square per department) shaded by the share of contracts with a social consideration."""
    if not departements:
        return ""
    tiles = dict(DEPARTEMENT_TILES)
    extra = [code for code in sorted(departements) if code not in tiles]
    for index, code in enumerate(extra):
        tiles[code] = (3 + index % 3, index // 3)
    used = {code: tiles[code] for code in departements}
    columns = max(c for c, _ in used.values()) + 1
    rows = max(r for _, r in used.values()) + 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {columns * TILE} {rows * TILE}" class="obs-map" '
        f'aria-hidden="true" focusable="false">'
    ]
    for code, (column, row) in sorted(used.items()):
        share = departements[code].get("social_share")
        level = "none" if share is None else str(min(4, int(share // 25)))
        label_fill = "#ffffff" if level in ("3", "4") else "#111111"
        parts.append(
            f'<rect fill="{LEVEL_FILLS[level]}" stroke="#ffffff" stroke-width="2" '
            f'x="{column * TILE + 2}" y="{row * TILE + 2}" '
            f'width="{TILE - 4}" height="{TILE - 4}"/>'
            f'<text font-size="13" fill="{label_fill}" x="{column * TILE + TILE / 2}" y="{row * TILE + TILE / 2}" '
            f'text-anchor="middle">{escape(code)}</text>'
            f'<text font-size="13" fill="{label_fill}" '
            f'x="{column * TILE + TILE / 2}" y="{row * TILE + TILE / 2 + 18}" '
            f'text-anchor="middle">{"–" if share is None else f"{share:g} %"}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - codes are escaped, numbers formatted
