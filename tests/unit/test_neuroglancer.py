"""Neuroglancer links: decoded by hand and by the neuroglancer package, checked against the HOA records.

The "in context" placement is checked against the registration as hoa-tools
applies it: a SimpleITK similarity transform in physical micrometres, points
in z, y, x order, voxel i centred at i * voxel size.
"""

import json
import math
from urllib.parse import unquote

import neuroglancer
import pytest
import SimpleITK as sitk

from builder.catalogue.from_snapshot import catalogue_from_snapshot, volume_format
from builder.catalogue.records import Volume
from builder.catalogue.snapshot import read_snapshot
from builder.render.neuroglancer import ViewerSettings, context_link, volume_link
from tests.conftest import HOA_JSON, SNAPSHOT
from tests.projects import edited_snapshot

SETTINGS = ViewerSettings(base_url="https://viewer.example/", contrast=(0, 65535))


def decode(url: str) -> dict:
    base, fragment = url.split("#!", 1)
    return json.loads(unquote(fragment))


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    return {r["name"]: r for r in (json.loads(p.read_text()) for p in sorted(HOA_JSON.glob("*.json")))}


def by_name(catalogue, name):
    return next(d for d in catalogue.datasets.values() if d.name == name)


SOURCE_FORMS = [
    ("n5://gs://bucket/A109/lung/4.14um/", "n5"),
    ("zarr://https://data.example.org/v.ome.zarr/", "zarr"),
    ("zarr2://s3://bucket/volume.zarr/", "zarr2"),
    ("zarr3://http://127.0.0.1:9000/volume.zarr/", "zarr3"),
    ("precomputed://gs://bucket/volume", "precomputed"),
    ("gs://bucket/volume.zarr/|zarr3:", "zarr3"),
    ("https://data.example.org/volume.n5/|n5:", "n5"),
    ("s3://bucket/volume/|precomputed:", "precomputed"),
]


@pytest.mark.parametrize("source, kind", SOURCE_FORMS)
def test_every_source_form_is_a_volume_whose_link_parses(source, kind):
    assert volume_format(source) == kind
    volume = Volume(source, (2.5, 2.5, 5.0), (100, 200, 50))
    url = volume_link(volume, "sample", SETTINGS)
    assert url.startswith("https://viewer.example/#!")
    assert " " not in url and '"' not in url and "|" not in url
    state = neuroglancer.parse_url(url)
    assert decode(neuroglancer.to_url(state)) == decode(url)
    layer = state.layers["sample"]
    assert layer.source[0].url == source
    assert list(layer.source[0].transform.output_dimensions.scales) == pytest.approx([2.5e-6, 2.5e-6, 5e-6], rel=1e-12)
    assert list(state.position) == [50, 100, 25]
    assert list(state.dimensions.names) == ["x", "y", "z"]


@pytest.mark.parametrize("location", ["/data/visitor/md1389/A109.n5", "https://data.example.org/volume.zarr/",
                                      "n5://ftp://host/volume/", "hdf5://gs://bucket/volume.h5",
                                      "gs://bucket/slice.png|png:", "", None])
def test_other_locations_are_no_volumes(location):
    assert volume_format(location) is None


def test_links_of_real_volumes_read_back_as_the_records_say(catalogue, records):
    """Every HOA dataset: the parsed state's source, voxel size (metres) and centre are the record's."""
    checked = 0
    for name, record in records.items():
        dataset = by_name(catalogue, name)
        url = volume_link(dataset.volume, name, SETTINGS)
        # the package writes the very state back (before its wrappers normalise what they are asked for)
        assert decode(neuroglancer.to_url(neuroglancer.parse_url(url))) == decode(url)
        state = neuroglancer.parse_url(url)
        layer = state.layers[name]
        size = record["data"]["voxel_size_um"] * 1e-6
        assert layer.source[0].url == record["data"]["gcs_url"]
        assert list(layer.source[0].transform.output_dimensions.scales) == pytest.approx([size] * 3, rel=1e-12)
        assert list(state.dimensions.scales) == pytest.approx([size] * 3, rel=1e-12)
        assert list(state.dimensions.units) == ["m"] * 3
        assert list(state.position) == [n / 2 for n in record["data"]["shape"]]
        assert list(layer.shader_controls["normalized"].range) == [0, 65535]
        checked += 1
    assert checked == 378


def hoa_tools_transform(registration: dict, zoom: dict, overview: dict) -> sitk.Similarity3DTransform:
    """hoa-tools 2.0.0 (dataset._populate_registrations_from_metadata and registration.build_transform)."""
    target, source = overview["data"]["voxel_size_um"], zoom["data"]["voxel_size_um"]
    tx, ty, tz = (value * target for value in registration["translation"])
    return sitk.Similarity3DTransform(registration["scale"] * target / source, (1, 0, 0),
                                      math.radians(registration["rotation"]), (tz, ty, tx), (0, 0, 0))


def zooms_with_overview(records):
    return [(r, records[r["registration"]["target_dataset"]]) for r in records.values()
            if r.get("registration") and r["registration"]["target_dataset"] in records]


def test_in_context_the_zoom_lands_where_its_registration_says(catalogue, records):
    """Every registered zoom: its centre and corners, through the link's layer transform, in metres.

    Expected: hoa-tools' transform of the same voxel centres (µm, z y x), moved to
    Neuroglancer's convention where overview voxel i is centred at i + 0.5.
    """
    pairs = zooms_with_overview(records)
    assert len(pairs) == 224
    for zoom, overview in pairs:
        url = context_link(by_name(catalogue, zoom["name"]), by_name(catalogue, overview["name"]), SETTINGS)
        state = decode(url)
        layers = {layer["name"]: layer for layer in state["layers"]}
        assert [layer["name"] for layer in state["layers"]] == [overview["name"], zoom["name"]]
        assert layers[zoom["name"]]["source"]["url"] == zoom["data"]["gcs_url"]
        assert "matrix" not in layers[overview["name"]]["source"]["transform"]
        transform = layers[zoom["name"]]["source"]["transform"]
        matrix = transform["matrix"]
        scales = [transform["outputDimensions"][axis][0] for axis in "xyz"]
        reference = hoa_tools_transform(zoom["registration"], zoom, overview)
        target = overview["data"]["voxel_size_um"]
        nx, ny, nz = zoom["data"]["shape"]
        points = [((nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2)]  # the centre, then the corner voxels
        points += [(x, y, z) for x in (0, nx - 1) for y in (0, ny - 1) for z in (0, nz - 1)]
        for x, y, z in points:
            corner_coordinates = (x + 0.5, y + 0.5, z + 0.5)  # Neuroglancer: voxel i spans [i, i + 1)
            placed = [sum(row[j] * corner_coordinates[j] for j in range(3)) + row[3] for row in matrix]
            placed_metres = [value * scale for value, scale in zip(placed, scales)]
            pz, py, px = reference.TransformPoint(tuple(v * zoom["data"]["voxel_size_um"] for v in (z, y, x)))
            expected = [(value + target / 2) * 1e-6 for value in (px, py, pz)]
            assert placed_metres == pytest.approx(expected, abs=1e-9), (zoom["name"], (x, y, z))
        centre = [value * scale for value, scale in zip(state["position"], [state["dimensions"][a][0] for a in "xyz"])]
        pz, py, px = reference.TransformPoint(tuple((n - 1) / 2 * zoom["data"]["voxel_size_um"] for n in (nz, ny, nx)))
        assert centre == pytest.approx([(v + target / 2) * 1e-6 for v in (px, py, pz)], abs=1e-9)
        assert decode(neuroglancer.to_url(neuroglancer.parse_url(url))) == state
        assert neuroglancer.parse_url(url).selected_layer.layer == zoom["name"]


def test_only_registered_zooms_have_a_context_link(catalogue):
    overview = by_name(catalogue, "A109_lung_complete-organ_19.19um_bm18")
    assert context_link(overview, overview, SETTINGS) is None


def test_a_record_overrides_the_collection_contrast_and_shader(tmp_path):
    shader = "#uicontrol invlerp normalized\nvoid main() { emitGrayscale(normalized()); }"
    path = edited_snapshot(tmp_path / "snapshot.xml", parameters={"A109_lung_VOI-02b_4.14um_bm18": {
        "Neuroglancer_contrast_low": 9800, "Neuroglancer_contrast_high": 24000.5, "Neuroglancer_shader": shader}})
    catalogue = catalogue_from_snapshot(read_snapshot(path))
    settings = ViewerSettings(contrast=(0, 65535),
                              shader="void main() { emitGrayscale(toNormalized(getDataValue())); }")
    zoom = by_name(catalogue, "A109_lung_VOI-02b_4.14um_bm18")
    other = by_name(catalogue, "A109_lung_complete-organ_19.19um_bm18")
    own = neuroglancer.parse_url(volume_link(zoom.volume, zoom.name, settings)).layers[zoom.name]
    assert list(own.shader_controls["normalized"].range) == [9800, 24000.5]
    assert own.shader == shader
    default = neuroglancer.parse_url(volume_link(other.volume, other.name, settings)).layers[other.name]
    assert list(default.shader_controls["normalized"].range) == [0, 65535]
    assert default.shader == settings.shader
    both = decode(context_link(zoom, other, settings))["layers"]
    assert [layer["shaderControls"]["normalized"]["range"] for layer in both] == [[0, 65535], [9800, 24000.5]]


@pytest.mark.parametrize("layout, panel", [("4panel", 450), ("xy", 900), ("xy-3d", 900)])
def test_the_layout_is_the_collections_and_a_whole_slice_fits(layout, panel):
    volume = Volume("n5://gs://bucket/v/", (4.14, 4.14, 4.14), (6497, 5000, 3740))
    state = decode(volume_link(volume, "v", ViewerSettings(layout=layout)))
    assert state["layout"] == layout
    assert state["crossSectionScale"] * panel >= 6497  # voxels across a panel of that many screen pixels
