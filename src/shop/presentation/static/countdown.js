// Countdowns: each <time data-countdown> shows its moment on the shop's clock, as drawn by the
// server; this file adds the time left beside it (hours:minutes:seconds) and ticks it.
// Progressive enhancement only: without it the page still says when.
document.addEventListener("DOMContentLoaded", function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("time[data-countdown]").forEach(function (time) {
    var end = Date.parse(time.getAttribute("datetime"));
    if (isNaN(end)) { return; }
    var left = document.createElement("span");
    left.className = "countdown-left ms-2 font-monospace";
    left.setAttribute("aria-hidden", "true");
    time.after(left);
    function tick() {
      var seconds = Math.max(0, Math.floor((end - Date.now()) / 1000));
      left.textContent = pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60)
        + ":" + pad(seconds % 60);
      if (seconds > 0) { setTimeout(tick, 1000); }
    }
    tick();
  });
});
