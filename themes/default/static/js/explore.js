// The explore page: search box, facets, sorting and results, all kept in the URL.
// Without JavaScript the page still lists every dataset, page by page.
import { SearchIndex, facetTest, parseQuery } from "./search.js";

const PAGE = 24;
const RESERVED = new Set(["q", "sort", "page"]);
const root = document.querySelector(".explore");
const elements = {
  query: document.getElementById("q"),
  form: document.querySelector(".search-form"),
  panel: document.getElementById("facet-panel"),
  clear: document.getElementById("clear-filters"),
  count: document.getElementById("result-count"),
  noun: document.getElementById("result-noun"),
  message: document.getElementById("search-message"),
  cards: document.getElementById("cards"),
  more: document.getElementById("load-more"),
  sort: document.getElementById("sort"),
  sortBox: document.querySelector(".sort"),
};

let index;
let facets = [];  // {facet, column, control, ...}
let state = { q: "", filters: new Map(), sort: "", page: 1 };
let results = [];
let shown = 0;
let runNumber = 0;
let lastAction = "";

const param = (facet) => (RESERVED.has(facet.name) ? `f.${facet.name}` : facet.name);

function make(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") element.textContent = value;
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

// ---------------------------------------------------------------- URL state

function readState() {
  const params = new URLSearchParams(location.search);
  const filters = new Map();
  for (const { facet } of facets) {
    const values = params.getAll(param(facet));
    if (!values.length) continue;
    if (facet.type === "terms") filters.set(facet.name, new Set(values));
    else if (facet.type === "text") { if (values[0].trim()) filters.set(facet.name, values[0]); }
    else {
      const [low, high] = values[0].split("..");
      const parse = (text) => (text === undefined || text === "" ? null : facet.type === "date" ? text : Number(text));
      const range = { min: parse(low), max: parse(high) };
      if ((range.min === null || !Number.isNaN(range.min)) && (range.max === null || !Number.isNaN(range.max))
          && (range.min !== null || range.max !== null)) filters.set(facet.name, range);
    }
  }
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  return { q: params.get("q") || "", filters, sort: params.get("sort") || "", page };
}

function stateQuery() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const { facet } of facets) {
    const filter = state.filters.get(facet.name);
    if (filter === undefined) continue;
    if (facet.type === "terms") for (const value of [...filter].sort()) params.append(param(facet), value);
    else if (facet.type === "text") params.set(param(facet), filter);
    else params.set(param(facet), `${filter.min ?? ""}..${filter.max ?? ""}`);
  }
  if (state.sort) params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  const text = params.toString();
  return text ? `?${text}` : location.pathname;
}

function remember(action) {
  const url = stateQuery();
  if (url === (location.search || location.pathname)) return;
  if (action === "typing" && lastAction === "typing") history.replaceState(null, "", url);
  else if (action === "page") history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  lastAction = action;
}

// ---------------------------------------------------------------- facet panel

function buildPanel() {
  elements.panel.replaceChildren();
  for (const entry of facets) {
    const { facet } = entry;
    const fieldset = make("fieldset", { class: `facet facet-${facet.type}`, "data-facet": facet.name });
    const unit = facet.unit ? ` (${facet.unit})` : "";
    fieldset.append(make("legend", { text: facet.label + (facet.type === "range" ? unit : "") }));
    if (facet.type === "terms") buildTerms(entry, fieldset);
    else if (facet.type === "text") buildText(entry, fieldset);
    else buildRange(entry, fieldset);
    elements.panel.append(fieldset);
  }
}

function buildTerms(entry, fieldset) {
  const { facet, column } = entry;
  const list = make("ul");
  entry.items = column.values.map((value, id) => {
    const inputId = `facet-${facet.name}-${id}`;
    const box = make("input", { type: "checkbox", id: inputId, value: String(value) });
    box.addEventListener("change", () => {
      const chosen = new Set(state.filters.get(facet.name) || []);
      if (box.checked) chosen.add(String(value)); else chosen.delete(String(value));
      if (chosen.size) state.filters.set(facet.name, chosen); else state.filters.delete(facet.name);
      update("filter");
    });
    const count = make("span", { class: "count", text: "0" });
    const item = make("li", {}, make("label", { for: inputId }, box, make("span", { text: String(value) })), count);
    return { id, value: String(value), box, count, item };
  });
  // Most common values first; the order then stays put while counts change.
  const totals = new Array(column.values.length).fill(0);
  for (const doc of column.docs) for (const id of Array.isArray(doc) ? doc : [doc]) if (id >= 0) totals[id]++;
  entry.items.sort((a, b) => totals[b.id] - totals[a.id] || a.value.localeCompare(b.value));
  entry.items.forEach((item) => list.append(item.item));
  fieldset.append(list);
  if (entry.items.length > facet.show) {
    const toggle = make("button", { type: "button", class: "link-button", "aria-expanded": "false",
      text: `Show all ${entry.items.length}` });
    toggle.addEventListener("click", () => {
      entry.expanded = !entry.expanded;
      toggle.setAttribute("aria-expanded", String(entry.expanded));
      toggle.textContent = entry.expanded ? "Show fewer" : `Show all ${entry.items.length}`;
      paintTerms(entry);
    });
    fieldset.append(toggle);
  }
}

function buildText(entry, fieldset) {
  const { facet } = entry;
  const input = make("input", { type: "search", id: `facet-${facet.name}`, "aria-label": facet.label,
    placeholder: "contains…", autocomplete: "off" });
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (input.value.trim()) state.filters.set(facet.name, input.value.trim()); else state.filters.delete(facet.name);
      update("typing");
    }, 200);
  });
  entry.input = input;
  fieldset.append(make("div", { class: "text-facet" }, input));
}

function buildRange(entry, fieldset) {
  const { facet, column } = entry;
  const values = column.values;
  entry.histogram = make("div", { class: "histogram", "aria-hidden": "true" });
  const numeric = facet.type === "range";
  const low = values[0], high = values[values.length - 1];
  const bins = Math.max(1, Math.min(facet.bins, values.length));
  entry.binOf = values.map((value, id) => {
    if (!numeric || high === low) return Math.floor((id * bins) / values.length);
    return Math.min(bins - 1, Math.floor(((value - low) / (high - low)) * bins));
  });
  entry.bars = Array.from({ length: bins }, () => make("span"));
  entry.histogram.append(...entry.bars);
  const input = (which) => {
    const element = make("input", { type: numeric ? "number" : "date", step: "any", id: `facet-${facet.name}-${which}`,
      placeholder: values.length ? formatNumber(which === "min" ? low : high) : "",
      "aria-label": `${facet.label} ${which === "min" ? "from" : "to"}${facet.unit ? ` (${facet.unit})` : ""}` });
    element.addEventListener("change", () => applyRange(entry));
    return element;
  };
  entry.min = input("min");
  entry.max = input("max");
  const unit = facet.unit ? make("span", { class: "count", text: facet.unit }) : "";
  fieldset.append(entry.histogram, make("div", { class: "range-inputs" }, entry.min, make("span", { text: "to" }),
    entry.max, unit));
}

function applyRange(entry) {
  const read = (input) => (input.value === "" ? null : entry.facet.type === "date" ? input.value : Number(input.value));
  const range = { min: read(entry.min), max: read(entry.max) };
  if (range.min === null && range.max === null) state.filters.delete(entry.facet.name);
  else state.filters.set(entry.facet.name, range);
  update("filter");
}

function syncControls() {
  elements.query.value = state.q;
  for (const entry of facets) {
    const filter = state.filters.get(entry.facet.name);
    if (entry.items) for (const item of entry.items) item.box.checked = Boolean(filter && filter.has(item.value));
    if (entry.input) entry.input.value = filter || "";
    if (entry.min) {
      entry.min.value = filter && filter.min !== null ? filter.min : "";
      entry.max.value = filter && filter.max !== null ? filter.max : "";
    }
  }
  const sorting = state.sort || (state.q ? "relevance" : index.manifest.defaultSort);
  elements.sort.value = sorting;
}

function paintTerms(entry) {
  const filter = state.filters.get(entry.facet.name);
  entry.items.forEach((item, position) => {
    const count = entry.counts[item.id];
    item.count.textContent = String(count);
    item.item.classList.toggle("zero", count === 0);
    const selected = Boolean(filter && filter.has(item.value));
    item.item.hidden = !entry.expanded && position >= entry.facet.show && !selected;
  });
}

function paintRange(entry) {
  const sums = new Array(entry.bars.length).fill(0);
  entry.counts.forEach((count, id) => { sums[entry.binOf[id]] += count; });
  const top = Math.max(1, ...sums);
  const filter = state.filters.get(entry.facet.name);
  const values = entry.column.values;
  const inRange = new Array(entry.bars.length).fill(false);
  values.forEach((value, id) => {
    if (!filter || ((filter.min === null || value >= filter.min) && (filter.max === null || value <= filter.max))) {
      inRange[entry.binOf[id]] = true;
    }
  });
  entry.bars.forEach((bar, bin) => {
    bar.style.height = `${Math.round((100 * sums[bin]) / top)}%`;
    bar.classList.toggle("in", inRange[bin] && sums[bin] > 0);
  });
}

// ---------------------------------------------------------------- running a search

async function run() {
  const number = ++runNumber;
  const { clauses, notes } = parseQuery(state.q, index.fields, index.stopWords);
  const text = await index.textMatches(clauses);
  if (number !== runNumber) return;
  const tests = facets.map((entry) => {
    const filter = state.filters.get(entry.facet.name);
    return filter === undefined ? null : facetTest(entry.facet, entry.column, filter);
  });
  for (const entry of facets) entry.counts = new Array(entry.column.values.length).fill(0);
  const matching = [];
  const candidates = text === null ? null : [...text.keys()];
  const total = candidates === null ? index.count : candidates.length;
  for (let k = 0; k < total; k++) {
    const doc = candidates === null ? k : candidates[k];
    let failing = -1;
    let failures = 0;
    for (let f = 0; f < facets.length; f++) {
      if (tests[f] && !tests[f](facets[f].column.docs[doc])) { failures++; failing = f; if (failures > 1) break; }
    }
    if (failures > 1) continue;
    if (failures === 0) matching.push(doc);
    // Counts of a facet ignore that facet's own filter: choosing a value never hides its siblings.
    for (let f = 0; f < facets.length; f++) {
      if (failures === 1 && f !== failing) continue;
      const entry = facets[f].column.docs[doc];
      if (Array.isArray(entry)) for (const id of entry) facets[f].counts[id]++;
      else if (entry >= 0) facets[f].counts[entry]++;
    }
  }
  const sorting = state.sort || (clauses.some((c) => c.occur !== "not") ? "relevance" : index.manifest.defaultSort);
  if (sorting === "relevance" && text !== null) {
    matching.sort((a, b) => text.get(b) - text.get(a) || a - b);
  } else if (sorting !== index.manifest.defaultSort && sorting !== "relevance") {
    const ranks = await index.sortRanks(sorting).catch(() => null);
    if (number !== runNumber) return;
    if (ranks) matching.sort((a, b) => ranks[a] - ranks[b]);
  } else {
    matching.sort((a, b) => a - b);
  }
  results = matching;
  const first = await cardsFor(results.slice(0, Math.max(1, state.page) * PAGE));
  if (number !== runNumber) return;
  // Paint everything at once: count, facets and cards always agree.
  for (const entry of facets) (entry.items ? paintTerms : entry.bars ? paintRange : () => {})(entry);
  elements.count.textContent = String(results.length);
  elements.noun.textContent = results.length === 1 ? "dataset" : "datasets";
  showNotes(notes, results.length);
  elements.clear.hidden = !state.q && state.filters.size === 0;
  elements.cards.replaceChildren(first);
  shown = first.childElementCount;
  elements.more.hidden = shown >= results.length;
}

function showNotes(notes, count) {
  const lines = [...notes];
  if (!count) lines.push("No dataset matches. Remove a filter or a word to see more.");
  elements.message.hidden = !lines.length;
  elements.message.textContent = lines.join(" ");
}

// Card elements for these documents, fetching only the chunks of the index that hold them.
async function cardsFor(ids) {
  const chunkSize = index.manifest.docChunk;
  const chunks = new Map();
  await Promise.all([...new Set(ids.map((id) => Math.floor(id / chunkSize)))].map(async (chunk) => {
    chunks.set(chunk, await index.file(`d/${chunk}.json`));
  }));
  const fragment = document.createDocumentFragment();
  for (const id of ids) fragment.append(card(chunks.get(Math.floor(id / chunkSize))[id % chunkSize]));
  return fragment;
}

async function showMore(limit) {
  const number = runNumber;
  const more = await cardsFor(results.slice(shown, limit));
  if (number !== runNumber) return;
  shown += more.childElementCount;
  elements.cards.append(more);
  elements.more.hidden = shown >= results.length;
}

function card([path, title, rows, text]) {
  const facts = make("dl", { class: "card-facts" });
  for (const [label, value] of rows) facts.append(make("div", {}, make("dt", { text: label }), make("dd", { text: value })));
  const item = make("li", { class: "card" },
    make("h3", { class: "card-title" }, make("a", { href: root.dataset.root + path, text: title })));
  if (rows.length) item.append(facts);
  if (text) item.append(make("p", { class: "card-text", text }));
  return item;
}

async function update(action) {
  if (action !== "page") state.page = 1;
  remember(action);
  await run();
}

// ---------------------------------------------------------------- start

async function start() {
  document.documentElement.classList.add("js");
  try {
    index = await SearchIndex.load(root.dataset.index);
    const columns = await Promise.all(index.manifest.facets.map((facet) => index.facet(facet.name)));
    facets = index.manifest.facets.map((facet, i) => ({ facet, column: columns[i], counts: [] }));
  } catch (error) {
    document.documentElement.classList.remove("js");
    elements.message.hidden = false;
    elements.message.textContent = "Search is unavailable right now; the list below shows every dataset.";
    return;
  }
  buildPanel();
  elements.sort.append(make("option", { value: "relevance", text: "Relevance" }));
  for (const sort of index.manifest.sorts) elements.sort.append(make("option", { value: sort.key, text: sort.label }));
  elements.sortBox.hidden = false;
  state = readState();
  syncControls();

  let timer;
  elements.query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = elements.query.value; update("typing"); }, 120);
  });
  elements.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    state.q = elements.query.value;
    update("submit");
  });
  elements.sort.addEventListener("change", () => { state.sort = elements.sort.value; update("sort"); });
  elements.clear.addEventListener("click", () => {
    state = { q: "", filters: new Map(), sort: "", page: 1 };
    syncControls();
    update("clear");
    elements.query.focus();
  });
  elements.more.addEventListener("click", async () => {
    state.page = Math.floor(shown / PAGE) + 1;
    remember("page");
    await showMore(state.page * PAGE);
  });
  window.addEventListener("popstate", () => {
    state = readState();
    syncControls();
    lastAction = "";
    run();
  });
  await run();
  root.dataset.ready = "true";
}

start();
