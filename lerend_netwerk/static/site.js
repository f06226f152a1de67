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
});
