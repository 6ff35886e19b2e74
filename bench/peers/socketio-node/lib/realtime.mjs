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
      handle(args, (payload) => {
        const { message, memberIds } = chat.messageSend(userId, payload);
        // The message is committed (sqlite mode) by now; a retry delivers nothing again.
        // `socket.to` skips this connection only: the sender's other devices get it.
        if (memberIds) socket.to(memberIds.map(userRoom)).emit("message:new", message);
        return { ok: true, message };
      });
    });

    for (const type of ["delivered", "read"]) {
      socket.on(`receipt:${type}`, (...args) => {
        handle(args, (payload) => {
          const { ack: answer, receipt, memberIds } = chat.receipt(userId, type, payload);
          // Like TalkLine: every member's connections, the mover's own included.
          if (receipt) io.to(memberIds.map(userRoom)).emit("receipt", receipt);
          return answer;
        });
      });
    }
  });
}

// Runs one event handler on the event's first argument and answers its ack (the last
// argument, when the client asked for one) with the result or with the mapped error.
// An event without an ack is processed all the same.
function handle(args, fn) {
  const ack = typeof args.at(-1) === "function" ? args.pop() : undefined;
  let answer;
  try {
    answer = fn(args[0]);
  } catch (err) {
    answer = toAckError(err);
  }
  if (typeof ack === "function") ack(answer);
}

function bearer(header) {
  return typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : undefined;
}

