// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // A language choice, a cart quantity or a cart checkbox: submitted as soon as it changes.
  document.querySelectorAll("select[data-autosubmit], input[data-autosubmit]").forEach(function (field) {
    var button = field.form.querySelector("button[type=submit]");
    if (button) { button.classList.add("visually-hidden"); }
    field.addEventListener("change", function () { field.form.submit(); });
  });
});
