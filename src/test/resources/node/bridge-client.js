// The standard Vert.x event-bus client (npm @vertx/eventbus-bridge-client.js) against /eventbus.
// Prints one JSON object per line: what it received, and whether an inbound send was refused.
const EventBus = require('@vertx/eventbus-bridge-client.js');

const port = process.argv[2];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const eb = new EventBus(`http://127.0.0.1:${port}/eventbus`);

eb.onerror = (err) => out({refused: err.body || err.message || 'error'});
eb.onopen = () => {
  for (const address of ['events.stream', 'events.stream.akosha']) {
    eb.registerHandler(address, (err, msg) => out(err ? {error: err} : {address, event_id: msg.body.event_id}));
  }
  // Refused by default; the refusal also comes after both registrations were handled.
  eb.send('events.ingest', {source_system: 'akosha', event_type: 'from.node', event_id: 'node-inbound'});
};
setTimeout(() => process.exit(3), 60000);
