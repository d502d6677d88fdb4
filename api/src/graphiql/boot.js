// Starts GraphiQL from the JSON the page carries in #graphiql-config. The boot code lives in
// this served file, not in the page, so the page's Content-Security-Policy can refuse every
// inline script.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);

  function sameOriginUrl(path, socket) {
    var url = new URL(path, window.location.origin);
    if (socket) {
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    }
    return url.toString();
  }

  var fetcher = GraphiQL.createFetcher({
    url: sameOriginUrl(config.endpoint, false),
    subscriptionUrl: sameOriginUrl(config.subscriptionEndpoint, true),
    headers: config.headers,
    wsConnectionParams: config.headers,
    fetch: function (input, init) {
      return fetch(input, Object.assign({}, init, { credentials: 'same-origin' }));
    },
  });

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultTabs: config.tabs,
    })
  );
})();
