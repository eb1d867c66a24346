// Preloaded into the conformance suite (node --import): its mock servers call
// `listen(0)` without a host, which binds every interface. This makes such a listen bind
// 127.0.0.1 instead, so nothing the suite starts is reachable from elsewhere.
//
// Node binds a listen without a host synchronously through `Server#_listen2` (kept by Node
// as a wrapping point), with a null address; the suite reads `address().port` right after
// `listen` returns, so the host is substituted there rather than in `listen` (a host given
// to `listen` goes through an asynchronous lookup first).
import net from 'node:net';

const LOOPBACK = '127.0.0.1';
const listen2 = net.Server.prototype._listen2;

net.Server.prototype._listen2 = function (address, port, addressType, backlog, fd, flags) {
  const anyAddress = address === null || address === undefined || address === '::' || address === '0.0.0.0';
  const fromFd = typeof fd === 'number' && fd >= 0;
  if (anyAddress && !fromFd) {
    return listen2.call(this, LOOPBACK, port, 4, backlog, fd, flags);
  }
  return listen2.call(this, address, port, addressType, backlog, fd, flags);
};
