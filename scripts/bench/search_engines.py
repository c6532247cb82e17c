"""The three search engines the search benchmark compares, each built over the same documents.

- ours: the explore page and sharded index of the site `atlasgen build` writes (search.py builds it);
- lunr: a prebuilt index from the `lunr` package, queried by lunr.js 2.3.9 (npm), facets filtered in JS;
- pagefind: one HTML page per document indexed by the `pagefind` binary (PyPI `pagefind[bin]`),
  queried with its own JS API (no numeric ranges: such queries are reported as not supported).

Every engine's page exposes `window.benchReady` and `window.benchRun(state)`, which resolves with
{ms, count} once the first results are painted.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from builder.render import search
from builder.render.plan import CollectionPlan

FACETS = {"organ": "terms", "sex": "terms", "beamline": "terms", "dataset_kind": "terms", "age": "range",
          "voxel_size": "range"}
SHOWN = 24


@dataclass
class Corpus:
    """What every engine indexes: texts per field, boosts, facet values and card data per document."""

    texts: list[dict[str, str]]
    boosts: dict[str, float]
    facets: list[dict[str, list]]  # per document: facet -> values
    cards: list[list]  # per document: [title, [[label, text], ...]]


def corpus_of(plan: CollectionPlan) -> Corpus:
    config = plan.collection.config
    texts, facets, cards = [], [], []
    for view in plan.views:
        texts.append(search.text_of(view.values, config.search.fields))
        facets.append({name: [v for v in view.values[name].raw] if kind == "range" else
                       ([view.values[name].text] if view.values[name].text else []) for name, kind in FACETS.items()})
        cards.append([view.card_title, [[row.label, row.text] for row in view.card_rows]])
    return Corpus(texts, dict(config.search.fields), facets, cards)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ---------------------------------------------------------------- ours


TRANSFERRED = """
// When the results were painted, in the wall-clock milliseconds of the browser's network events.
window.paintedAt = (painted) => performance.timeOrigin + painted;
"""

OURS_HARNESS = TRANSFERRED + """
window.benchRun = async (query) => {
  const root = document.querySelector('.explore');
  const before = root.dataset.results;
  const started = performance.now();
  history.pushState(null, '', query);
  dispatchEvent(new PopStateEvent('popstate'));
  await new Promise((done) => {
    const watch = new MutationObserver(() => { if (root.dataset.results !== before) { watch.disconnect(); done(); } });
    watch.observe(root, { attributes: true });
  });
  await new Promise((done) => requestAnimationFrame(() => done()));
  const painted = performance.now();
  return { ms: painted - started, paintedAt: paintedAt(painted),
           count: Number(document.getElementById('result-count').textContent) };
};
"""


# ---------------------------------------------------------------- lunr

LUNR_BUILD = """
import json, sys
from lunr import lunr
corpus = json.load(open(sys.argv[1]))
fields = [{"field_name": name, "boost": boost} for name, boost in corpus["boosts"].items()]
documents = [{**{name: "" for name in corpus["boosts"]}, **text, "id": str(i)}
             for i, text in enumerate(corpus["texts"])]
index = lunr(ref="id", fields=fields, documents=documents)
json.dump(index.serialize(), open(sys.argv[2], "w"), separators=(",", ":"))
"""

RESULTS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{engine}</title></head>
<body><input id="q"><p><span id="count"></span> results</p><ol id="results"></ol>
{scripts}
<script>
{transferred}
function paint(ids, docs) {{
  const list = document.getElementById('results');
  list.replaceChildren(...ids.slice(0, {shown}).map((doc) => {{
    const item = document.createElement('li');
    const title = document.createElement('h3');
    title.textContent = doc[0];
    item.append(title);
    for (const [label, text] of doc[1]) {{
      const p = document.createElement('p'); p.textContent = label + ': ' + text; item.append(p);
    }}
    return item;
  }}));
}}
function facetsPass(facets, state) {{
  for (const [name, wanted] of Object.entries(state)) {{
    if (name === 'q') continue;
    const values = facets[name] || [];
    if (typeof wanted[0] === 'number') {{ if (!values.some((v) => v >= wanted[0] && v <= wanted[1])) return false; }}
    else if (!values.some((v) => wanted.includes(v))) return false;
  }}
  return true;
}}
</script>
{engine_script}
</body></html>
"""

LUNR_SCRIPT = """<script>
window.benchReady = (async () => {
  const [index, docs] = await Promise.all([fetch('lunr-index.json').then((r) => r.json()),
                                          fetch('docs.json').then((r) => r.json())]);
  window.lunrIndex = lunr.Index.load(index);
  window.docs = docs;
})();
window.benchRun = async (state) => {
  const started = performance.now();
  let hits;
  if (state.q) {
    // every word required, through lunr's own pipeline (stemming); lunr has no prefix search without wildcards,
    // which would bypass the stemmer and miss stemmed words
    const query = state.q.trim().split(/\\s+/).map((w) => '+' + w).join(' ');
    hits = lunrIndex.search(query).map((hit) => Number(hit.ref));
  } else {
    hits = docs.map((_, i) => i);
  }
  hits = hits.filter((i) => facetsPass(docs[i][2], state));
  paint(hits.map((i) => docs[i]), docs);
  document.getElementById('count').textContent = hits.length;
  await new Promise((done) => requestAnimationFrame(() => done()));
  const painted = performance.now();
  return { ms: painted - started, paintedAt: paintedAt(painted), count: hits.length };
};
</script>"""


def build_lunr(corpus: Corpus, folder: Path, work: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = work / "corpus.json"
    source.write_text(json.dumps({"texts": corpus.texts, "boosts": corpus.boosts}))
    subprocess.run([sys.executable, "-c", LUNR_BUILD, str(source), str(folder / "lunr-index.json")], check=True)
    docs = [[card[0], card[1], facets] for card, facets in zip(corpus.cards, corpus.facets)]
    (folder / "docs.json").write_text(json.dumps(docs, separators=(",", ":")))
    shutil.copy(lunr_js(work), folder / "lunr.min.js")
    (folder / "index.html").write_text(RESULTS_PAGE.format(engine="lunr", scripts='<script src="lunr.min.js"></script>',
                                                           engine_script=LUNR_SCRIPT, shown=SHOWN,
                                                           transferred=TRANSFERRED))
    return folder


def lunr_js(work: Path) -> Path:
    """lunr.js 2.3.9 from the npm registry."""
    target = work / "npm-lunr" / "package" / "lunr.min.js"
    if not target.exists():
        (work / "npm-lunr").mkdir(exist_ok=True)
        subprocess.run(["npm", "pack", "lunr@2.3.9", "--silent"], cwd=work / "npm-lunr", check=True,
                       capture_output=True)
        with tarfile.open(work / "npm-lunr" / "lunr-2.3.9.tgz") as archive:
            archive.extractall(work / "npm-lunr", filter="data")
    return target


# ---------------------------------------------------------------- pagefind

PAGEFIND_SCRIPT = """<script type="module">
const pagefind = await import('./pagefind/pagefind.js');
await pagefind.options({ excerptLength: 0 });
await pagefind.init();
window.benchRun = async (state) => {
  const started = performance.now();
  const filters = {};
  for (const [name, wanted] of Object.entries(state)) if (name !== 'q') filters[name] = { any: wanted };
  const search = await pagefind.search(state.q || null, { filters });
  const shown = await Promise.all(search.results.slice(0, %d).map((r) => r.data()));
  paint(shown.map((d) => [d.meta.title, Object.entries(d.filters).map(([k, v]) => [k, v.join(', ')])]));
  document.getElementById('count').textContent = search.results.length;
  await new Promise((done) => requestAnimationFrame(() => done()));
  const painted = performance.now();
  return { ms: painted - started, paintedAt: paintedAt(painted), count: search.results.length };
};
window.benchReady = Promise.resolve();
</script>""" % SHOWN


def build_pagefind(corpus: Corpus, folder: Path) -> tuple[Path, float]:
    """Writes one page per document (its input), then times the pagefind binary alone."""
    import time

    pages = folder / "d"
    pages.mkdir(parents=True, exist_ok=True)
    for number, (texts, facets, card) in enumerate(zip(corpus.texts, corpus.facets, corpus.cards)):
        filters = "".join(f'<span data-pagefind-filter="{name}">{html.escape(str(value))}</span>'
                          for name, values in facets.items() if FACETS[name] == "terms" for value in values)
        body = "".join(f"<p>{html.escape(text)}</p>" for name, text in texts.items() if name != "title")
        (pages / f"{number}.html").write_text(
            f'<!doctype html><html><head><title>{html.escape(card[0])}</title></head><body data-pagefind-body>'
            f'<h1 data-pagefind-meta="title">{html.escape(texts.get("title", card[0]))}</h1>{body}{filters}'
            f"</body></html>")
    (folder / "index.html").write_text(RESULTS_PAGE.format(engine="pagefind", scripts="",
                                                           engine_script=PAGEFIND_SCRIPT, shown=SHOWN,
                                                           transferred=TRANSFERRED))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(folder), "--output-subdir", "pagefind"],
                   check=True, capture_output=True)
    return folder / "pagefind", time.perf_counter() - started
