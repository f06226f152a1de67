// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button data-copy="#element-id">
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const source = document.querySelector(button.dataset.copy);
      if (!source) return;
      const text = source.value || source.textContent;
      try {
        await navigator.clipboard.writeText(text.trim());
        button.textContent = "Gekopieerd";
      } catch {
        if (source.select) source.select();
      }
    });
  });
  // Confirm dangerous actions: <form data-confirm="Zeker?">
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // The header menu on a phone: a real button with aria-expanded; without this script
  // the menu is a plain list (see site.css, .menu-ready).
  const toggle = document.querySelector(".menu-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu) {
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    };
    document.documentElement.classList.add("menu-ready");
    toggle.hidden = false;
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }
  // Filter panels fold on narrow screens and stay open on wide ones.
  const narrow = window.matchMedia("(max-width: 800px)");
  const panels = document.querySelectorAll("details.filter-panel");
  const fitPanels = () => panels.forEach((panel) => { panel.open = !narrow.matches; });
  fitPanels();
  narrow.addEventListener("change", fitPanels);
  // A slug follows its title until someone edits it: <input data-slug-from="title">.
  // The server makes the same slug when the field is left empty.
  document.querySelectorAll("input[data-slug-from]").forEach((slug) => {
    const title = document.getElementById(slug.dataset.slugFrom);
    if (!title) return;
    const slugify = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
    let follows = !slug.value;
    slug.addEventListener("input", () => { follows = !slug.value; });
    title.addEventListener("input", () => { if (follows) slug.value = slugify(title.value); });
  });
});
