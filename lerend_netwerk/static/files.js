// The drop zone of a document's files (files/_attachments.html). Without this script it
// is a plain multipart form; with it, files chosen or dropped are uploaded one request
// each, one after the other (the list keeps their order), with a progress bar per file,
// and the list is shown anew when all have arrived.
(() => {
  const sizeLabel = (bytes) =>
    bytes < 1024 * 1024
      ? `${Math.max(1, Math.round(bytes / 1024))} kB`
      : `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} MB`;

  const setup = (form) => {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.classList.add("js-ready");
    const input = form.querySelector("input[type=file]");
    const list = form.querySelector(".file-progress");
    const token = form.querySelector("input[name=csrf_token]").value;
    const maxBytes = Number(form.dataset.maxBytes || 0);
    let running = 0;
    let failed = 0;
    let done = 0;
    // Uploads wait their turn: each starts when the one before it has answered.
    let queue = Promise.resolve();

    const finished = () => {
      if (running > 0) return;
      if (failed === 0 && done > 0) {
        window.location.hash = "bestanden";
        window.location.reload();
      } else if (done > 0 && !form.querySelector(".file-refresh")) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = window.location.pathname + window.location.search + "#bestanden";
        link.className = "file-refresh";
        link.textContent = "Toon de bijgewerkte lijst";
        link.addEventListener("click", () => window.location.reload());
        item.append(link);
        list.append(item);
      }
    };

    const upload = (file) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      const status = document.createElement("span");
      status.textContent = sizeLabel(file.size);
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", `Voortgang van ${file.name}`);
      item.append(name, status, bar);
      list.append(item);
      const fail = (message) => {
        failed += 1;
        bar.remove();
        status.textContent = "Niet opgeladen";
        const why = document.createElement("span");
        why.className = "is-error";
        why.textContent = message;
        item.append(why);
      };
      if (maxBytes && file.size > maxBytes) {
        fail(`Het bestand is groter dan ${form.dataset.maxLabel}, het maximum.`);
        return;
      }
      running += 1;
      queue = queue.then(() => send(file, bar, status, fail));
    };

    const send = (file, bar, status, fail) =>
      new Promise((resolve) => {
        const body = new FormData();
        body.append("csrf_token", token);
        body.append("files", file, file.name);
        const request = new XMLHttpRequest();
        request.open("POST", form.action);
        request.setRequestHeader("Accept", "application/json");
        request.upload.addEventListener("progress", (event) => {
          if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
        });
        request.addEventListener("load", () => {
          running -= 1;
          let answer = {};
          try {
            answer = JSON.parse(request.responseText);
          } catch {
            answer = {};
          }
          if (request.status >= 200 && request.status < 300) {
            done += 1;
            bar.value = 100;
            status.textContent = "Opgeladen";
            status.className = "is-done";
          } else if (request.status === 413) {
            fail(answer.error || "Het bestand is te groot om op te laden.");
          } else {
            fail(answer.error || "Het opladen lukte niet. Laad de pagina opnieuw en probeer nog eens.");
          }
          finished();
          resolve();
        });
        request.addEventListener("error", () => {
          running -= 1;
          fail("De verbinding viel weg. Probeer het opnieuw.");
          finished();
          resolve();
        });
        request.send(body);
      });

    const uploadAll = (files) => {
      Array.from(files).forEach(upload);
      finished();
    };

    input.addEventListener("change", () => {
      if (input.files.length) uploadAll(input.files);
      input.value = "";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input.files.length) uploadAll(input.files);
    });
    ["dragenter", "dragover"].forEach((type) =>
      form.addEventListener(type, (event) => {
        event.preventDefault();
        form.classList.add("is-dragover");
      }),
    );
    ["dragleave", "dragend"].forEach((type) =>
      form.addEventListener(type, (event) => {
        if (!form.contains(event.relatedTarget)) form.classList.remove("is-dragover");
      }),
    );
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      form.classList.remove("is-dragover");
      if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
    });
  };

  const start = () => document.querySelectorAll("form[data-file-drop]").forEach(setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
