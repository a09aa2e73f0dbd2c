// The network guard both scripts install before importing any library: only `origin` (Lantern
// under test) is reachable, through fetch and through raw sockets, and the guard proves itself
// on a fetch elsewhere and a socket to TEST-NET before it is trusted.
import net from 'node:net';

/** Install the guard; return the lists it fills and the result of its self-check. */
export async function installGuard(origin, describeRequest = (url) => url.href) {
  const requested = [];
  const refused = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (resource, options) => {
    const url = new URL(typeof resource === 'string' || resource instanceof URL ?
      resource : resource.url);
    if(url.origin !== origin.origin) {
      refused.push(url.href);
      throw new Error(`refused: ${url.href} is not Lantern under test`);
    }
    requested.push(describeRequest(url, options));
    return realFetch(resource, options);
  };
  const realConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(...args) {
    // net.connect() and http's agents pass their normalised arguments as one array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === 'object' && first !== null ? first : {};
    const host = options.host ?? (typeof args[1] === 'string' ? args[1] : undefined);
    if(options.path === undefined && host !== undefined && host !== '127.0.0.1') {
      refused.push(`socket:${host}`);
      throw new Error(`refused: a socket to ${host}`);
    }
    return realConnect.apply(this, args);
  };
  const guardCheck = {};
  try {
    await globalThis.fetch('https://example.org/');
    guardCheck.fetch = 'reached';
  } catch {
    guardCheck.fetch = 'refused';
  }
  try {
    net.connect({host: '203.0.113.1', port: 443}).destroy();
    guardCheck.socket = 'reached';
  } catch {
    guardCheck.socket = 'refused';
  }
  return {requested, refused, guardCheck};
}
