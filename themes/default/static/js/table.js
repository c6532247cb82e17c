// The list view: one row per result with the collection's chosen columns; a column header sorts by it.
import { make } from "./dom.js";

export class ResultTable {
  constructor(box, columns, root, onSort) {
    this.box = box;
    this.columns = columns;  // [{label, sort: key or null}]; the first is the title
    this.root = root;
    this.onSort = onSort;
    this.body = make("tbody");
    this.head = make("tr");
    box.append(make("table", {}, make("caption", { class: "visually-hidden", text: "Results" }),
      make("thead", {}, this.head), this.body));
  }

  // The headers, showing which column the results are sorted by (`sorts` tells a sort's direction).
  sortedBy(key, sorts) {
    this.head.replaceChildren(...this.columns.map((column) => {
      const cell = make("th", { scope: "col" });
      if (!column.sort) { cell.textContent = column.label; return cell; }
      const sorted = column.sort === key;
      const option = sorts.find((sort) => sort.key === column.sort);
      if (sorted) cell.setAttribute("aria-sort", option && option.descending ? "descending" : "ascending");
      const button = make("button", { type: "button", class: "sort-header", "data-sort": column.sort,
        title: option ? `Sort: ${option.label}` : "" }, make("span", { text: column.label }),
        make("span", { class: "sort-mark", "aria-hidden": "true", text: sorted ? (option && option.descending ? " ▼" : " ▲") : "" }));
      button.addEventListener("click", () => this.onSort(column.sort));
      cell.append(button);
      return cell;
    }));
  }

  rows(documents, append) {
    const rows = documents.map(([path, title, , , , subtitle, cells]) => {
      const first = make("th", { scope: "row" }, make("a", { href: this.root + path, text: title }));
      if (subtitle && !cells.includes(subtitle)) first.append(make("span", { class: "row-subtitle", text: subtitle }));
      return make("tr", {}, first, ...cells.map((text) => make("td", { text })));
    });
    if (append) this.body.append(...rows); else this.body.replaceChildren(...rows);
    return rows.length;
  }
}
