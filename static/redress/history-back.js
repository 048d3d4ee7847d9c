// viewflow's confirmation pages (assign, unassign, delete, import/export) render their "Back"
// button with an inline onclick="window.history.back(-1)…". Our Content-Security-Policy blocks
// inline handlers, so this one delegated listener does what those attributes say: go back, and
// for the assign/unassign pages reload the list the user returns to (viewflow's Turbo.visit('.')).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[onclick*='history.back']");
  if (!button) return;
  event.preventDefault();
  const reload = button.getAttribute("onclick").includes("Turbo.visit");
  window.history.back();
  if (reload && window.Turbo) setTimeout(() => window.Turbo.visit("."), 100);
});
