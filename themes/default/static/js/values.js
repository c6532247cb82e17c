// Query words that name a facet value: "female brain" reads as sex: female and organ: brain.
import { tokenize } from "./search.js";

const LONGEST = 4;  // words of the longest value label looked for

// The words of every terms and hierarchy value label -> the values they name: [{entry, key, label}].
// Labels of numbers alone ("1", "2") name nothing: they would take over ordinary numbers.
export function valueNames(facets, stopWords) {
  const names = new Map();
  for (const entry of facets) {
    const { facet, values } = entry;
    if (!values || (facet.type !== "terms" && facet.type !== "hierarchy")) continue;
    values.labels.forEach((label, id) => {
      const words = tokenize(label, stopWords);
      if (!words.length || words.length > LONGEST || words.every((word) => /^[\d.]+$/.test(word))) return;
      const name = words.join(" ");
      if (!names.has(name)) names.set(name, []);
      names.get(name).push({ entry, key: values.keys[id], label });
    });
  }
  return names;
}

// Runs of plain words (no field:, no quotes, not excluded) that name values, longest run first:
// [{clauses: [index, ...], values: [{entry, key, label}, ...]}].
export function namedValues(clauses, names) {
  const plain = (clause) => clause.occur !== "not" && !clause.field && !clause.exact;
  const found = [];
  for (let start = 0; start < clauses.length;) {
    let length = Math.min(LONGEST, clauses.length - start);
    for (; length >= 1; length--) {
      const run = clauses.slice(start, start + length);
      const values = run.every(plain) && names.get(run.map((clause) => clause.word).join(" "));
      if (values) {
        found.push({ clauses: run.map((_, offset) => start + offset), values });
        break;
      }
    }
    start += Math.max(1, length);
  }
  return found;
}

// A test of a document id: does it have one of the named values? (Their facets' columns must be loaded.)
export function namedTest(named) {
  const tests = named.values.map(({ entry, key }) => {
    const test = entry.values.test(new Set([key]));
    return (doc) => test(entry.column[doc]);
  });
  return (doc) => tests.some((test) => test(doc));
}

// The named values as filters, one facet at a time: [{entry, keys, label}] ("Filter by Organ: brain?").
export function asFilters(named) {
  const byFacet = new Map();
  for (const { entry, key, label } of named.values) {
    if (!byFacet.has(entry)) byFacet.set(entry, { entry, keys: [], label });
    byFacet.get(entry).keys.push(key);
  }
  return [...byFacet.values()];
}

// The query text again, without the clauses at these indexes.
export function queryWithout(clauses, indexes) {
  const dropped = new Set(indexes);
  return clauses.filter((_, index) => !dropped.has(index)).map((clause) => {
    const sign = clause.occur === "must" ? "+" : clause.occur === "not" ? "-" : "";
    const word = clause.exact ? `"${clause.word}"` : clause.word;
    return `${sign}${clause.field ? `${clause.field}:` : ""}${word}`;
  }).join(" ");
}
