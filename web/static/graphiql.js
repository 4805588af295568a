// GraphiQL for this app: queries and mutations over HTTP POST /graphql, subscriptions
// over graphql-transport-ws on the same origin. The headers editor's Authorization
// (e.g. {"Authorization": "Bearer <token from login>"}) is used for both: on the
// websocket it goes in the connection_init payload, as the API expects.
(function () {
  "use strict";
  const httpUrl = new URL("/graphql", window.location.href).toString();
  const wsUrl = httpUrl.replace(/^http/, "ws");
  const httpFetcher = GraphiQL.createFetcher({ url: httpUrl });

  let wsClient = null;
  let wsAuth = null;

  function authorizationOf(headers) {
    if (!headers) return null;
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === "authorization") return String(value);
    }
    return null;
  }

  function clientFor(headers) {
    const auth = authorizationOf(headers);
    if (!wsClient || auth !== wsAuth) {
      if (wsClient) wsClient.dispose();
      wsAuth = auth;
      wsClient = graphqlWs.createClient({
        url: wsUrl,
        connectionParams: auth ? { Authorization: auth } : {},
        lazy: true,
        retryAttempts: 3,
      });
    }
    return wsClient;
  }

  function isSubscription(params, options) {
    const doc = options && options.documentAST;
    if (!doc) return /^\s*subscription\b/.test(params.query || "");
    return doc.definitions.some(
      (d) =>
        d.kind === "OperationDefinition" &&
        d.operation === "subscription" &&
        (!params.operationName || (d.name && d.name.value === params.operationName)),
    );
  }

  function fetcher(params, options) {
    if (!isSubscription(params, options)) return httpFetcher(params, options);
    const client = clientFor(options && options.headers);
    // An Observable, as GraphiQL takes one for a stream of results.
    return {
      subscribe(observer) {
        const sink = typeof observer === "function" ? { next: observer } : observer;
        const dispose = client.subscribe(params, {
          next: (value) => sink.next && sink.next(value),
          error: (error) => {
            const reason =
              error && error.code ? `websocket closed ${error.code} ${error.reason || ""}` : error;
            if (sink.error) sink.error(reason instanceof Array ? { errors: reason } : reason);
          },
          complete: () => sink.complete && sink.complete(),
        });
        return { unsubscribe: dispose };
      },
    };
  }

  const defaultQuery = `# Aftersales GraphQL. Log in, then put the token in the Headers tab:
#   {"Authorization": "Bearer <token>"}
# Run: Ctrl-Enter.

mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    token
    user { id username role }
  }
}

query Me {
  me { id username displayName role }
}
`;

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
})();
