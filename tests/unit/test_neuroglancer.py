import json
from urllib.parse import unquote

from builder.neuroglancer import ViewerSettings, volume_link
from builder.records import Volume


def decode(url: str) -> dict:
    base, fragment = url.split("#!", 1)
    return json.loads(unquote(fragment))


def test_link_opens_the_source_in_metres_at_the_centre():
    volume = Volume("n5://gs://bucket/A109/lung/4.14um/", (4.14, 4.14, 4.14), (6497, 6497, 3740))
    url = volume_link(volume, "A109", ViewerSettings(base_url="https://viewer.example/", contrast=(0, 65535)))
    assert url.startswith("https://viewer.example/#!")
    state = decode(url)
    assert state["layers"][0]["source"] == "n5://gs://bucket/A109/lung/4.14um/"
    assert state["dimensions"] == {axis: [4.14e-6, "m"] for axis in "xyz"}
    assert state["position"] == [3248.5, 3248.5, 1870]
    assert state["layers"][0]["shaderControls"]["normalized"]["range"] == [0, 65535]
    assert state["layout"] == "4panel"
    assert " " not in url and '"' not in url
