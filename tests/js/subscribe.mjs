// Subscribes with graphql-ws (the client most frontends use) and prints each event as one JSON line.
// Usage: node subscribe.mjs <ws-url> <model> <since> <count>; exits 0 after <count> events.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, model, since, count] = process.argv.slice(2);
const query = `subscription($model: String, $since: DateTime) {
  modelEvents(model: $model, since: $since) { type seq modelVersion { version model { name } } }
}`;
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
let received = 0;
await new Promise((resolve, reject) => {
  client.on("connected", () => console.log(JSON.stringify({ connected: true })));
  const stop = client.subscribe(
    { query, variables: { model, since } },
    {
      next: (value) => {
        console.log(JSON.stringify(value));
        received += 1;
        if (received >= Number(count)) {
          stop();
          resolve();
        }
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: resolve,
    },
  );
});
await client.dispose();
