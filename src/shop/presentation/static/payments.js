// The payment pages. Progressive enhancement only: without this file the shopper presses the
// gateway form's button, and the QR page's "I have paid" link.
document.addEventListener("DOMContentLoaded", function () {
  // A gateway's signed form: sent at once.
  var form = document.querySelector("form[data-autosubmit-form]");
  if (form) { form.submit(); }

  // The QR page: asks every 2 s whether the order is paid, and goes to it when it is.
  var code = document.getElementById("payment-code");
  if (!code || !window.fetch) { return; }
  var poll = function () {
    fetch(code.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.paid) { window.location.assign(code.dataset.paidUrl); return; }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  };
  setTimeout(poll, 2000);
});
