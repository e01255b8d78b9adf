// The invoice fields (templates/invoicing/_invoice_fields.jinja2): hide what the chosen kind
// of invoice does not use. Progressive enhancement only: without this file every field is
// shown and the server reads only those the choice uses.
document.addEventListener("DOMContentLoaded", function () {
  function chosen(root, name) {
    var checked = root.querySelector("input[name=" + name + "]:checked");
    return checked ? checked.value : null;
  }

  function show(root, selector, visible) {
    root.querySelectorAll(selector).forEach(function (element) { element.hidden = !visible; });
  }

  document.querySelectorAll("[data-invoice-fields]").forEach(function (root) {
    var hasKind = root.querySelector("input[name=kind]") !== null;
    var saved = root.querySelector("select[name=saved_title]");

    function update() {
      var kind = hasKind ? chosen(root, "kind") || "none" : "title";
      var vat = kind === "vat";
      var toCompany = root.querySelector("input[name=title_kind][value=company]");
      if (vat && toCompany) { toCompany.checked = true; }  // VAT: a company only
      var company = vat || chosen(root, "title_kind") === "company";
      show(root, "[data-invoice-wanted]", kind !== "none");
      show(root, "[data-invoice-typed]", !(saved && saved.value));
      show(root, "#invoice-title_kind .form-check:first-of-type", !vat);  // no person to choose
      show(root, "[data-invoice-company]", company);
      show(root, "[data-invoice-vat]", vat || kind === "title");
    }

    root.addEventListener("change", update);
    update();
  });
});
