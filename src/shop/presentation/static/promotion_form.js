// The campaign and template forms (templates/admin/_promotion_fields.jinja2): say only what the
// chosen kind needs and mark the rule fields it needs. Progressive enhancement only: without
// this file every kind's needs are listed and every field is shown alike.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    var select = form.querySelector("[data-promotion-kind]");
    if (!select) { return; }

    function update() {
      var kind = select.value;
      form.querySelectorAll("#kind-needs [data-kind]").forEach(function (item) {
        item.hidden = item.getAttribute("data-kind") !== kind;
      });
      form.querySelectorAll("[data-needed-by]").forEach(function (input) {
        var needed = input.getAttribute("data-needed-by").split(" ").indexOf(kind) >= 0;
        input.classList.toggle("rule-needed", needed);
      });
    }

    select.addEventListener("change", update);
    update();
  });
});
