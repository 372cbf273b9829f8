/*
 * The browser side of the Vert.x SockJS event-bus bridge protocol: JSON messages
 * {type: "register" | "unregister" | "send" | "ping", address, body, replyAddress} out,
 * {type: "rec" | "err", address, body} in. Same wire protocol as the standard Vert.x event-bus
 * client, over the SockJS client from its WebJar.
 */
(function (global) {
  'use strict';

  function EventBus(url, options) {
    this.url = url;
    this.pingInterval = (options && options.pingInterval) || 5000;
    this.handlers = {};
    this.replyHandlers = {};
    this.state = EventBus.CONNECTING;
    this.onopen = null;
    this.onclose = null;
    this.onerror = null;
    this.sock = new SockJS(url);
    var self = this;
    this.sock.onopen = function () {
      self.state = EventBus.OPEN;
      self.pinger = setInterval(function () { self._send({type: 'ping'}); }, self.pingInterval);
      Object.keys(self.handlers).forEach(function (address) {
        self._send({type: 'register', address: address});
      });
      if (self.onopen) self.onopen();
    };
    this.sock.onclose = function () {
      self.state = EventBus.CLOSED;
      clearInterval(self.pinger);
      if (self.onclose) self.onclose();
    };
    this.sock.onmessage = function (e) {
      var message;
      try {
        message = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (message.type === 'err') {
        var reply = message.address && self.replyHandlers[message.address];
        if (reply) {
          delete self.replyHandlers[message.address];
          reply({failureCode: message.failureCode, message: message.message || message.body}, null);
        } else if (self.onerror) {
          self.onerror(message);
        }
        return;
      }
      var handlers = self.handlers[message.address];
      if (handlers) {
        handlers.slice().forEach(function (handler) { handler(null, message); });
        return;
      }
      var replyHandler = self.replyHandlers[message.address];
      if (replyHandler) {
        delete self.replyHandlers[message.address];
        replyHandler(null, message);
      }
    };
  }

  EventBus.CONNECTING = 0;
  EventBus.OPEN = 1;
  EventBus.CLOSED = 3;

  EventBus.prototype._send = function (message) {
    if (this.state === EventBus.OPEN) {
      this.sock.send(JSON.stringify(message));
    }
  };

  EventBus.prototype.registerHandler = function (address, handler) {
    if (!this.handlers[address]) {
      this.handlers[address] = [];
      this._send({type: 'register', address: address});
    }
    this.handlers[address].push(handler);
  };

  EventBus.prototype.unregisterHandler = function (address, handler) {
    var handlers = this.handlers[address];
    if (!handlers) return;
    var index = handlers.indexOf(handler);
    if (index >= 0) handlers.splice(index, 1);
    if (handlers.length === 0) {
      delete this.handlers[address];
      this._send({type: 'unregister', address: address});
    }
  };

  /** Request/reply, e.g. to events.ingest when the bridge permits it. */
  EventBus.prototype.send = function (address, body, callback) {
    var message = {type: 'send', address: address, body: body};
    if (callback) {
      message.replyAddress = 'console.reply.' + Math.random().toString(36).slice(2);
      this.replyHandlers[message.replyAddress] = callback;
    }
    this._send(message);
  };

  EventBus.prototype.close = function () {
    this.state = EventBus.CLOSED;
    clearInterval(this.pinger);
    this.sock.close();
  };

  global.EventBus = EventBus;
})(window);
