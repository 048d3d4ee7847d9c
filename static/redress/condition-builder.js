// The condition builder (admin): pick the field, the operator that fits its type and the value from
// the field's choices. The stored value input stays the one the form posts (codes, comma-separated
// for "one of"); this script hides it and offers the fitting picker instead. The server checks again.
(function () {
  "use strict";
  if (window.redressConditionBuilder) return;
  window.redressConditionBuilder = true;

  var VALUELESS = ["empty", "set"];
  var LISTS = ["in", "not_in"];
  var catalogs = new WeakMap();

  function catalogOf(select) {
    if (!catalogs.has(select)) {
      var byName = {};
      JSON.parse(select.dataset.rdCatalog || "[]").forEach(function (entry) { byName[entry.name] = entry; });
      catalogs.set(select, byName);
    }
    return catalogs.get(select);
  }

  function rowOf(select) {
    return select.closest("tr, .form-row, fieldset, .inline-related") || select.parentNode;
  }

  function split(raw) {
    return (raw || "").split(/[,，;；\n]/).map(function (part) { return part.trim(); }).filter(Boolean);
  }

  function labelOf(spec, code) {
    var found = (spec.options || []).filter(function (o) { return o.code === code; })[0];
    return found ? found.label : code;
  }

  function sentence(spec, operator, raw, hidden) {
    if (!spec || !operator) return "";
    var phrase = (spec.operators.filter(function (o) { return o.code === operator; })[0] || {}).label || operator;
    if (VALUELESS.indexOf(operator) !== -1) return spec.label + " " + phrase;
    var items = LISTS.indexOf(operator) !== -1 ? split(raw) : [raw.trim()];
    var shown = items.filter(Boolean).map(function (code) {
      if (spec.type === "boolean") return ["true", "yes", "1"].indexOf(code) !== -1 ? hidden.dataset.rdYes : hidden.dataset.rdNo;
      if (spec.type === "text") return "“" + code + "”";
      return labelOf(spec, code);
    });
    return spec.label + " " + phrase + " " + (shown.length ? shown.join(", ") : "…");
  }

  function build(fieldSelect) {
    var row = rowOf(fieldSelect);
    var operator = row.querySelector(".rd-cond-operator");
    var hidden = row.querySelector(".rd-cond-value");
    if (!operator || !hidden) return;
    var catalog = catalogOf(fieldSelect);
    var operatorChoices = Array.prototype.map.call(operator.options, function (o) { return [o.value, o.text]; });
    var picker = document.createElement("span");
    picker.className = "rd-cond-picker";
    hidden.parentNode.insertBefore(picker, hidden);
    hidden.type = "hidden";
    var said = row.querySelector(".field-reads_as p, .field-reads_as .readonly, td.field-reads_as");
    if (!said) {
      said = document.createElement("div");
      said.className = "rd-cond-sentence";
      picker.parentNode.appendChild(said);
    }

    function refreshSentence() {
      var spec = catalog[fieldSelect.value];
      var text = sentence(spec, operator.value, hidden.value, hidden);
      said.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    }

    function refreshOperators() {
      var spec = catalog[fieldSelect.value];
      var current = operator.value;
      operator.innerHTML = "";
      var allowed = spec ? spec.operators : operatorChoices.filter(function (c) { return c[0]; }).map(function (c) {
        return { code: c[0], label: c[1] };
      });
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = "---------";
      operator.appendChild(blank);
      allowed.forEach(function (o) {
        var option = document.createElement("option");
        option.value = o.code;
        option.textContent = o.label;
        operator.appendChild(option);
      });
      var codes = allowed.map(function (o) { return o.code; });
      operator.value = codes.indexOf(current) !== -1 ? current : (spec && spec.options.length ? "eq" : codes[0] || "");
      if (codes.indexOf(operator.value) === -1) operator.value = codes[0] || "";
    }

    function refreshPicker() {
      var spec = catalog[fieldSelect.value];
      var op = operator.value;
      picker.innerHTML = "";
      if (!spec || VALUELESS.indexOf(op) !== -1) {
        if (spec) hidden.value = "";
        refreshSentence();
        return;
      }
      var chosen = split(hidden.value);
      var control;
      if (spec.type === "boolean") {
        control = document.createElement("select");
        [["", "---------"], ["true", hidden.dataset.rdYes], ["false", hidden.dataset.rdNo]].forEach(function (pair) {
          var option = new Option(pair[1], pair[0]);
          control.appendChild(option);
        });
        var word = (hidden.value || "").trim().toLowerCase();
        control.value = ["true", "yes", "1", "是", "真"].indexOf(word) !== -1 ? "true" : word ? "false" : "";
      } else if (spec.options.length) {
        control = document.createElement("select");
        if (LISTS.indexOf(op) !== -1) {
          control.multiple = true;
          control.size = Math.min(8, Math.max(3, spec.options.length));
        } else {
          control.appendChild(new Option("---------", ""));
        }
        var options = spec.options.slice();
        chosen.forEach(function (code) {  // a code that is gone (an old import): shown, the server refuses it
          if (!options.some(function (o) { return o.code === code; })) options.push({ code: code, label: code });
        });
        options.forEach(function (o) {
          var option = new Option(o.label, o.code);
          option.selected = chosen.indexOf(o.code) !== -1;
          control.appendChild(option);
        });
      } else {
        control = document.createElement("input");
        control.type = spec.type === "number" && LISTS.indexOf(op) === -1 ? "number" : spec.type === "date" ? "date" : "text";
        if (control.type === "number") control.step = "any";
        control.value = hidden.value;
      }
      control.className = "rd-cond-choice";
      control.setAttribute("aria-label", spec.label);
      control.addEventListener("change", function () {
        if (control.multiple) {
          hidden.value = Array.prototype.filter.call(control.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; }).join(",");
        } else {
          hidden.value = control.value;
        }
        refreshSentence();
      });
      control.addEventListener("input", function () {
        if (!control.multiple && control.tagName === "INPUT") {
          hidden.value = control.value;
          refreshSentence();
        }
      });
      picker.appendChild(control);
      if (control.tagName === "SELECT" && !control.multiple) {
        hidden.value = control.value;
      } else if (control.multiple) {
        hidden.value = Array.prototype.filter.call(control.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; }).join(",");
      }
      refreshSentence();
    }

    fieldSelect.addEventListener("change", function () {
      refreshOperators();
      refreshPicker();
    });
    operator.addEventListener("change", refreshPicker);
    refreshOperators();
    refreshPicker();
  }

  function init(root) {
    root.querySelectorAll("select.rd-cond-field").forEach(function (select) {
      if (select.name.indexOf("__prefix__") !== -1 || select.dataset.rdBuilt) return;
      select.dataset.rdBuilt = "1";
      build(select);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("formset:added", function (event) { init(event.target); });
})();
