/* Image attachments: a click shows the picture over the page (click anywhere or Escape closes
   it). Without JavaScript the same link opens the original in a new tab. Markup:
     <a href="URL" target="_blank" data-preview="URL" data-caption="name.jpg"><img …></a>
   Labels come from the closest [data-close-label][data-open-label]. */
(function () {
  "use strict";
  var overlay = null;

  function close() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  function open(link) {
    close();
    var labels = link.closest("[data-close-label]") || document.body;
    overlay = document.createElement("div");
    overlay.className = "rd-lightbox rd-lightbox--open";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-label", link.getAttribute("data-caption") || "");
    var shut = document.createElement("button");
    shut.type = "button";
    shut.className = "rd-lightbox__close";
    shut.setAttribute("aria-label", labels.getAttribute("data-close-label") || "Close");
    shut.textContent = "×";
    var image = document.createElement("img");
    image.src = link.getAttribute("data-preview");
    image.alt = link.getAttribute("data-caption") || "";
    var caption = document.createElement("p");
    var original = document.createElement("a");
    original.href = link.getAttribute("href");
    original.target = "_blank";
    original.rel = "noopener";
    original.textContent = labels.getAttribute("data-open-label") || "Open the original";
    caption.appendChild(original);
    caption.appendChild(document.createTextNode(" · " + (link.getAttribute("data-caption") || "")));
    overlay.appendChild(shut);
    overlay.appendChild(image);
    overlay.appendChild(caption);
    overlay.addEventListener("click", function (event) {
      if (event.target !== original) close();
    });
    document.body.appendChild(overlay);
    shut.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-preview]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    open(link);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });
  document.addEventListener("turbo:before-visit", close);
})();
