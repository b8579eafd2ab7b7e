"""A horizontal bar chart as inline SVG inside markdown metadata, so the Dagster UI shows a picture."""

from __future__ import annotations

import base64
from html import escape
from typing import Sequence

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH = 22, 6, 220, 360


def bar_chart_svg(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    top = max(values, default=0) or 1
    height = 30 + len(labels) * (BAR_HEIGHT + GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + BAR_WIDTH + 80}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(zip(labels, values)):
        y = 26 + index * (BAR_HEIGHT + GAP)
        width = max(1, round(BAR_WIDTH * value / top))
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(str(label))}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="#4f43dd"/>',
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 15}">{value:,}</text>',
        ]
    return "\n".join(parts + ["</svg>"])


def bar_chart_markdown(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    encoded = base64.b64encode(bar_chart_svg(title, labels, values).encode("utf-8")).decode("ascii")
    return f"![{escape(title)}](data:image/svg+xml;base64,{encoded})"
