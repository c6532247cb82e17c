// The search engine of an atlas: reads the static index written by builder/render/search.py.
// Text: BM25F impacts precomputed per posting; the browser only adds them. Facets: one value id
// per document; OR within a facet, AND across facets, counts exact and disjunctive.
// Only what a query needs is fetched: its words' shards, its facets' columns, its results' cards.

const TOKEN = /[0-9]+(?:\.[0-9]+)+|[\p{L}\p{N}]+/gu;
const MAX_TERMS = 16;
const PREFIX_WEIGHT = 0.7;
const FUZZY_WEIGHT = 0.4;
export const PATH = ">";  // separates the levels of a hierarchy value in URLs: lung>left

export function fold(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export function tokenize(text, stopWords) {
  return (fold(text).match(TOKEN) || []).filter((t) => !stopWords.has(t));
}

// Parse a query: words, "exact words", field:word, +required, -excluded.
// Returns {clauses, notes}; notes explain anything that was ignored or changed.
export function parseQuery(text, fields, stopWords) {
  const notes = [];
  const clauses = [];
  let source = text;
  if ((source.match(/"/g) || []).length % 2 === 1) {
    notes.push("A closing quote is missing; the quoted words were searched as exact words anyway.");
    source += '"';
  }
  const parts = source.match(/[+-]?(?:[\p{L}\p{N}_]+:)?(?:"[^"]*"|[^\s"]+)|[+-]/gu) || [];
  let dropped = 0;
  let truncated = false;
  for (const raw of parts) {
    let part = raw;
    let occur = "should";
    if (part.startsWith("+")) { occur = "must"; part = part.slice(1); }
    else if (part.startsWith("-")) { occur = "not"; part = part.slice(1); }
    if (!part) { notes.push(`A lone “${raw}” was ignored: put it right before a word, like -covid.`); continue; }
    let field = null;
    const colon = part.match(/^([\p{L}\p{N}_]+):(.+)$/u);
    if (colon) {
      if (fields.includes(colon[1])) { field = colon[1]; part = colon[2]; }
      else notes.push(`There is no field “${colon[1]}”; searched everywhere. Fields: ${fields.join(", ")}.`);
    }
    const exact = part.startsWith('"');
    const words = tokenize(part.replaceAll('"', " "), stopWords);
    if (!words.length) { dropped += 1; continue; }
    for (const word of words) {
      if (clauses.length >= MAX_TERMS) { truncated = true; break; }
      clauses.push({ word, field, occur, exact });
    }
  }
  if (truncated) notes.push(`The query is long; only its first ${MAX_TERMS} words were used.`);
  if (!clauses.length && dropped) {
    notes.push("Only very common words (like “the” or “of”) were typed; try a more specific word.");
  }
  return { clauses, notes };
}

// Whether a and b are within `limit` edits, a swap of two neighbouring letters counting as one
// (optimal string alignment distance: "kidnye" is one edit from "kidney").
function editDistanceWithin(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return false;
  let before = null;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j], before[j - 2] + 1);
      }
      best = Math.min(best, current[j]);
    }
    if (best > limit) return false;
    before = previous;
    previous = current;
  }
  return previous[b.length] <= limit;
}

function vocabularyKey(term) {
  const first = term[0];
  return /^[a-z0-9]$/.test(first) ? first : `u${first.codePointAt(0).toString(16)}`;
}

export class SearchIndex {
  constructor(base, manifest) {
    this.base = base;
    this.manifest = manifest;
    this.count = manifest.count;
    this.fields = manifest.fields;
    this.stopWords = new Set(manifest.stopWords);
    this.files = new Map();
  }

  static async load(manifestUrl) {
    const url = new URL(manifestUrl, document.baseURI);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`search index unavailable (${response.status})`);
    return new SearchIndex(new URL(".", url), await response.json());
  }

  file(path) {
    if (!this.files.has(path)) {
      const loading = fetch(new URL(path, this.base)).then((response) => {
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        return response.json();
      });
      loading.catch(() => this.files.delete(path));
      this.files.set(path, loading);
    }
    return this.files.get(path);
  }

  column(name) { return this.file(`f/${name}.json`); }
  sortRanks(key) { return this.file(`s/${key}.json`); }

  // Shards whose term range may hold words from `low` (inclusive) to `high` (exclusive).
  shardsBetween(low, high) {
    const starts = this.manifest.shards;
    const found = [];
    for (let i = 0; i < starts.length; i++) {
      const end = i + 1 < starts.length ? starts[i + 1] : null;
      if ((end === null || end > low) && (high === null || starts[i] < high)) found.push(i);
    }
    return found;
  }

  // The shard holding exactly this term.
  shardOf(term) {
    const starts = this.manifest.shards;
    let low = 0, high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= term) low = middle; else high = middle - 1;
    }
    return low;
  }

  async shards(ids) {
    return Promise.all(ids.map((i) => this.file(`t/${i}.json`)));
  }

  // Postings of the words a clause matches, each with a weight: exact 1, prefix less, typo least.
  async termsFor(clause) {
    const word = clause.word;
    const found = [];
    const high = clause.exact ? word + "\u0000" : word + "\uffff";
    for (const shard of await this.shards(this.shardsBetween(word, high))) {
      for (const term in shard) {
        if (term === word) found.push([shard[term], 1]);
        else if (!clause.exact && term.startsWith(word)) found.push([shard[term], PREFIX_WEIGHT * word.length / term.length]);
      }
    }
    if (!found.length && !clause.exact && word.length >= 5) {
      // Typo tolerance: terms of the same first letter within one edit (two for long words).
      const key = vocabularyKey(word);
      if (!this.manifest.vocabulary.includes(key)) return found;
      const limit = word.length >= 8 ? 2 : 1;
      const near = (await this.file(`v/${key}.json`)).filter((term) => editDistanceWithin(word, term, limit));
      const shards = await this.shards([...new Set(near.map((term) => this.shardOf(term)))]);
      for (const shard of shards) for (const term of near) if (shard[term]) found.push([shard[term], FUZZY_WEIGHT]);
    }
    return found;
  }

  // Scores per document for one clause (best matching term per document); 0 where it does not match.
  async clauseScores(clause) {
    const scores = new Float64Array(this.count);
    const bit = clause.field ? 1 << this.fields.indexOf(clause.field) : 0;
    for (const [flat, weight] of await this.termsFor(clause)) {
      let doc = 0;
      for (let i = 0; i < flat.length; i += 3) {
        doc += flat[i];
        if (bit && !(flat[i + 2] & bit)) continue;
        const score = flat[i + 1] * weight;
        if (score > scores[doc]) scores[doc] = score;
      }
    }
    return scores;
  }

  // Documents matching the text: {docs (ascending ids), score (by id)}; null means "no text query: every document".
  async textMatches(clauses) {
    const positive = clauses.filter((c) => c.occur !== "not");
    const negative = clauses.filter((c) => c.occur === "not");
    if (!positive.length && !negative.length) return null;
    const [positiveScores, negativeScores] = await Promise.all([
      Promise.all(positive.map((c) => this.clauseScores(c))),
      Promise.all(negative.map((c) => this.clauseScores(c))),
    ]);
    const score = new Float64Array(this.count);
    const alive = new Uint8Array(this.count).fill(1);
    for (const scores of positiveScores) {
      for (let doc = 0; doc < this.count; doc++) {
        if (scores[doc] > 0) score[doc] += scores[doc]; else alive[doc] = 0;
      }
    }
    for (const scores of negativeScores) for (let doc = 0; doc < this.count; doc++) if (scores[doc] > 0) alive[doc] = 0;
    const docs = [];
    for (let doc = 0; doc < this.count; doc++) if (alive[doc]) docs.push(doc);
    return { docs, score };
  }
}

// The first `count` items of `items` in `compare` order, without sorting all of them (a bounded heap).
export function firstInOrder(items, count, compare) {
  if (items.length <= count * 4) return [...items].sort(compare).slice(0, count);
  const heap = [];  // the best `count` so far; heap[0] is the worst of them
  const worse = (a, b) => compare(a, b) > 0;
  const up = (i) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i) => {
    for (;;) {
      const left = 2 * i + 1, right = left + 1;
      let top = i;
      if (left < heap.length && worse(heap[left], heap[top])) top = left;
      if (right < heap.length && worse(heap[right], heap[top])) top = right;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top], heap[i]];
      i = top;
    }
  };
  for (const item of items) {
    if (heap.length < count) { heap.push(item); up(heap.length - 1); }
    else if (compare(item, heap[0]) < 0) { heap[0] = item; down(0); }
  }
  return heap.sort(compare);
}

// A facet's values, prepared once: labels, URL keys, for hierarchies each node's ancestors,
// for ranges the histogram bar of each value.
export class FacetValues {
  constructor(facet, values) {
    this.facet = facet;
    this.values = values;
    this.bounded = facet.type === "range" || facet.type === "date";
    this.spans = Boolean(facet.spans);  // an entry [first, last] is every value from first to last
    if (facet.type === "hierarchy") {
      // Parents come before their children in the values, so one pass builds every path.
      this.keys = [];
      this.ancestors = [];
      values.forEach(([label, parent], id) => {
        this.keys[id] = parent >= 0 ? this.keys[parent] + PATH + label : String(label);
        this.ancestors[id] = parent >= 0 ? [id, ...this.ancestors[parent]] : [id];
      });
      this.labels = values.map(([label]) => String(label));
      this.parents = values.map(([, parent]) => parent);
    } else {
      this.keys = values.map(String);
      this.labels = this.keys;
    }
    if (this.bounded) this.binValues(facet.bins);
  }

  // Which histogram bar each value falls in: the bars split the values' range evenly
  // (builder/render/search.py's histogram does the same).
  binValues(bins) {
    const position = this.facet.type === "range" ? this.values : this.values.map((value) => Date.parse(value));
    const low = position[0], high = position[position.length - 1];
    this.bins = bins;
    this.binOf = position.map((value, id) => (high === low || Number.isNaN(value)
      ? Math.floor((id * bins) / this.values.length)
      : Math.min(bins - 1, Math.floor(((value - low) / (high - low)) * bins))));
  }

  // Counts per value, or per bar for a range.
  emptyCounts() {
    return new Array(this.bounded ? this.bins : this.values.length).fill(0);
  }

  // Add one document's entry (an id, a list of ids, or -1) to the counts; a range's document
  // counts once on each bar its values reach.
  count(counts, entry) {
    if (entry < 0) return;
    if (this.ancestors) { for (const id of this.ancestors[entry]) counts[id]++; return; }
    if (this.bounded) {
      if (!Array.isArray(entry)) { counts[this.binOf[entry]]++; return; }
      if (this.spans) { for (let bar = this.binOf[entry[0]]; bar <= this.binOf[entry[1]]; bar++) counts[bar]++; return; }
      for (const bar of new Set(entry.map((id) => this.binOf[id]))) counts[bar]++;
      return;
    }
    if (Array.isArray(entry)) { for (const id of entry) counts[id]++; return; }
    counts[entry]++;
  }

  // A test of one document's entry against the facet's filter.
  test(filter) {
    const type = this.facet.type;
    const values = this.values;
    let inside;
    if (type === "terms" || type === "hierarchy") {
      inside = this.keys.map((key) => filter.has(key));
      if (this.ancestors) {
        const chosen = this.ancestors.map((chain) => chain.some((id) => inside[id]));
        return (entry) => entry >= 0 && chosen[entry];
      }
    } else if (type === "text") {
      const needle = fold(filter);
      inside = this.keys.map((key) => fold(key).includes(needle));
    } else {  // range and date: inclusive bounds, either may be open
      const above = (value) => filter.min === null || value >= filter.min;
      const below = (value) => filter.max === null || value <= filter.max;
      inside = values.map((value) => above(value) && below(value));
      if (this.spans) {  // a span matches when it meets the filter's range
        return (entry) => (Array.isArray(entry) ? above(values[entry[1]]) && below(values[entry[0]])
          : entry >= 0 && inside[entry]);
      }
    }
    return (entry) => (Array.isArray(entry) ? entry.some((id) => inside[id]) : entry >= 0 && inside[entry]);
  }

  // Whether each bar of a range's histogram lies (partly) inside the filter.
  barsInside(filter) {
    const position = (value) => (this.facet.type === "date" ? Date.parse(value) : value);
    const low = position(this.values[0]), high = position(this.values[this.values.length - 1]);
    const from = filter.min === null ? -Infinity : position(filter.min);
    const to = filter.max === null ? Infinity : position(filter.max);
    const width = (high - low) / this.bins;
    return Array.from({ length: this.bins }, (_, bar) => (high === low
      ? low >= from && low <= to
      : low + (bar + 1) * width >= from && low + bar * width <= to));
  }
}

// A value as a visitor reads it: years before the common era as "350 BCE".
export function formatValue(facet, value) {
  if (value === null || value === undefined) return "";
  if (facet.format === "year") {
    const year = Math.round(Number(value));
    return year < 0 ? `${-year} BCE` : String(year);
  }
  if (facet.type === "date") return String(value).slice(0, 10);
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}
