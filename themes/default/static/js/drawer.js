// On a phone the filters are a drawer over the results, opened by "Filters (n)" and closed by
// "Show N results"; on a wider screen they stay the side panel and none of this shows.
const PHONE = window.matchMedia("(max-width: 820px)");

export class Drawer {
  constructor({ panel, open, close, done }) {
    Object.assign(this, { panel, openButton: open, closeButton: close, done });
    open.hidden = false;
    open.addEventListener("click", () => this.open());
    close.addEventListener("click", () => this.close());
    done.addEventListener("click", () => this.close());
    panel.addEventListener("keydown", (event) => { if (event.key === "Escape" && this.isOpen) this.close(); });
    PHONE.addEventListener("change", () => { if (!PHONE.matches) this.close(false); });
  }

  get isOpen() { return this.panel.classList.contains("open"); }

  open() {
    this.panel.classList.add("open");
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-modal", "true");
    this.openButton.setAttribute("aria-expanded", "true");
    document.body.classList.add("drawer-open");
    this.closeButton.focus();
  }

  close(returnFocus = true) {
    if (!this.isOpen) return;
    this.panel.classList.remove("open");
    this.panel.removeAttribute("role");
    this.panel.removeAttribute("aria-modal");
    this.openButton.setAttribute("aria-expanded", "false");
    document.body.classList.remove("drawer-open");
    if (returnFocus) this.openButton.focus();
  }

  // How many filters are on, and how many results they give.
  count(filters, results) {
    this.openButton.textContent = filters ? `Filters (${filters})` : "Filters";
    this.done.textContent = `Show ${results} ${results === 1 ? "result" : "results"}`;
  }
}
