// Offers under the search box: a word that names a value as that filter ("Filter by Sex: female?"),
// and for a query without results the changes that give some, with their counts.
import { make } from "./dom.js";

export class Offers {
  constructor(box) { this.box = box; }

  // offers: [{text, apply}]; `lead` introduces them.
  show(lead, offers) {
    const buttons = offers.map((offer) => {
      const button = make("button", { type: "button", class: "offer secondary", text: offer.text });
      button.addEventListener("click", offer.apply);
      return button;
    });
    this.box.replaceChildren(...(buttons.length ? [make("span", { text: lead }), ...buttons] : []));
    this.box.hidden = !buttons.length;
  }
}
