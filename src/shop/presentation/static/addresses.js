// The address form's region selects, filled from /regions/{code} as the shopper chooses.
// Progressive enhancement only: without this file the form is filled in steps by the server.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("address-form");
  if (!form || !window.fetch) { return; }
  var base = form.getAttribute("data-regions-url");
  var province = form.querySelector("select[data-region-level=province]");
  var city = form.querySelector("select[data-region-level=city]");
  var district = form.querySelector("select[data-region-level=district]");
  var refresh = form.querySelector("[data-region-refresh]");
  if (refresh) { refresh.classList.add("d-none"); }

  function reset(select) {
    while (select.options.length > 1) { select.remove(1); }
    select.value = "";
    select.disabled = true;
  }

  function fill(select, code) {
    reset(select);
    if (!code) { return; }
    fetch(base + encodeURIComponent(code), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (regions) {
        regions.forEach(function (region) {
          select.add(new Option(region.name, region.code));
        });
        select.disabled = regions.length === 0;
      })
      .catch(function () { if (refresh) { refresh.classList.remove("d-none"); } });
  }

  province.addEventListener("change", function () {
    reset(district);
    fill(city, province.value);
  });
  city.addEventListener("change", function () { fill(district, city.value); });
});
