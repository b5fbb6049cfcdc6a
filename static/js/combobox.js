// The task combobox (WAI-ARIA 1.2 combobox with a listbox popup): type to search, arrow keys to
// move, Enter or a click to pick, Escape to close. The options come from the server (htmx).
(function () {
  "use strict";

  function parts(input) {
    var box = input.closest("[data-combobox]");
    return {
      box: box,
      list: document.getElementById(input.getAttribute("aria-controls")),
      value: box.querySelector("[data-combobox-value]")
    };
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function setOpen(input, open) {
    var list = parts(input).list;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      setActive(input, null);
    }
  }

  function setActive(input, option) {
    var list = parts(input).list;
    list.querySelectorAll(".active").forEach(function (item) {
      item.classList.remove("active");
    });
    if (option) {
      option.classList.add("active");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(input, option) {
    var p = parts(input);
    p.value.value = option.dataset.value;
    input.value = option.textContent.trim();
    input.dataset.picked = input.value;
    options(p.list).forEach(function (item) {
      item.setAttribute("aria-selected", item === option ? "true" : "false");
    });
    setOpen(input, false);
    // A task's default for "Billable" follows its project's classification (PRODUCT §2.2).
    var form = input.form;
    var billable = form && form.querySelector("#id_billable");
    if (billable && !billable.disabled && option.dataset.billable) {
      billable.checked = option.dataset.billable === "true";
    }
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
    input.dispatchEvent(new CustomEvent("taskPicked", { bubbles: true }));
  }

  function isCombobox(element) {
    return element && element.getAttribute && element.getAttribute("role") === "combobox" && element.closest("[data-combobox]");
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!isCombobox(input)) {
      return;
    }
    // Text that no longer names the picked task un-picks it: Save must not use a stale choice.
    if (input.value !== input.dataset.picked) {
      parts(input).value.value = "";
    }
    setOpen(input, true);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!isCombobox(input)) {
      return;
    }
    var list = parts(input).list;
    var items = options(list);
    var active = list.querySelector(".active");
    var index = items.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) {
        setOpen(input, true);
      }
      if (!items.length) {
        return;
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index < 0 ? (step > 0 ? 0 : items.length - 1) : (index + step + items.length) % items.length;
      setActive(input, items[next]);
    } else if (event.key === "Enter") {
      if (!list.hidden && (active || items.length === 1)) {
        event.preventDefault();
        pick(input, active || items[0]);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault(); // closes the list, not the dialog around it
        setOpen(input, false);
      }
    } else if (event.key === "Tab" && !list.hidden && active) {
      pick(input, active);
    }
  });

  // mousedown, not click: the field keeps focus, so the list is still there to click.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("[data-combobox] [role=option]");
    if (!option || option.getAttribute("aria-disabled") === "true") {
      return;
    }
    event.preventDefault();
    pick(option.closest("[data-combobox]").querySelector("[role=combobox]"), option);
  });

  document.addEventListener("focusout", function (event) {
    if (isCombobox(event.target)) {
      setOpen(event.target, false);
    }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (isCombobox(input) && !input.dataset.picked && parts(input).value.value) {
      input.dataset.picked = input.value; // a task chosen by the server (the page's context)
    }
  });

  // With JavaScript the combobox replaces the plain select that works without it.
  function enhance(root) {
    var boxes = root.matches && root.matches("[data-combobox]") ? [root] : [];
    boxes = boxes.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-combobox][hidden]") : []));
    boxes.forEach(function (box) {
      var fallback = box.nextElementSibling;
      if (fallback && fallback.hasAttribute("data-combobox-fallback")) {
        fallback.remove();
      }
      box.hidden = false;
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(enhance);
  }

  // New options from the server: show them while the field is being typed in. Not once a task
  // is picked: a search sent before the pick may answer after it, and must not reopen the list.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (list && list.getAttribute && list.getAttribute("role") === "listbox") {
      var input = document.querySelector("[aria-controls='" + list.id + "']");
      if (input && document.activeElement === input && input.value !== input.dataset.picked) {
        setOpen(input, true);
      }
    }
  });
})();
