// The part of kintone's page API that kinflow's pages offer: the request token, and REST calls
// made with the browser's session (X-Requested-With on every call, the token on every write).
(function () {
  "use strict";
  function requestToken() {
    var meta = document.querySelector('meta[name="kinflow-request-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function api(path, method, params) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"X-Requested-With": "XMLHttpRequest"}};
    var url = path;
    if (method === "GET") {
      url += "?" + new URLSearchParams(params || {}).toString();
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(Object.assign({}, params || {}, {__REQUEST_TOKEN__: requestToken()}));
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw body; }
        return body;
      });
    });
  }
  window.kintone = Object.assign(window.kintone || {}, {getRequestToken: requestToken, api: api});
})();
