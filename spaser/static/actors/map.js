/* Map of the actors: reads its settings from data-* attributes, loads the GeoJSON of the current search for
   the visible box, draws points (clustered) or the server's clusters. No inline script (CSP). */
(function () {
  "use strict";

  function popupContent(properties) {
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    wrapper.appendChild(link);
    if (properties.demo) {
      var badge = document.createElement("p");
      badge.className = "mb-0 small";
      badge.textContent = "Démonstration : acteur fictif";
      wrapper.appendChild(badge);
    }
    return wrapper;
  }

  function clusterIcon(count) {
    var size = count < 100 ? 34 : count < 1000 ? 42 : 52;
    return L.divIcon({
      html: "<span>" + String(count) + "</span>",
      className: "actors-cluster",
      iconSize: L.point(size, size),
    });
  }

  function init(element) {
    // maxZoom is required by markercluster when no tile layer sets it.
    var map = L.map(element, { keyboard: true, minZoom: 3, maxZoom: 18 });
    var status = document.getElementById("actors-map-status");
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        maxZoom: 18,
        attribution: element.dataset.tileAttribution || "",
      }).addTo(map);
    }
    var centre = null;
    if (element.dataset.centreLat && element.dataset.centreLon) {
      centre = L.latLng(parseFloat(element.dataset.centreLat), parseFloat(element.dataset.centreLon));
    }
    var radiusKm = parseFloat(element.dataset.radiusKm || "");
    if (centre && radiusKm > 0) {
      // The view must exist before a circle is added; LatLng.toBounds needs no map.
      map.fitBounds(centre.toBounds(radiusKm * 2000));
      L.circle(centre, { radius: radiusKm * 1000, color: "#00535e", weight: 2, fill: false, interactive: false })
        .addTo(map);
    } else if (centre) {
      map.setView(centre, 11);
    } else {
      map.setView([47.5, 1.7], 7); // the region by default
    }
    var points = L.markerClusterGroup({ showCoverageOnHover: false });
    var clusters = L.layerGroup();
    map.addLayer(points);
    map.addLayer(clusters);
    var baseUrl = element.dataset.geojsonUrl;
    var pending = null;

    function load() {
      var bounds = map.getBounds();
      var bbox = [
        Math.max(bounds.getWest(), -180),
        Math.max(bounds.getSouth(), -90),
        Math.min(bounds.getEast(), 180),
        Math.min(bounds.getNorth(), 90),
      ].map(function (value) { return value.toFixed(5); }).join(",");
      var url = baseUrl + (baseUrl.indexOf("?") >= 0 ? "&" : "?") + "bbox=" + bbox;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(url, { headers: { Accept: "application/geo+json" }, signal: pending.signal, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (collection) {
          points.clearLayers();
          clusters.clearLayers();
          var total = 0;
          collection.features.forEach(function (feature) {
            var coords = feature.geometry.coordinates;
            var latlng = L.latLng(coords[1], coords[0]);
            if (collection.clustered) {
              total += feature.properties.count;
              L.marker(latlng, { icon: clusterIcon(feature.properties.count), keyboard: false })
                .on("click", function () { map.setView(latlng, map.getZoom() + 2); })
                .addTo(clusters);
            } else {
              total += 1;
              var marker = L.circleMarker(latlng, {
                radius: 7, color: "#ffffff", weight: 2, fillColor: feature.properties.demo ? "#b45309" : "#00535e",
                fillOpacity: 0.9, className: "actors-marker",
              });
              marker.bindPopup(popupContent(feature.properties));
              points.addLayer(marker);
            }
          });
          element.dataset.loadedFeatures = String(total);
          if (status) {
            status.textContent = total + " acteur" + (total > 1 ? "s" : "") + " dans la zone affichée de la carte"
              + (collection.clustered ? " (regroupés)." : ".");
          }
        })
        .catch(function (error) {
          if (error.name === "AbortError") { return; }
          if (status) { status.textContent = "La carte n'a pas pu être chargée ; la liste reste disponible."; }
        });
    }

    var timer = null;
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("actors-map");
    if (element && window.L) { init(element); }
  });
})();
