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


# --- Map of the départements ------------------------------------------------------------------------

MAP_WIDTH, MAP_MARGIN = 560, 12
# Classes of a share (%), lower bounds; a sequential palette, light to dark (each step distinct in grey too).
SHARE_CLASSES = [(0, "#e3f1f2"), (10, "#a9d3d8"), (20, "#6fb3bb"), (30, "#1f6f7a"), (50, "#0b5561")]
NO_DATA_FILL = "#f4f4f4"
DARK_FILLS = {"#1f6f7a", "#0b5561"}


def share_classes() -> list[dict]:
    """The legend: each class with its fill and its label."""
    classes = []
    for index, (low, fill) in enumerate(SHARE_CLASSES):
        high = SHARE_CLASSES[index + 1][0] if index + 1 < len(SHARE_CLASSES) else None
        label = f"de {low} à moins de {high} %" if high is not None else f"{low} % et plus"
        classes.append({"low": low, "high": high, "fill": fill, "label": label})
    return classes


def share_fill(share) -> str:
    if share is None:
        return NO_DATA_FILL
    fill = SHARE_CLASSES[0][1]
    for low, candidate in SHARE_CLASSES:
        if share >= low:
            fill = candidate
    return fill


def _ring_centroid(ring):
    """Area-weighted centroid of a ring (shoelace formula) and its absolute area."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if not area:
        return ring[0], 0.0
    return (cx / (3 * area), cy / (3 * area)), abs(area / 2)


def departement_map_svg(shapes: dict[str, dict], values: dict[str, float | None], *, title: str) -> str:
    """A choropleth of the départements in `shapes` ({code: {"name", "polygons"}} from geodata), shaded by
    `values` ({code: share in % or None}), each labelled with its code. Equirectangular projection around the
    region's mean latitude: true shapes at the scale of a region."""
    if not shapes:
        return ""
    import math

    points = [point for shape in shapes.values() for polygon in shape["polygons"] for point in polygon[0]]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (MAP_WIDTH - 2 * MAP_MARGIN) / (((east - west) * squeeze) or 1)
    height = round((north - south) * scale + 2 * MAP_MARGIN)

    def project(lon, lat):
        return MAP_MARGIN + (lon - west) * squeeze * scale, MAP_MARGIN + (north - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_WIDTH} {height}" class="obs-map" '
        f'aria-hidden="true" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    labels = []
    for code, shape in sorted(shapes.items()):
        value = values.get(code)
        fill = share_fill(value)
        path = []
        best = None
        for polygon in shape["polygons"]:
            for index, ring in enumerate(polygon):
                projected = [project(lon, lat) for lon, lat in ring]
                path.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
                if index == 0:
                    centre, area = _ring_centroid(projected)
                    if best is None or area > best[1]:
                        best = (centre, area)
        parts.append(
            f'<path fill="{fill}" fill-rule="evenodd" stroke="#333333" stroke-width="1" d="{"".join(path)}">'
            f"<title>{escape(shape['name'])} ({escape(code)})</title></path>"
        )
        ink = "#ffffff" if fill in DARK_FILLS else "#111111"
        (x, y) = best[0]
        share = "–" if value is None else f"{value:g} %".replace(".", ",")
        labels.append(
            f'<text font-size="14" font-weight="bold" fill="{ink}" x="{x:.1f}" y="{y - 2:.1f}" '
            f'text-anchor="middle">{escape(code)}</text>'
            f'<text font-size="13" fill="{ink}" x="{x:.1f}" y="{y + 14:.1f}" text-anchor="middle">{share}</text>'
        )
    parts += labels
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - names and codes are escaped, numbers formatted
