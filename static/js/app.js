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
        var first = dialog.querySelector("[aria-invalid=true]") ||
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

  if (window.htmx) {
    window.htmx.onLoad(function (element) {
      openDialogs(element);
      tickTimers();
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      openDialogs(document);
    });
  }
})();
