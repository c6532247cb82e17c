"""What a build remembers of the last one, and why: the answer to "why was this page (not) rebuilt?".

Everything a build keeps for the next is made and read by this folder's
modules; each kind of memory is tied to the code that made it by one code
fingerprint (`fingerprint.py`: the digest of the named modules and all of
builder they import). Each entry: module, where it lives, what makes it stale.

- catalogue cache, `catalogue_cache.py`: `.cache/atlasgen/catalogue-*.pickle`;
  the snapshot's bytes, the fingerprint of the code that makes records.
- entity delta, `delta.py` and `chunks.py`: reads the newest cached catalogue;
  only entities whose bytes changed are parsed, only records that reach them made.
- recorded lookups, `lookups.py`: inside the site memory; a key a piece of
  work looked up holding something else.
- site memory, `site_memory.py`: `.cache/atlasgen/sites/<site>.pickle`; the
  published manifest's digest, the site's code and settings fingerprint. Its
  `MemoryKeeper` says which pieces are unchanged (carried over) and keeps what this build makes.
- results, `results.py`: `.cache/atlasgen/results/<namespace>.json`; the
  maker's digest (a CSL style, a validator) and the input's digest.
- manifest, `manifest.py`: `site/<site>/.atlasgen-manifest.json`; a file's
  inputs digest (code, templates, site, the page's context).
- spare folder, made by `publish/output.py`: `site/.<site>.spare`; the
  manifest it holds (a file with other bytes is replaced, never written through).
- images, `render/images.py`: `.cache/atlasgen/images/`; what an image is
  drawn from, the drawing code's fingerprint.

`pickles.py` reads and writes the caches' pickles (whole or not at all, through
`builder/files.py`): a damaged or foreign one is made again, never trusted.
Every memory is only ever written by atlasgen.
"""
