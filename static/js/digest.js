// Small enhancements on top of htmx; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A summary sentence opens the full text and scrolls to where the sentence sits in it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var source = config && config.elt;
    var id = source && source.dataset ? source.dataset.scrollTo : null;
    if (!id) return;
    var target = document.getElementById(id);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.classList.add("flash");
    }
  });

  // After adding tags, the box is back and focused, so the next tag can be typed straight away.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var source = config && config.elt;
    if (!source || !source.classList || !source.classList.contains("add-tag")) return;
    var box = document.querySelector("#" + event.detail.target.id + " .add-tag input[name=tags]");
    if (box) box.focus();
  });

  // The reader's look, saved by the quick controls: the server answers with the values to apply.
  document.addEventListener("digest:look", function (event) {
    var look = event.detail || {};
    if (look.theme) document.body.dataset.theme = look.theme;
    if (look.font) document.body.dataset.font = look.font;
    if (look.size) document.body.dataset.size = look.size;
  });

  // A paste too large to send is not sent: the text stays in the box and the limit is said.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.dataset || !form.dataset.maxChars) return;
    var box = form.querySelector("textarea[name=urls]");
    var limit = parseInt(form.dataset.maxChars, 10);
    if (!box || box.value.length <= limit) return;
    event.preventDefault();
    var messages = form.parentNode.querySelector(".messages");
    if (messages) {
      var note = document.createElement("p");
      note.className = "msg error";
      note.textContent = "This paste is " + box.value.length.toLocaleString("en") + " characters long; the limit is " +
        limit.toLocaleString("en") + ". Paste fewer links at a time.";
      messages.replaceChildren(note);
    }
  });

  // --- Selection for bulk actions -----------------------------------------------------------
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.select[form=bulk-form]"));
  }
  function updateSelection() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var checked = boxes().filter(function (b) { return b.checked; }).length;
    form.classList.toggle("active", checked > 0);
    var label = form.querySelector(".selected-count");
    if (label) label.textContent = checked ? checked + " selected" : "Select";
    var all = form.querySelector("[data-select-all]");
    if (all) all.checked = checked > 0 && checked === boxes().length;
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-select-all]")) {
      boxes().forEach(function (b) { b.checked = el.checked; });
    }
    if (el.matches && (el.matches("[data-select-all]") || el.matches("input.select"))) updateSelection();
  });
  document.addEventListener("htmx:afterSettle", updateSelection);

  // --- Keyboard shortcuts ---------------------------------------------------------------------
  var current = null; // id of the row the keys act on
  var keyboard = false; // rows are outlined only once j/k have been used
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }
  function currentRow() {
    var row = current ? document.getElementById(current) : null;
    if (row) return row;
    var all = rows();
    return all.length === 1 ? all[0] : null; // the article page
  }
  function focusRow(row) {
    rows().forEach(function (r) { r.classList.remove("kb-focus"); });
    if (!row) return;
    keyboard = true;
    row.classList.add("kb-focus");
    if (row.hasAttribute("tabindex")) row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    current = row.id;
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    focusRow(all[next]);
  }
  function press(selector) {
    var row = currentRow();
    var el = row && row.querySelector(selector);
    if (el) el.click();
  }
  function typing(el) {
    if (!el || !el.tagName) return false;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
  }
  // A row swapped by htmx (archived, favourite, undo) keeps the keyboard focus.
  document.addEventListener("htmx:afterSettle", function () {
    if (!current || !keyboard) return;
    var row = document.getElementById(current);
    if (row && !row.classList.contains("kb-focus")) {
      row.classList.add("kb-focus");
      if (document.activeElement === document.body || !document.activeElement) row.focus({ preventScroll: true });
    }
  });
  document.addEventListener("click", function (event) {
    var help = event.target.closest && event.target.closest("[data-shortcuts]");
    if (help) showHelp();
    var row = event.target.closest && event.target.closest("[data-row]");
    if (row && row.id) {
      // Clicking makes that row the one the keys act on; it is outlined only once keys are in use.
      current = row.id;
      rows().forEach(function (r) { r.classList.toggle("kb-focus", keyboard && r === row); });
    }
  });
  function showHelp() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": {
        var row = currentRow();
        var link = row && row.querySelector("[data-open]");
        if (!link) return;
        window.location.href = link.href;
        break;
      }
      case "s": press(".toggle a:not([aria-current])"); break;
      case "a": press("[data-key=a]"); break;
      case "f": press("[data-key=f]"); break;
      case "u": press("[data-key=u]"); break;
      case "x": {
        var box = currentRow() && currentRow().querySelector("input.select");
        if (!box) return;
        box.checked = !box.checked;
        updateSelection();
        break;
      }
      case "/": {
        var search = document.getElementById("q");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "?": showHelp(); break;
      default: return;
    }
    event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var help = document.querySelector("[data-shortcuts]");
    if (help) help.hidden = false;
    updateSelection();
  });

  // Preferences: "save the page as I see it" switches the bookmarklet the person drags.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.matches || !box.matches("[data-bookmarklet-toggle]")) return;
    var link = document.getElementById("bookmarklet-link");
    if (!link) return;
    link.href = box.checked ? link.dataset.capture : link.dataset.plain;
    link.textContent = box.checked ? "Save to Digest (as I see it)" : "Save to Digest";
  });
  // Addresses and secrets to copy are selected whole on a click.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("[data-select-all]")) field.select();
  });
})();
