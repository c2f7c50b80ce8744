// The record page's sheet viewer: every element of class "viewer" becomes an
// OpenSeadragon deep-zoom view of its sheet through the IIIF Image API, and the
// words matching the page's query (?q=) are drawn on the scan from the record's
// IIIF Content Search answer.
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search).get("q");
  var hits = null;
  if (query) {
    var search = document.querySelector("[data-search]").dataset.search;
    hits = fetch(search + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
      .catch(function () { return { items: [] }; });
  }
  document.querySelectorAll(".viewer[data-info]").forEach(function (element) {
    var sheet = element.dataset.sheet;
    var fallback = element.querySelector("img");
    var viewer = OpenSeadragon({
      element: element,
      tileSources: element.dataset.info,
      zoomInButton: "zoom-in-" + sheet,
      zoomOutButton: "zoom-out-" + sheet,
      homeButton: "home-" + sheet,
      fullPageButton: "full-" + sheet,
      showRotationControl: false,
      // A long record page scrolls with the wheel; the viewer zooms with its buttons,
      // a click, a pinch or the keyboard.
      gestureSettingsMouse: { scrollToZoom: false },
      visibilityRatio: 0.5,
      maxZoomPixelRatio: 3
    });
    viewer.addHandler("open", function () {
      if (fallback) {
        fallback.remove();
      }
      if (!hits) {
        return;
      }
      hits.then(function (page) {
        var canvas = "/canvas/" + sheet;
        var found = 0;
        (page.items || []).forEach(function (annotation) {
          var target = String(annotation.target || "").split("#xywh=");
          if (target.length !== 2 || target[0].slice(-canvas.length) !== canvas) {
            return;
          }
          var box = target[1].split(",").map(Number);
          var mark = document.createElement("div");
          mark.className = "hit-box";
          mark.title = annotation.body ? annotation.body.value : "";
          viewer.addOverlay({
            element: mark,
            location: viewer.viewport.imageToViewportRectangle(box[0], box[1], box[2], box[3])
          });
          found += 1;
        });
        var count = document.getElementById("hits-" + sheet);
        if (count && found > 0) {
          count.textContent = count.dataset.label + ": " + found;
          count.hidden = false;
        }
      });
    });
  });
})();
