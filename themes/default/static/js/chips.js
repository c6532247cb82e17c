// The active filters as chips above the results, each removing its own filter, and "Clear all".
import { make } from "./dom.js";
import { PATH, formatValue } from "./search.js";

// One chip per chosen value (a range or a text filter is one chip): [{text, remove(filters)}].
export function chipsOf(facets, filters) {
  const chips = [];
  for (const { facet } of facets) {
    const filter = filters.get(facet.name);
    if (filter === undefined) continue;
    if (filter instanceof Set) {
      for (const key of [...filter].sort()) {
        chips.push({ text: `${facet.label}: ${key.split(PATH).join(" › ")}`, remove: (chosen) => {
          const left = new Set(chosen.get(facet.name));
          left.delete(key);
          if (left.size) chosen.set(facet.name, left); else chosen.delete(facet.name);
        } });
      }
    } else {
      const bound = (value, open) => (value === null ? open : formatValue(facet, value));
      const text = facet.type === "text" ? `contains “${filter}”`
        : `${bound(filter.min, "any")} to ${bound(filter.max, "any")}${facet.unit ? ` ${facet.unit}` : ""}`;
      chips.push({ text: `${facet.label}: ${text}`, remove: (chosen) => chosen.delete(facet.name) });
    }
  }
  return chips;
}

export class Chips {
  constructor(box, list, onRemove) {
    this.box = box;
    this.list = list;
    this.onRemove = onRemove;
  }

  show(chips, anything) {
    this.list.replaceChildren(...chips.map((chip) => {
      const button = make("button", { type: "button", class: "chip", "aria-label": `Remove filter ${chip.text}` },
        make("span", { text: chip.text }), make("span", { class: "chip-x", "aria-hidden": "true", text: "✕" }));
      button.addEventListener("click", () => this.onRemove(chip));
      return make("li", {}, button);
    }));
    this.box.hidden = !anything;
  }
}
