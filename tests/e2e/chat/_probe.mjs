import { startChatServer, RawSocketIoClient, connectSocket, closeAllClients } from "./helpers.mjs";
const ctx = await startChatServer({
  TALKLINE_SOCKET_SEND_BUFFER_BYTES: "65536",
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
  TALKLINE_MESSAGE_BURST_PER_USER: "100000",
  TALKLINE_SQLITE_SYNCHRONOUS: "normal",
  TALKLINE_LOG_LEVEL: process.env.LL ?? "debug",
});
try {
  const [alice, carol, slowpoke] = await ctx.users(3, "slow");
  const conv = await ctx.group(alice, [carol, slowpoke]);
  const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
  const fast = await ctx.connect(carol, { transports: ["websocket"] }, "carol");
  a.socket.on("disconnect", (r) => console.log("alice disconnect", r, Date.now()));
  fast.socket.on("disconnect", (r) => console.log("carol disconnect", r, Date.now()));
  const slow = await RawSocketIoClient.open(ctx.baseUrl, slowpoke.accessToken);
  if (process.env.WAITP) await fast.waitEvent("presence", (p) => p.userId === slowpoke.user.id);
  slow.pause();
  const body = (process.env.CH ?? "x").repeat(3890);
  let n = 0; const t0 = Date.now();
  const BATCH = Number(process.env.BATCH ?? 50);
  while (!fast.events("presence", p => p.userId === slowpoke.user.id && p.status === "offline").length && n < 4000 && Date.now()-t0 < 15000) {
    const r = await Promise.all(Array.from({length: BATCH}, (_, i) => a.ack("message:send", {conversationId: conv.id, clientMsgId: `b${n+i}`, body})));
    if (r.some(x => !x.ok)) { console.log("ack fail", r.find(x=>!x.ok)); break; }
    n += BATCH;
  }
  console.log("sent", n, "in", Date.now()-t0, "ms; carol got", fast.messages(conv.id).length, "offline?", fast.events("presence").map(p=>p.status));
} catch (e) { console.log("ERR", e.message); }
finally {
  closeAllClients();
  await ctx.server.dispose();
  console.log(ctx.server.output.split("\n").filter(l => /overflow|disconnect|warn|error/i.test(l)).slice(0, 20).join("\n"));
}
