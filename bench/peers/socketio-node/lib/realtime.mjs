// The Socket.IO side, written the way a socket.io application usually is: an `io.use`
// middleware checks the handshake token, each socket joins its user's room, handlers
// answer through the client's ack callback, and fan-out is socket.io's own room broadcast.

import { toAckError } from "./errors.mjs";

const userRoom = (userId) => `user:${userId}`;

export function attachRealtime(io, chat) {
  io.use((socket, next) => {
    const token = socket.handshake.auth?.token ?? bearer(socket.handshake.headers.authorization);
    try {
      socket.data.userId = chat.tokens.verify(token);
      next();
    } catch (err) {
      const refusal = new Error(err.message);
      refusal.data = { code: "unauthenticated" };
      next(refusal);
    }
  });

  io.on("connection", (socket) => {
    const { userId } = socket.data;
    socket.join(userRoom(userId));

    socket.on("message:send", (...args) => {
      handle(args, (payload) =>
        andThen(chat.messageSend(userId, payload), ({ message, memberIds }) => {
          // The message is committed (sqlite, redis) by now; a retry delivers nothing again.
          // `socket.to` skips this connection only: the sender's other devices get it.
          if (memberIds) socket.to(memberIds.map(userRoom)).emit("message:new", message);
          return { ok: true, message };
        }),
      );
    });

    for (const type of ["delivered", "read"]) {
      socket.on(`receipt:${type}`, (...args) => {
        handle(args, (payload) =>
          andThen(chat.receipt(userId, type, payload), ({ ack: answer, receipt, memberIds }) => {
            // Like TalkLine: every member's connections, the mover's own included.
            if (receipt) io.to(memberIds.map(userRoom)).emit("receipt", receipt);
            return answer;
          }),
        );
      });
    }
  });
}

// Runs one event handler on the event's first argument and answers its ack (the last
// argument, when the client asked for one) with the result or with the mapped error.
// An event without an ack is processed all the same. The result may be a promise (the redis
// store): acks then follow in the order the store answered, which for one connection is the
// order its events arrived.
function handle(args, fn) {
  const ack = typeof args.at(-1) === "function" ? args.pop() : () => {};
  let answer;
  try {
    answer = fn(args[0]);
  } catch (err) {
    answer = toAckError(err);
  }
  if (answer instanceof Promise) answer.then(ack, (err) => ack(toAckError(err)));
  else ack(answer);
}

// fn(value), at once for a plain value and once it settles for a promise: the memory and
// sqlite stores stay synchronous, with no extra turn of the event loop.
function andThen(value, fn) {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

function bearer(header) {
  return typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : undefined;
}

