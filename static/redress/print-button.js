// The printable pages' Print button (a script file: the Content-Security-Policy allows no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest(".rd-print__button")) window.print();
});
