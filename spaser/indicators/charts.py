"""Vega-Lite specifications built in Python: one definition for the screen (vega-embed) and for paper."""

UNIT_TITLES = {"%": "%"}
# d3-format locale: decimal comma, narrow no-break space between thousands.
FRENCH_NUMBERS = {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]}


def trajectory_chart(state, years) -> dict:
    """Measured values (line with points), expected trajectory (dashed) and targets (crosses) by year."""
    values = []
    for row in state.rows(years):
        if row["value"] is not None:
            values.append({"année": row["year"], "série": "Valeur mesurée", "valeur": float(row["value"])})
        if row["expected"] is not None:
            values.append({"année": row["year"], "série": "Trajectoire attendue", "valeur": float(row["expected"])})
    for target in state.targets:
        values.append({"année": target.year, "série": "Cible", "valeur": float(target.value)})
    indicator = state.indicator
    encoding_x = {"field": "année", "type": "ordinal", "title": "Année"}
    encoding_y = {"field": "valeur", "type": "quantitative", "title": indicator.unit}
    colour = {
        "field": "série",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": ["Valeur mesurée", "Trajectoire attendue", "Cible"],
            "range": ["#1f5fa8", "#6c757d", "#b3261e"],
        },
    }
    # Shown on hover and on keyboard focus by vega-tooltip (see charts.js), in French, values rounded.
    tooltip = [
        {"field": "série", "type": "nominal", "title": "Série"},
        {"field": "année", "type": "ordinal", "title": "Année"},
        {"field": "valeur", "type": "quantitative", "title": f"Valeur ({indicator.unit})", "format": ",.2~f"},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": f"{indicator.code} : valeurs mesurées, trajectoire et cibles par année",
        "width": "container",
        "height": 220,
        # The container has role="img" and a label, and the same data is in the table beside the chart.
        "config": {"aria": False, "locale": {"number": FRENCH_NUMBERS}},
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum['série'] !== 'Cible'"}],
                "mark": {"type": "line", "point": {"filled": True, "aria": False}, "aria": False},
                "encoding": {
                    "x": encoding_x,
                    "y": encoding_y,
                    "color": colour,
                    "strokeDash": {
                        "field": "série",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": ["Valeur mesurée", "Trajectoire attendue"], "range": [[1, 0], [6, 4]]},
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum['série'] === 'Cible'"}],
                "mark": {"type": "point", "shape": "cross", "size": 120, "filled": True, "aria": False},
                "encoding": {"x": encoding_x, "y": encoding_y, "color": colour, "tooltip": tooltip},
            },
        ],
    }
