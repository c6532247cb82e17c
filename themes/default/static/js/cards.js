// Result cards made from the search index, the same as card.html makes them.
import { make } from "./dom.js";

const CARD_SIZES = "(max-width: 640px) 92vw, (max-width: 1100px) 45vw, 300px";

// A real preview picture; width and height reserve its box, so nothing moves when it loads.
function picture(image, root) {
  const srcset = (variants) => variants.map(([path, width]) => `${root}${path} ${width}w`).join(", ");
  const element = make("picture");
  const sets = image.sets;
  for (const [type, variants] of sets.slice(0, -1)) {
    element.append(make("source", { type, srcset: srcset(variants), sizes: CARD_SIZES }));
  }
  const img = make("img", { src: root + image.src, srcset: srcset(sets[sets.length - 1][1]),
    sizes: CARD_SIZES, width: String(image.w), height: String(image.h), alt: image.alt, loading: "lazy",
    decoding: "async" });
  watchImage(img);
  element.append(img);
  return make("div", { class: "card-media" }, element);
}

// An image that fails to load leaves its coloured box, never a broken-image icon.
export function watchImage(img) {
  if (img.complete && img.naturalWidth === 0 && img.currentSrc) img.classList.add("failed");
  img.addEventListener("error", () => img.classList.add("failed"));
}

// A dataset without a picture gets a text-first card: no box is kept for an image.
export function card([path, title, rows, text, image, subtitle], root) {
  const facts = make("dl", { class: "card-facts" });
  for (const [label, value] of rows) facts.append(make("div", {}, make("dt", { text: label }), make("dd", { text: value })));
  const item = make("li", { class: "card" });
  if (image) item.append(picture(image, root));
  item.append(make("h3", { class: "card-title" }, make("a", { href: root + path, text: title })));
  if (subtitle) item.append(make("p", { class: "card-subtitle", text: subtitle }));
  if (rows.length) item.append(facts);
  if (text) item.append(make("p", { class: "card-text", text }));
  return item;
}
