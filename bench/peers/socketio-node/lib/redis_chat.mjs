// The rules of chat.mjs over RedisStore, the store several peer processes share. Requests are
// checked by chat.mjs's parse* functions, then each operation is one atomic script in Redis, so
// every method is async. Same answers and errors as Chat.

import {
  authAnswer, badReplyTo, checkRetry, conversationNotFound, now, pageOf, parseConversationCreate, parseHistoryQuery,
  parseLogin, parseReceipt, parseRegistration, parseSend, receiptAnswer, seqPastEnd, userNotFound, wrongPassword,
} from "./chat.mjs";
import { hashPassword, verifyPassword } from "./tokens.mjs";

export class RedisChat {
  constructor(store, tokens) {
    this.store = store;
    this.tokens = tokens;
  }

  async register(body) {
    const { username, password, displayName } = parseRegistration(body);
    const passwordHash = await hashPassword(password);
    const user = await this.store.userInsert({ username, displayName, passwordHash, createdAt: now() });
    return authAnswer(this.tokens, user);
  }

  async login(body) {
    const { username, password } = parseLogin(body);
    const found = await this.store.userByName(username);
    if (!found || !(await verifyPassword(password, found.passwordHash))) throw wrongPassword();
    return authAnswer(this.tokens, found.user);
  }

  async conversationCreate(callerId, body) {
    const request = parseConversationCreate(callerId, body);
    const outcome = await this.store.conversationCreate({ ...request, createdBy: callerId, createdAt: now() });
    if (!outcome) throw userNotFound();
    return outcome;
  }

  /** As Chat.messageSend: `{message, memberIds}`, memberIds null for a retry. */
  async messageSend(senderId, payload) {
    const send = parseSend(payload);
    const outcome = await this.store.messageSend({ ...send, senderId, createdAt: now() });
    switch (outcome.status) {
      case "retry":
        checkRetry(outcome.message, send);
        return { message: outcome.message, memberIds: null };
      case "not_member":
        throw conversationNotFound();
      case "bad_reply":
        throw badReplyTo();
      default:
        return { message: outcome.message, memberIds: outcome.memberIds };
    }
  }

  async messageHistory(callerId, rawConversationId, query) {
    const page = parseHistoryQuery(rawConversationId, query);
    const items = await this.store.messageList(page.conversationId, callerId, page.window);
    if (!items) throw conversationNotFound();
    return pageOf(items, page);
  }

  async receipt(userId, type, payload) {
    const { conversationId, seq } = parseReceipt(payload);
    const outcome = await this.store.receipt(conversationId, userId, type, seq);
    if (outcome.status === "not_member") throw conversationNotFound();
    if (outcome.status === "past_end") throw seqPastEnd();
    return receiptAnswer(conversationId, userId, type, outcome, outcome.memberIds);
  }
}
