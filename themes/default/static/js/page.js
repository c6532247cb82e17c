// Small enhancements of record pages: copy buttons, and "back to results" keeping the filters.

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(source);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 2500);
  });
}

// Return to the exact filtered view the visitor came from, if it was ours.
const back = document.querySelector("a[data-back]");
if (back && document.referrer) {
  try {
    const from = new URL(document.referrer);
    const target = new URL(back.href);
    if (from.origin === target.origin && from.pathname.startsWith(target.pathname)) back.href = from.href;
  } catch { /* keep the plain link */ }
}

// The Cite panel shows one style at a time once a style can be picked; without this script, all of them.
const picker = document.getElementById("cite-style");
if (picker) {
  const texts = [...document.querySelectorAll(".citation[data-style]")];
  const show = () => { for (const text of texts) text.hidden = text.dataset.style !== picker.value; };
  picker.closest(".cite-picker").hidden = false;
  picker.addEventListener("change", show);
  show();
}
