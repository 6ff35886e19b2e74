import { startChatServer, closeAllClients, sleep } from "./helpers.mjs";
const ctx = await startChatServer({ TALKLINE_SYNC_PAGE_SIZE: "50", TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000", TALKLINE_MESSAGE_BURST_PER_USER: "100000", TALKLINE_SQLITE_SYNCHRONOUS: "normal" });
let dupRuns = 0, oooRuns = 0, gapRuns = 0;
try {
  for (let r = 0; r < Number(process.env.RUNS ?? 20); r++) {
    const [alice, bob] = await ctx.users(2, "race");
    const conv = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    await Promise.all(Array.from({ length: 100 }, (_, i) => a.send(conv.id, `m${i}`)));
    const connecting = ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const live = Promise.all(Array.from({ length: 20 }, (_, i) => a.send(conv.id, `l${i}`)));
    const b = await connecting; await live;
    await b.waitMessages(conv.id, 120).catch(() => {});
    await sleep(200);
    const seqs = b.messages(conv.id).map(m => m.seq);
    const dup = seqs.length !== new Set(seqs).size;
    const ooo = seqs.some((s, i) => i && s < seqs[i-1]);
    const gap = new Set(seqs).size !== 120;
    if (dup || ooo || gap) console.log(`run ${r}: received ${seqs.length}, dup=${dup} outOfOrder=${ooo} missing=${120 - new Set(seqs).size}`, seqs.filter((s,i)=> i && s !== seqs[i-1]+1).slice(0,5), seqs.slice(95));
    dupRuns += dup; oooRuns += ooo; gapRuns += gap;
    closeAllClients();
  }
} finally { closeAllClients(); await ctx.server.dispose(); }
console.log({ dupRuns, oooRuns, gapRuns });
