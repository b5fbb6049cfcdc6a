// Small progressive enhancements; every page works without JavaScript (CSP: no inline code).
(function () {
  "use strict";

  // Dialogs arrive from htmx as <dialog data-modal>: show them as modals; closing removes them
  // so the next "Log time" starts fresh.
  function openDialogs(root) {
    var dialogs = root.matches && root.matches("dialog[data-modal]") ? [root] : [];
    dialogs = dialogs.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("dialog[data-modal]") : []));
    dialogs.forEach(function (dialog) {
      if (!dialog.open) {
        dialog.showModal();
      }
      if (!dialog.dataset.bound) {
        dialog.dataset.bound = "1";
        dialog.addEventListener("close", function () {
          dialog.remove();
        });
        // Focus where typing starts: a refused field, else the duration once the task is known.
        var task = dialog.querySelector("#id_task-value");
        // A confirmation focuses its safe choice (Cancel): Enter alone never deletes.
        var first = dialog.querySelector("[data-autofocus]") ||
          dialog.querySelector("[aria-invalid=true]") ||
          (!task || task.value ? dialog.querySelector("#id_duration:not([disabled])") : null) ||
          dialog.querySelector("input:not([type=hidden]):not([readonly]):not([disabled]), select, textarea");
        if (task && task.value) {
          var combobox = dialog.querySelector("#id_task");
          combobox.dataset.picked = combobox.value;
        }
        if (first) {
          first.focus();
        }
      }
    });
  }

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  });

  // A running timer shows its elapsed time, counted from what the server measured.
  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }
  function tickTimers() {
    document.querySelectorAll("time[data-elapsed-seconds]").forEach(function (element) {
      if (!element.dataset.loadedAt) {
        element.dataset.loadedAt = String(Date.now());
      }
      var seconds = Number(element.dataset.elapsedSeconds) + Math.floor((Date.now() - Number(element.dataset.loadedAt)) / 1000);
      var hours = Math.floor(seconds / 3600);
      element.textContent = hours + ":" + pad(Math.floor((seconds % 3600) / 60)) + ":" + pad(seconds % 60);
    });
  }
  setInterval(tickTimers, 1000);

  // After a save, edit, delete or timer action focus would fall to <body> (the dialog or the
  // row it came from is gone). The status line names what changed (`data-focus`, e.g. the saved
  // entry's row): focus goes there once a refresh brings that row, until then to the status
  // line; after a delete, to its Undo.
  var pendingFocus = null;
  var PENDING_FOCUS_MS = 5000;
  document.addEventListener("htmx:afterSettle", function (event) {
    var flash = document.getElementById("flash");
    if (flash && flash.dataset.focus) {
      pendingFocus = { id: flash.dataset.focus, until: Date.now() + PENDING_FOCUS_MS };
      delete flash.dataset.focus;
    }
    var active = document.activeElement;
    var lost = !active || active === document.body || !document.body.contains(active);
    var target = event.detail && event.detail.target;
    if (pendingFocus && Date.now() < pendingFocus.until) {
      var row = document.getElementById(pendingFocus.id);
      // Leave focus alone once the person moved on (anything but the status line or the row).
      if (row && (lost || active === flash || active === row)) {
        row.focus();
        // A refresh that brought the row settles it; an older copy may still be replaced.
        if (target && target.contains(row)) {
          pendingFocus = null;
        }
        return;
      }
    }
    if (!lost) {
      return;
    }
    var undo = flash && flash.querySelector(".undo-button");
    if (undo) {
      undo.focus();
    } else if (flash && flash.textContent.trim()) {
      flash.focus();
    } else if (target && document.body.contains(target) && target.id !== "dialog-slot") {
      if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  });

  // Undo stays offered for the seconds the server allows, then goes.
  function expireUndo(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form.undo[data-undo-seconds]") : [];
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.timed) {
        return;
      }
      form.dataset.timed = "1";
      setTimeout(function () {
        var button = document.querySelector("button[form='" + form.id + "']");
        var hadFocus = button && button === document.activeElement;
        if (button) {
          button.remove();
        }
        form.remove();
        if (hadFocus) {
          document.getElementById("flash").focus();
        }
      }, Number(form.dataset.undoSeconds) * 1000);
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(function (element) {
      expireUndo(document);
      openDialogs(element);
      tickTimers();
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      openDialogs(document);
    });
  }
})();
