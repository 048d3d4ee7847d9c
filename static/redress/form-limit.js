// A form whose text is larger than the server parses (DATA_UPLOAD_MAX_MEMORY_SIZE, given by the
// page's <meta name="redress-form-limit">) is not sent: the server could not read it and would
// only answer "too large" on an empty page. It stays on screen with what was typed, and a message
// above it says why (the server's own refusal remains for clients without this script).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const meta = document.querySelector('meta[name="redress-form-limit"]');
  if (!meta || !(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  const limit = Number(meta.content);
  const multipart = form.enctype === "multipart/form-data";
  let size = 0;
  for (const [name, value] of new FormData(form, event.submitter || undefined)) {
    if (typeof value !== "string") continue; // files have their own limit
    size += multipart
      ? new Blob([name, value]).size
      : encodeURIComponent(name).length + encodeURIComponent(value).length + 2;
  }
  if (!limit || size <= limit) return;
  event.preventDefault();
  let box = form.querySelector(".rd-form-limit");
  if (!box) {
    box = document.createElement("div");
    box.className = "rd-errors rd-form-limit";
    box.setAttribute("role", "alert");
    form.prepend(box);
  }
  box.textContent = meta.dataset.message;
  box.scrollIntoView({ block: "center" });
});
