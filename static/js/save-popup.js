// The bookmarklet's window (reader/api/bookmarklet.py): on Digest's own origin, so the page it was opened
// from needs to allow nothing. The link, title and save token come in the fragment; with capture on, the
// page's HTML comes by postMessage from the window that opened this one.
(function () {
  "use strict";
  var params = new URLSearchParams(location.hash.slice(1));
  // The token stays out of the address bar, the history and any link followed from here.
  history.replaceState(null, "", location.pathname);
  var token = params.get("t") || "";
  var page = { url: params.get("u") || "", title: params.get("ti") || "" };
  var status = document.getElementById("save-status");
  var closeButton = document.getElementById("save-close");
  closeButton.addEventListener("click", function () { window.close(); });

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function send(html) {
    var body = { url: page.url, title: page.title };
    if (html) body.html = html;
    fetch("/api/save/", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok) {
        say(answer.data.error_description || "Digest could not save this page.", "msg error");
        return;
      }
      var data = answer.data;
      var what = data.created ? "Saved" : "Already in your list";
      say(what + ": " + data.title + (data.captured ? " (the page as you saw it)" : ""), "msg success");
      document.body.dataset.saved = String(data.id);
      var link = document.getElementById("save-link");
      link.href = data.article_url;
      document.getElementById("save-result").hidden = false;
    }).catch(function () {
      say("Digest could not be reached. Try again in a moment.", "msg error");
    });
  }

  if (!token || !page.url) {
    say("Nothing to save: use the bookmarklet from Digest's Preferences.", "msg error");
    return;
  }
  if (params.get("c") !== "1" || !window.opener) {
    send("");
    return;
  }
  // Capture: ask the page for its HTML; a page that cannot answer in time is saved by its link.
  var answered = false;
  window.addEventListener("message", function (event) {
    if (answered || event.source !== window.opener || !event.data || typeof event.data.html !== "string") return;
    answered = true;
    say("Saving the page as you see it…");
    send(event.data.html);
  });
  window.opener.postMessage("digest:ready", "*");
  setTimeout(function () {
    if (answered) return;
    answered = true;
    say("The page did not answer; saving its link instead…");
    send("");
  }, 5000);
})();
