// The search engine of an atlas: reads the static index written by builder/render/search.py.
// Text: BM25F impacts precomputed per posting; the browser only adds them. Facets: one value id
// per document; OR within a facet, AND across facets, counts exact and disjunctive.

const TOKEN = /[0-9]+(?:\.[0-9]+)+|[\p{L}\p{N}]+/gu;
const MAX_TERMS = 16;
const PREFIX_WEIGHT = 0.7;
const FUZZY_WEIGHT = 0.4;

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
      if (clauses.length >= MAX_TERMS) break;
      clauses.push({ word, field, occur, exact });
    }
  }
  if (clauses.length >= MAX_TERMS && parts.length > MAX_TERMS) {
    notes.push(`The query is long; only its first ${MAX_TERMS} words were used.`);
  }
  if (!clauses.length && dropped) {
    notes.push("Only very common words (like “the” or “of”) were typed; try a more specific word.");
  }
  return { clauses, notes };
}

function editDistanceWithin(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      best = Math.min(best, current[j]);
    }
    if (best > limit) return false;
    previous = current;
  }
  return previous[b.length] <= limit;
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

  facet(name) { return this.file(`f/${name}.json`); }
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

  async shards(ids) {
    return Promise.all(ids.map((i) => this.file(`t/${i}.json`)));
  }

  // Postings of the words a clause matches, each with a weight: exact 1, prefix less, typo least.
  async termsFor(clause) {
    const word = clause.word;
    const collect = (shards, weightOf) => {
      const found = [];
      for (const shard of shards) {
        for (const term in shard) {
          const weight = weightOf(term);
          if (weight) found.push([shard[term], weight]);
        }
      }
      return found;
    };
    const high = clause.exact ? word + "\u0000" : word + "\uffff";
    let found = collect(await this.shards(this.shardsBetween(word, high)), (term) => {
      if (term === word) return 1;
      return !clause.exact && term.startsWith(word) ? PREFIX_WEIGHT * word.length / term.length : 0;
    });
    if (!found.length && !clause.exact && word.length >= 5) {
      // Typo tolerance: same first letter, one edit (two for long words).
      const limit = word.length >= 8 ? 2 : 1;
      const first = word[0];
      const next = String.fromCodePoint(first.codePointAt(0) + 1);
      found = collect(await this.shards(this.shardsBetween(first, next)),
        (term) => (term[0] === first && editDistanceWithin(word, term, limit) ? FUZZY_WEIGHT : 0));
    }
    return found;
  }

  // Map doc -> score for one clause (best matching term per document).
  async clauseScores(clause) {
    const scores = new Map();
    const bit = clause.field ? 1 << this.fields.indexOf(clause.field) : 0;
    for (const [flat, weight] of await this.termsFor(clause)) {
      let doc = 0;
      for (let i = 0; i < flat.length; i += 3) {
        doc += flat[i];
        if (bit && !(flat[i + 2] & bit)) continue;
        const score = flat[i + 1] * weight;
        if (!(scores.get(doc) >= score)) scores.set(doc, score);
      }
    }
    return scores;
  }

  // Documents matching the text, with scores; null means "no text query: every document".
  async textMatches(clauses) {
    const positive = clauses.filter((c) => c.occur !== "not");
    const negative = clauses.filter((c) => c.occur === "not");
    let result = null;
    for (const clause of positive) {
      const scores = await this.clauseScores(clause);
      if (result === null) result = scores;
      else {
        const merged = new Map();
        for (const [doc, score] of result) if (scores.has(doc)) merged.set(doc, score + scores.get(doc));
        result = merged;
      }
      if (!result.size) break;
    }
    if (negative.length) {
      if (result === null) {
        result = new Map();
        for (let doc = 0; doc < this.count; doc++) result.set(doc, 0);
      }
      for (const clause of negative) for (const doc of (await this.clauseScores(clause)).keys()) result.delete(doc);
    }
    return result;
  }
}

// Does a document's facet entry (id, list of ids, or -1) pass the facet's filter?
export function facetTest(facet, column, filter) {
  const values = column.values;
  if (facet.type === "terms") {
    const chosen = new Set();
    values.forEach((value, id) => { if (filter.has(String(value))) chosen.add(id); });
    return (entry) => (Array.isArray(entry) ? entry.some((id) => chosen.has(id)) : chosen.has(entry));
  }
  if (facet.type === "text") {
    const needle = fold(filter);
    const hits = new Set();
    values.forEach((value, id) => { if (fold(String(value)).includes(needle)) hits.add(id); });
    return (entry) => (Array.isArray(entry) ? entry.some((id) => hits.has(id)) : hits.has(entry));
  }
  // range and date: inclusive bounds, either may be open
  const low = filter.min, high = filter.max;
  const inside = values.map((value) => (low === null || value >= low) && (high === null || value <= high));
  return (entry) => (Array.isArray(entry) ? entry.some((id) => inside[id]) : entry >= 0 && inside[entry]);
}
