// Preloaded into the Portkey gateway by the tests (node --import ./loopback.mjs ...):
// the gateway's server listens on every interface (hono's serve() gets only a port), so
// force 127.0.0.1; and refuse any outbound connection that is not to the loopback address,
// so a test can never reach a real provider.
import net from "node:net";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "object" && args[0] !== null) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = args[0];
    const cb = args.find((a) => typeof a === "function");
    args = cb ? [port, "127.0.0.1", cb] : [port, "127.0.0.1"];
  }
  return listen.apply(this, args);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const opts = typeof args[0] === "object" && args[0] !== null && !Array.isArray(args[0]) ? args[0]
    : { port: args[0], host: typeof args[1] === "string" ? args[1] : "localhost" };
  if (opts.path === undefined && !LOOPBACK.has(opts.host ?? "localhost")) {
    process.stderr.write(`loopback guard: refused outbound connection to ${opts.host}:${opts.port}\n`);
    const err = new Error(`loopback guard: outbound connection to ${opts.host} refused`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
