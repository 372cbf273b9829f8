// The standard Vert.x event-bus client over one SockJS transport: prints "open", then each event id received.
const EventBus = require('@vertx/eventbus-bridge-client.js');
const [port, transport, address] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const eb = new EventBus(`http://127.0.0.1:${port}/eventbus`, {transports: [transport]});
eb.onerror = (err) => out({error: err.body || err.message || String(err)});
eb.onopen = () => {
  eb.registerHandler(address, (err, msg) => out(err ? {error: err} : {event_id: msg.body.event_id}));
  out({open: eb.sockJSConn.transport});
};
eb.onclose = () => out({closed: true});
setTimeout(() => process.exit(3), 120000);
