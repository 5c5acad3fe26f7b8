// ent-console: live pages. A page whose <body> has data-live listens to the
// server-sent events at that address and, when the history changes, fetches
// itself again and swaps its content (#ent-page, the simulated date), then
// says so to screen readers. Without JavaScript the pages work, unrefreshed.
(function () {
  'use strict';
  var live = document.body.getAttribute('data-live');
  if (!live || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var pending = null;
  function refresh() {
    pending = null;
    fetch(window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var next = doc.getElementById('ent-page');
        var page = document.getElementById('ent-page');
        if (!next || !page) return;
        page.innerHTML = next.innerHTML;
        var date = doc.getElementById('date-simulee');
        var current = document.getElementById('date-simulee');
        if (date && current) current.textContent = date.textContent;
        var status = document.getElementById('ent-live-status');
        if (status) status.textContent = 'Page mise à jour : ' + new Date().toLocaleTimeString('fr-FR');
        document.body.setAttribute('data-refreshed', String(Date.now()));
      })
      .catch(function () { /* the next event tries again */ });
  }
  var source = new EventSource(live, { withCredentials: true });
  source.addEventListener('change', function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(refresh, 250);
  });
  source.addEventListener('open', function () { document.body.setAttribute('data-live-open', '1'); });
})();
