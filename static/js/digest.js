// Small enhancements on top of htmx; every page works without this file.
(function () {
  "use strict";
  // A summary sentence opens the full text and scrolls to where the sentence sits in it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var source = config && config.elt;
    var id = source && source.dataset ? source.dataset.scrollTo : null;
    if (!id) return;
    var target = document.getElementById(id);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.classList.add("flash");
    }
  });
})();
