// The checkout page: a new address, shipping method, payment method or coupon is shown with its fees
// and amounts at once, by pressing the form's "update" button for the shopper (the form goes
// back with everything typed). Progressive enhancement only: without this file the shopper
// presses it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("checkout-form");
  if (!form) { return; }
  var update = form.querySelector("[data-refresh-button]");
  if (!update) { return; }
  update.classList.add("visually-hidden");
  form.querySelectorAll("input[data-refresh], select[data-refresh]").forEach(function (field) {
    field.addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(update); } else { update.click(); }
    });
  });
  // One press of "Submit order" sends one request; the idempotency key covers the rest.
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.id === "place-order") {
      setTimeout(function () { event.submitter.disabled = true; }, 0);
    }
  });
});
