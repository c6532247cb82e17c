"""Neuroglancer viewer states and links for volumes: URL building only, no I/O.

A link is the viewer's base URL, then `#!`, then the state as JSON,
percent-encoded the way Neuroglancer's own `to_url` does.

Every layer states its voxel size itself (the source's transform, in
metres), so a volume is shown at its true size whatever metadata its files
carry. Coordinates are Neuroglancer's: voxel i spans [i, i + 1), its centre
is at i + 0.5, and the axes are x, y, z in the order of the record's shape.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import quote

from builder.catalogue.records import Dataset, Registration, Volume

# Characters Neuroglancer leaves unescaped in the fragment (neuroglancer.url_state.to_url).
FRAGMENT_SAFE = "~@#$&()*!+=:;,.?/'"
# Screen pixels a cross-section panel has, about: the slice is zoomed to fit in them.
PANEL_PIXELS = {"4panel": 450}
DEFAULT_PANEL_PIXELS = 900
CONTEXT_MARGIN = 2.0  # the "in context" view shows twice the zoom's width, so its surroundings too


@dataclass(frozen=True)
class ViewerSettings:
    """What a collection and site choose for every link; a record may override shader and contrast."""

    base_url: str = "https://neuroglancer-demo.appspot.com/"
    layout: str = "4panel"
    shader: str | None = None
    contrast: tuple[float, float] | None = None


def metres(micrometres: float) -> float:
    """4.14 µm -> 4.14e-06 m exactly as written, without float noise (4.1399999e-06)."""
    return float(f"{micrometres!r}e-6")


def dimensions(voxel_size_um: tuple[float, float, float]) -> dict:
    return {axis: [metres(size), "m"] for axis, size in zip("xyz", voxel_size_um)}


def image_layer(volume: Volume, name: str, settings: ViewerSettings, output_um: tuple[float, float, float],
                matrix: list[list[float]] | None = None) -> dict:
    """An image layer whose voxels map to `output_um`-sized voxels of the view, through `matrix` if given."""
    transform: dict = {"outputDimensions": dimensions(output_um)}
    if matrix is not None:
        transform["matrix"] = matrix
    layer: dict = {"type": "image", "name": name, "source": {"url": volume.source, "transform": transform}}
    shader = volume.shader or settings.shader
    contrast = volume.contrast or settings.contrast
    if shader:
        layer["shader"] = shader
    if contrast:
        layer["shaderControls"] = {"normalized": {"range": list(contrast)}}
    return layer


def volume_state(volume: Volume, name: str, settings: ViewerSettings) -> dict:
    """One image layer, in metres, centred, zoomed so a whole slice fits."""
    state: dict = {"dimensions": dimensions(volume.voxel_size_um),
                   "layers": [image_layer(volume, name, settings, volume.voxel_size_um)],
                   "layout": settings.layout, "selectedLayer": {"layer": name, "visible": True}}
    if volume.shape:
        state["position"] = [count / 2 for count in volume.shape]
        state["crossSectionScale"] = _fit(max(volume.shape[0], volume.shape[1]), settings.layout)
        state["projectionScale"] = max(volume.shape) * 1.5
    return state


def registration_matrix(registration: Registration) -> list[list[float]]:
    """Zoom voxel coordinates -> overview voxel coordinates, as a Neuroglancer affine matrix (3 rows of 4).

    The HOA registration (as hoa-tools reads it) maps voxel centres: overview = s·R·zoom + t,
    with t in overview voxels and R a rotation by the given angle about the z axis, applied in
    z, y, x order (SimpleITK's Similarity3DTransform about axis (1, 0, 0) of (z, y, x)
    points): x' = x·cos + y·sin, y' = −x·sin + y·cos. Neuroglancer counts from voxel corners,
    half a voxel before the centre, hence the extra (1 − s·R)·½ in the translation.
    """
    angle = math.radians(registration.rotation)
    cos, sin, scale = math.cos(angle), math.sin(angle), registration.scale
    linear = [[scale * cos, scale * sin, 0.0], [-scale * sin, scale * cos, 0.0], [0.0, 0.0, scale]]
    return [row + [registration.translation[i] + 0.5 - sum(row) * 0.5] for i, row in enumerate(linear)]


def apply(matrix: list[list[float]], point: tuple[float, ...] | list[float]) -> list[float]:
    return [sum(row[j] * point[j] for j in range(3)) + row[3] for row in matrix]


def context_state(zoom: Dataset, overview: Dataset, settings: ViewerSettings) -> dict | None:
    """The overview and the zoom placed inside it by its registration, centred on the zoom."""
    if zoom.volume is None or overview.volume is None or zoom.registration is None or not zoom.volume.shape:
        return None
    outer = overview.volume
    matrix = registration_matrix(zoom.registration)
    centre = apply(matrix, [count / 2 for count in zoom.volume.shape])
    footprint = zoom.registration.scale * max(zoom.volume.shape[0], zoom.volume.shape[1])
    layers = [image_layer(outer, overview.name, settings, outer.voxel_size_um),
              image_layer(zoom.volume, zoom.name, settings, outer.voxel_size_um, matrix)]
    for layer in layers:
        layer["opacity"] = 1.0  # the zoom covers the overview where it has data
    return {"dimensions": dimensions(outer.voxel_size_um), "layers": layers, "layout": settings.layout,
            "position": centre, "crossSectionScale": _fit(footprint * CONTEXT_MARGIN, settings.layout),
            "projectionScale": footprint * CONTEXT_MARGIN * 1.5,
            "selectedLayer": {"layer": zoom.name, "visible": True}}


def _fit(voxels: float, layout: str) -> float:
    return voxels / PANEL_PIXELS.get(layout, DEFAULT_PANEL_PIXELS)


def state_url(state: dict, base_url: str) -> str:
    text = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return f"{base_url}#!{quote(text, safe=FRAGMENT_SAFE)}"


def volume_link(volume: Volume, name: str, settings: ViewerSettings) -> str:
    return state_url(volume_state(volume, name, settings), settings.base_url)


def context_link(zoom: Dataset, overview: Dataset, settings: ViewerSettings) -> str | None:
    state = context_state(zoom, overview, settings)
    return state_url(state, settings.base_url) if state is not None else None
