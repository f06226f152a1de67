// "Voorbeeld" for Markdown fields: every <textarea data-markdown> gets a button that shows
// the text as the site will show it. The server renders it (POST /markdown/voorbeeld, with
// the page's CSRF token), with the same sanitiser as every page, so what the preview shows
// is exactly what will be published. Without JavaScript the fields are plain text areas.
document.addEventListener("DOMContentLoaded", () => {
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const endpoint = "/markdown/voorbeeld";

  function makeButton(label) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button-small button-secondary markdown-toggle";
    const text = document.createElement("span");
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` van ${label}`;
    button.append(text, hidden);
    return { button, text };
  }

  async function render(markdown) {
    const body = new FormData();
    body.append("text", markdown);
    if (tokenMeta) body.append("csrf_token", tokenMeta.content);
    const response = await fetch(endpoint, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok || response.redirected) throw new Error(String(response.status));
    return response.text();
  }

  document.querySelectorAll("textarea[data-markdown]").forEach((textarea) => {
    if (!textarea.id) return;
    const labelElement = textarea.labels && textarea.labels[0];
    const label = labelElement ? labelElement.textContent.trim() : "de tekst";

    const preview = document.createElement("div");
    preview.id = `${textarea.id}-voorbeeld`;
    preview.className = "markdown-preview prose";
    preview.setAttribute("role", "region");
    preview.setAttribute("aria-label", `Voorbeeld van ${label}`);
    preview.hidden = true;

    const { button, text } = makeButton(label);
    button.setAttribute("aria-controls", preview.id);
    text.textContent = "Voorbeeld";

    const bar = document.createElement("div");
    bar.className = "markdown-bar";
    const hint = document.createElement("span");
    hint.className = "markdown-hint";
    hint.textContent = "Markdown";
    bar.append(hint, button);

    textarea.before(bar);
    textarea.after(preview);

    let showing = false;
    function showEditor() {
      showing = false;
      preview.hidden = true;
      textarea.hidden = false;
      text.textContent = "Voorbeeld";
      textarea.focus();
    }

    button.addEventListener("click", async () => {
      if (showing) {
        showEditor();
        return;
      }
      button.disabled = true;
      try {
        const html = await render(textarea.value);
        preview.innerHTML = html.trim() || '<p class="meta">Er is nog niets ingevuld.</p>';
      } catch {
        preview.textContent = "Het voorbeeld kon niet geladen worden. Je tekst is niet verloren.";
      } finally {
        button.disabled = false;
      }
      // The text area stays in the form (hidden fields are still sent).
      preview.style.minHeight = `${textarea.offsetHeight}px`;
      textarea.hidden = true;
      preview.hidden = false;
      showing = true;
      text.textContent = "Bewerken";
    });
  });
});
