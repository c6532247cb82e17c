// The explore page: search box, facets, sorting and results, all kept in the URL.
// Without JavaScript the page still lists every dataset, page by page. Each job is a module:
// cards.js and table.js show results, chips.js the active filters, drawer.js the phone's filter drawer,
// values.js reads facet values in the query, offers.js suggests filters and changes, share.js copies the view.
import { card, watchImage } from "./cards.js";
import { Chips, chipsOf } from "./chips.js";
import { make } from "./dom.js";
import { Drawer } from "./drawer.js";
import { Offers } from "./offers.js";
import { FacetValues, SearchIndex, firstInOrder, formatValue, parseQuery } from "./search.js";
import { copyLinkButton } from "./share.js";
import { ResultTable } from "./table.js";
import { asFilters, namedTest, namedValues, queryWithout, valueNames } from "./values.js";

const PAGE = 24;
const RESERVED = new Set(["q", "sort", "page", "view"]);
const root = document.querySelector(".explore");
const elements = {
  query: document.getElementById("q"),
  form: document.querySelector(".search-form"),
  panel: document.getElementById("facet-panel"),
  filters: document.getElementById("filters"),
  clear: document.getElementById("clear-filters"),
  count: document.getElementById("result-count"),
  noun: document.getElementById("result-noun"),
  message: document.getElementById("search-message"),
  cards: document.getElementById("cards"),
  table: document.getElementById("table-view"),
  more: document.getElementById("load-more"),
  sort: document.getElementById("sort"),
  sortBox: document.querySelector(".sort"),
  views: document.querySelector(".view-choice"),
};

let index;
let facets = [];  // {facet, values: FacetValues (a range's once its column is here), column, counts, ...controls}
let names = new Map();  // words of facet value labels -> the values they name
let state = { q: "", filters: new Map(), sort: "", page: 1, view: "cards" };
let results = [];  // matching document ids
let order = null;  // how to order them, or null when their id order is already right
let shown = 0;
let runNumber = 0;
let lastAction = "";
let chips, drawer, offers, table;

const param = (facet) => (RESERVED.has(facet.name) ? `f.${facet.name}` : facet.name);
const isRange = (facet) => facet.type === "range" || facet.type === "date";

// ---------------------------------------------------------------- URL state

function readState() {
  const params = new URLSearchParams(location.search);
  const filters = new Map();
  for (const { facet } of facets) {
    const values = params.getAll(param(facet));
    if (!values.length) continue;
    if (facet.type === "terms" || facet.type === "hierarchy") filters.set(facet.name, new Set(values));
    else if (facet.type === "text") { if (values[0].trim()) filters.set(facet.name, values[0].trim()); }
    else {
      const [low, high] = values[0].split("..");
      const parse = (text) => (text === undefined || text === "" ? null : facet.type === "date" ? text : Number(text));
      const range = { min: parse(low), max: parse(high) };
      const valid = (bound) => bound === null || (facet.type === "date" ? /^-?\d{4}/.test(bound) : !Number.isNaN(bound));
      if (valid(range.min) && valid(range.max) && (range.min !== null || range.max !== null)) filters.set(facet.name, range);
    }
  }
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  const view = params.get("view") === "list" ? "list" : "cards";
  return { q: params.get("q") || "", filters, sort: params.get("sort") || "", page, view };
}

function stateQuery() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const { facet } of facets) {
    const filter = state.filters.get(facet.name);
    if (filter === undefined) continue;
    if (filter instanceof Set) for (const value of [...filter].sort()) params.append(param(facet), value);
    else if (facet.type === "text") params.set(param(facet), filter);
    else params.set(param(facet), `${filter.min ?? ""}..${filter.max ?? ""}`);
  }
  if (state.sort) params.set("sort", state.sort);
  if (state.view === "list") params.set("view", "list");
  if (state.page > 1) params.set("page", String(state.page));
  const text = params.toString();
  return text ? `?${text}` : location.pathname;
}

function remember(action) {
  const url = stateQuery();
  if (url === (location.search || location.pathname)) return;
  if ((action === "typing" && lastAction === "typing") || action === "page") history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  lastAction = action;
}

// ---------------------------------------------------------------- facet panel

function buildPanel() {
  elements.panel.replaceChildren();
  for (const entry of facets) {
    const { facet } = entry;
    const fieldset = make("fieldset", { class: `facet facet-${facet.type}`, "data-facet": facet.name });
    const unit = facet.unit && isRange(facet) ? ` (${facet.unit})` : "";
    fieldset.append(make("legend", { text: facet.label + unit }));
    if (facet.type === "terms" || facet.type === "hierarchy") buildChoices(entry, fieldset);
    else if (facet.type === "text") buildText(entry, fieldset);
    else buildRange(entry, fieldset);
    elements.panel.append(fieldset);
  }
}

function toggleValue(facet, key, on) {
  const chosen = new Set(state.filters.get(facet.name) || []);
  if (on) chosen.add(key); else chosen.delete(key);
  if (chosen.size) state.filters.set(facet.name, chosen); else state.filters.delete(facet.name);
  update("filter");
}

// Checkboxes, nested for a hierarchy: a parent covers all of its children.
function buildChoices(entry, fieldset) {
  const { facet, values } = entry;
  const lists = new Map([[-1, make("ul")]]);
  entry.items = values.keys.map((key, id) => {
    const inputId = `facet-${facet.name}-${id}`;
    const box = make("input", { type: "checkbox", id: inputId, value: key });
    box.addEventListener("change", () => toggleValue(facet, key, box.checked));
    const count = make("span", { class: "count", text: "" });
    const item = make("li", {}, make("label", { for: inputId }, box, make("span", { text: values.labels[id] })), count);
    return { id, key, box, count, item, parent: values.parents ? values.parents[id] : -1 };
  });
  for (const item of entry.items) {
    if (values.parents && values.parents.includes(item.id)) {
      const children = make("ul", { class: "facet-children", id: `facet-${facet.name}-${item.id}-children` });
      const expand = make("button", { type: "button", class: "expand", "aria-expanded": "false",
        "aria-controls": children.id, "aria-label": `Show the parts of ${values.labels[item.id]}`, text: "▸" });
      expand.addEventListener("click", () => {
        const open = expand.getAttribute("aria-expanded") !== "true";
        expand.setAttribute("aria-expanded", String(open));
        expand.textContent = open ? "▾" : "▸";
        children.hidden = !open;
      });
      children.hidden = true;
      item.item.firstChild.after(expand);
      item.item.append(children);
      item.children = children;
      item.expand = expand;
      lists.set(item.id, children);
    }
  }
  for (const item of entry.items) lists.get(item.parent).append(item.item);
  fieldset.append(lists.get(-1));
  if (entry.items.filter((item) => item.parent < 0).length > facet.show) {
    const toggle = make("button", { type: "button", class: "link-button", "aria-expanded": "false" });
    toggle.addEventListener("click", () => {
      entry.expanded = !entry.expanded;
      toggle.setAttribute("aria-expanded", String(entry.expanded));
      paintChoices(entry);
    });
    entry.toggle = toggle;
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
  const { facet } = entry;
  const numeric = facet.type === "range";
  const years = facet.format === "year";
  entry.histogram = make("div", { class: "histogram", "aria-hidden": "true" });
  entry.bars = Array.from({ length: facet.bins }, () => make("span"));
  entry.histogram.append(...entry.bars);
  const scale = make("div", { class: "histogram-scale", "aria-hidden": "true" },
    make("span", { text: formatValue(facet, facet.min) }), make("span", { text: formatValue(facet, facet.max) }));
  const input = (which) => {
    const edge = facet[which];
    const element = make("input", { type: numeric ? "number" : "date", step: years ? "1" : "any",
      id: `facet-${facet.name}-${which}`, placeholder: numeric && edge !== null ? formatValue({ type: "range" }, edge) : "",
      "aria-label": `${facet.label} ${which === "min" ? "from" : "to"}${facet.unit ? ` (${facet.unit})` : ""}`
        + (years ? ", a year; negative before the common era" : "") });
    if (!numeric && edge !== null) element.setAttribute(which, String(edge).slice(0, 10));
    element.addEventListener("change", () => applyRange(entry));
    return element;
  };
  entry.min = input("min");
  entry.max = input("max");
  const unit = facet.unit ? make("span", { class: "count", text: facet.unit }) : "";
  fieldset.append(entry.histogram, scale, make("div", { class: "range-inputs" }, entry.min, make("span", { text: "to" }),
    entry.max, unit));
  if (years) {
    entry.shown = make("output", { class: "range-shown", for: `${entry.min.id} ${entry.max.id}` });
    fieldset.append(entry.shown, make("p", { class: "hint", text: "Years before the common era are negative: -350 is 350 BCE." }));
  }
}

function showRange(entry, filter) {
  if (!entry.shown) return;
  const { facet } = entry;
  entry.shown.textContent = filter
    ? `${filter.min === null ? "any year" : formatValue(facet, filter.min)} to ${filter.max === null ? "any year" : formatValue(facet, filter.max)}`
    : "";
}

function applyRange(entry) {
  const read = (input) => (input.value === "" ? null : entry.facet.type === "date" ? input.value : Number(input.value));
  const range = { min: read(entry.min), max: read(entry.max) };
  if (range.min === null && range.max === null) state.filters.delete(entry.facet.name);
  else state.filters.set(entry.facet.name, range);
  showRange(entry, state.filters.get(entry.facet.name));
  update("filter");
}

function syncControls() {
  elements.query.value = state.q;
  for (const entry of facets) {
    const filter = state.filters.get(entry.facet.name);
    if (entry.items) {
      for (const item of entry.items) {
        item.box.checked = Boolean(filter && filter.has(item.key));
        // Show the parts of a chosen value, and the path down to a chosen part.
        if (item.box.checked && item.parent >= 0) openBranch(entry, item.parent);
      }
    }
    if (entry.input) entry.input.value = filter || "";
    if (entry.min) {
      entry.min.value = filter && filter.min !== null ? filter.min : "";
      entry.max.value = filter && filter.max !== null ? filter.max : "";
      showRange(entry, filter);
    }
  }
}

function openBranch(entry, id) {
  for (let node = id; node >= 0; node = entry.items[node].parent) {
    const item = entry.items[node];
    if (item.children) { item.children.hidden = false; item.expand.setAttribute("aria-expanded", "true"); item.expand.textContent = "▾"; }
  }
}

function paintChoices(entry) {
  const filter = state.filters.get(entry.facet.name);
  const counts = entry.counts;
  if (counts && !entry.ordered && !entry.facet.ordered && !entry.items[0]?.item.closest("fieldset").contains(document.activeElement)) {
    // Most common first among siblings, once: later the order stays put while counts change.
    const byCount = (a, b) => counts[b.id] - counts[a.id] || a.key.localeCompare(b.key);
    for (const item of [...entry.items].sort(byCount)) item.item.parentElement.append(item.item);
    entry.ordered = true;
  }
  const top = entry.items.filter((item) => item.parent < 0);
  const order = [...top].sort((a, b) => Array.prototype.indexOf.call(a.item.parentElement.children, a.item)
    - Array.prototype.indexOf.call(b.item.parentElement.children, b.item));
  order.forEach((item, position) => {
    const chosen = Boolean(filter && filter.has(item.key));
    item.item.hidden = !entry.expanded && position >= entry.facet.show && !chosen;
  });
  for (const item of entry.items) {
    item.count.textContent = counts ? String(counts[item.id]) : "";
    item.item.classList.toggle("zero", Boolean(counts) && counts[item.id] === 0);
  }
  if (entry.toggle) entry.toggle.textContent = entry.expanded ? "Show fewer" : `Show all ${top.length}`;
}

function paintRange(entry) {
  // Until its column is needed, a range shows the histogram of the whole collection from the manifest.
  const sums = entry.counts || entry.facet.histogram;
  const filter = state.filters.get(entry.facet.name);
  const inRange = filter && entry.values ? entry.values.barsInside(filter) : new Array(entry.bars.length).fill(true);
  const top = Math.max(1, ...sums);
  entry.bars.forEach((bar, bin) => {
    bar.style.height = `${Math.round((100 * sums[bin]) / top)}%`;
    bar.classList.toggle("in", inRange[bin] && sums[bin] > 0);
  });
}

function paintFacets() {
  for (const entry of facets) {
    if (entry.items) paintChoices(entry);
    else if (entry.bars) paintRange(entry);
  }
}

// ---------------------------------------------------------------- running a search

async function loadColumns(entries) {
  await Promise.all(entries.map(async (entry) => {
    const column = await index.column(entry.facet.name);
    if (!entry.values) entry.values = new FacetValues(entry.facet, column.values);
    entry.column = column.docs;
  }));
}

// One pass over the candidates: the results, and (if every column is here) the counts of each facet,
// which ignore that facet's own filter so that choosing a value never hides its siblings.
function evaluate(candidates, withCounts, filters = state.filters) {
  const tests = facets.map((entry) => {
    const filter = filters.get(entry.facet.name);
    return filter === undefined ? null : entry.values.test(filter);
  });
  if (withCounts) for (const entry of facets) entry.counts = entry.values.emptyCounts();
  const matching = [];
  const total = candidates === null ? index.count : candidates.length;
  for (let k = 0; k < total; k++) {
    const doc = candidates === null ? k : candidates[k];
    let failing = -1;
    let failures = 0;
    for (let f = 0; f < facets.length; f++) {
      if (tests[f] && !tests[f](facets[f].column[doc])) { failures++; failing = f; if (failures > 1) break; }
    }
    if (failures > 1) continue;
    if (failures === 0) matching.push(doc);
    if (!withCounts) continue;
    for (let f = 0; f < facets.length; f++) {
      if (failures === 1 && f !== failing) continue;
      facets[f].values.count(facets[f].counts, facets[f].column[doc]);
    }
  }
  return matching;
}

// What a query and filters select before the facet filters: the text's matches (null: every document),
// narrowed to the values its words name. Words that name a value are answered by that value, not the text.
async function select(query, filters) {
  const { clauses, notes } = parseQuery(query, index.fields, index.stopWords);
  const named = namedValues(clauses, names);
  const byValue = new Set(named.flatMap((found) => found.clauses));
  const needed = facets.filter((entry) => filters.has(entry.facet.name)
    || named.some((found) => found.values.some((value) => value.entry === entry)));
  const [text] = await Promise.all([index.textMatches(clauses.filter((_, i) => !byValue.has(i))),
    loadColumns(needed)]);
  let candidates = text === null ? null : text.docs;
  if (named.length) {
    const tests = named.map(namedTest);
    const pool = candidates ?? Array.from({ length: index.count }, (_, doc) => doc);
    candidates = pool.filter((doc) => tests.every((test) => test(doc)));
  }
  return { clauses, notes, named, text, candidates };
}

async function run() {
  const number = ++runNumber;
  const { clauses, notes, named, text, candidates } = await select(state.q, state.filters);
  if (number !== runNumber) return;
  // The whole collection's counts are in the manifest; other views count over the columns.
  const whole = candidates === null && state.filters.size === 0;
  if (whole) for (const entry of facets) entry.counts = entry.facet.counts || null;
  const complete = whole || facets.every((entry) => entry.column);
  const matching = evaluate(candidates, complete && !whole);  // in id order: the default order
  const sorting = currentSort(clauses);
  let compare = null;
  if (sorting === "relevance" && text !== null) {
    compare = (a, b) => text.score[b] - text.score[a] || a - b;
  } else if (sorting !== index.manifest.defaultSort && sorting !== "relevance") {
    const ranks = await index.sortRanks(sorting).catch(() => null);
    if (number !== runNumber) return;
    if (ranks) compare = (a, b) => ranks[a] - ranks[b];
  }
  results = matching;
  order = compare;
  const first = await documentsOf(inOrder(0, Math.max(1, state.page) * PAGE));
  if (number !== runNumber) return;
  // Paint results at once: count and results always agree.
  elements.count.textContent = String(results.length);
  elements.noun.textContent = results.length === 1 ? root.dataset.noun : root.dataset.nouns;
  elements.sort.value = sorting;
  showNotes(notes, results.length);
  paintChips();
  drawer.count(chipsOf(facets, state.filters).length, results.length);
  shown = paint(first, false);
  elements.more.hidden = shown >= results.length;
  root.dataset.results = String(number);
  if (results.length) offerFilters(clauses, named);
  else await offerChanges(number, clauses, named);
  if (!complete) {  // the other facets' counts follow as soon as their columns arrive
    await loadColumns(facets.filter((entry) => !entry.column));
    if (number !== runNumber) return;
    evaluate(candidates, true);
  }
  paintFacets();
  root.dataset.counts = String(number);
}

// The sort in force: the chosen one, else relevance while words rank the results, else the default.
function currentSort(clauses) {
  if (state.sort) return state.sort;
  return clauses.some((clause) => clause.occur !== "not") ? "relevance" : index.manifest.defaultSort;
}

function showNotes(notes, count) {
  const lines = [...notes];
  if (!count) lines.push("No dataset matches.");
  elements.message.hidden = !lines.length;
  elements.message.textContent = lines.join(" ");
}

// "Filter by Sex: female?": the words that name a value become that filter.
function offerFilters(clauses, named) {
  offers.show("Read as filters:", named.flatMap((found) => asFilters(found).map(({ entry, keys, label }) => ({
    text: `Filter by ${entry.facet.label}: ${label}?`,
    apply: () => {
      state.q = queryWithout(clauses, found.clauses);
      state.filters.set(entry.facet.name, new Set([...(state.filters.get(entry.facet.name) || []), ...keys]));
      syncControls();
      update("filter");
    },
  }))));
}

// No results: each word and each filter left out in turn, and the counts that gives; the best few.
async function offerChanges(number, clauses, named) {
  const changes = [];
  const byValue = new Set(named.flatMap((found) => found.clauses));
  clauses.forEach((clause, i) => {
    if (clause.occur === "not" || byValue.has(i)) return;
    changes.push({ text: `without “${clause.word}”`, q: queryWithout(clauses, [i]), filters: state.filters });
  });
  for (const found of named) {
    const words = found.clauses.map((i) => clauses[i].word).join(" ");
    changes.push({ text: `without “${words}”`, q: queryWithout(clauses, found.clauses), filters: state.filters });
  }
  for (const chip of chipsOf(facets, state.filters)) {
    const filters = new Map([...state.filters].map(([name, filter]) => [name, filter instanceof Set ? new Set(filter) : filter]));
    chip.remove(filters);
    changes.push({ text: `without ${chip.text}`, q: state.q, filters });
  }
  for (const change of changes) {
    const { candidates } = await select(change.q, change.filters);
    change.count = evaluate(candidates, false, change.filters).length;
  }
  if (number !== runNumber) return;
  const best = changes.filter((change) => change.count > 0).sort((a, b) => b.count - a.count).slice(0, 3);
  offers.show("Try", best.map((change) => ({
    text: `${change.text} (${change.count} ${change.count === 1 ? root.dataset.noun : root.dataset.nouns})`,
    apply: () => { state.q = change.q; state.filters = change.filters; syncControls(); update("filter"); },
  })));
}

function paintChips() {
  chips.show(chipsOf(facets, state.filters), Boolean(state.q) || state.filters.size > 0);
}

// The index's data of these documents, fetching only the chunks that hold them.
async function documentsOf(ids) {
  const chunkSize = index.manifest.docChunk;
  const chunks = new Map();
  await Promise.all([...new Set(ids.map((id) => Math.floor(id / chunkSize)))].map(async (chunk) => {
    chunks.set(chunk, await index.file(`d/${chunk}.json`));
  }));
  return ids.map((id) => chunks.get(Math.floor(id / chunkSize))[id % chunkSize]);
}

// Show documents as cards or as rows of the list view; returns how many were added.
function paint(documents, append) {
  const list = state.view === "list";
  elements.cards.hidden = list;
  elements.table.hidden = !list;
  for (const button of elements.views.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
  if (list) {
    table.sortedBy(elements.sort.value, index.manifest.sorts);
    return table.rows(documents, append);
  }
  const items = documents.map((document) => card(document, root.dataset.root));
  if (append) elements.cards.append(...items); else elements.cards.replaceChildren(...items);
  return items.length;
}

// Results from `start` to `end` in the chosen order; only that many are ever put in order.
function inOrder(start, end) {
  return (order ? firstInOrder(results, end, order) : results.slice(0, end)).slice(start);
}

async function showMore(limit) {
  const number = runNumber;
  const more = await documentsOf(inOrder(shown, limit));
  if (number !== runNumber) return;
  shown += paint(more, true);
  elements.more.hidden = shown >= results.length;
}

async function update(action) {
  if (action !== "page") state.page = 1;
  remember(action);
  await run();
}

// ---------------------------------------------------------------- start

function startTools() {
  chips = new Chips(document.getElementById("chips"), document.getElementById("chip-list"), (chip) => {
    chip.remove(state.filters);
    syncControls();
    update("filter");
  });
  drawer = new Drawer({ panel: elements.filters, open: document.getElementById("open-filters"),
    close: document.getElementById("close-filters"), done: document.getElementById("show-results") });
  offers = new Offers(document.getElementById("offers"));
  const columns = index.manifest.table ? index.manifest.table.columns : [{ label: "Title", sort: null }];
  table = new ResultTable(elements.table, columns, root.dataset.root, (key) => {
    state.sort = key;
    update("sort");
  });
  elements.views.hidden = false;
  for (const button of elements.views.querySelectorAll("button")) {
    button.addEventListener("click", () => { state.view = button.dataset.view; update("view"); });
  }
  copyLinkButton(document.getElementById("copy-link"));
}

async function start() {
  document.documentElement.classList.add("js");
  for (const img of elements.cards.querySelectorAll(".card-media img")) watchImage(img);
  try {
    index = await SearchIndex.load(root.dataset.index);
  } catch (error) {
    document.documentElement.classList.remove("js");
    elements.message.hidden = false;
    elements.message.textContent = "Search is unavailable right now; the list below shows every dataset.";
    return;
  }
  facets = index.manifest.facets.map((facet) => ({ facet, column: null, counts: null,
    values: facet.values ? new FacetValues(facet, facet.values) : null }));
  names = valueNames(facets, index.stopWords);
  buildPanel();
  elements.sort.append(make("option", { value: "relevance", text: "Relevance" }));
  for (const sort of index.manifest.sorts) elements.sort.append(make("option", { value: sort.key, text: sort.label }));
  elements.sortBox.hidden = false;
  startTools();
  state = readState();
  syncControls();
  paintFacets();

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
    state = { q: "", filters: new Map(), sort: "", page: 1, view: state.view };
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
