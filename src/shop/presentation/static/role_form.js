// The role form (templates/admin/role_form.jinja2): a "select all" box per permission group,
// ticked when every box of its group is, half-ticked when some are. Progressive enhancement
// only: without this file the "select all" boxes stay hidden and each permission is ticked on
// its own; the form posts the same either way (the "select all" box has no name).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".permission-group").forEach(function (group) {
    var all = group.querySelector("[data-select-all]");
    if (!all) { return; }
    var boxes = Array.prototype.slice.call(
      group.querySelectorAll('input[name="permissions"]'));

    function reflect() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }

    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      reflect();
    });
    boxes.forEach(function (box) { box.addEventListener("change", reflect); });
    all.closest(".select-all").classList.remove("d-none");
    reflect();
  });
});
