#include "services/message_service.hpp"

#include <algorithm>
#include <future>
#include <map>

#include "model/mentions.hpp"
#include "services/cursor.hpp"
#include "services/reply_previews.hpp"
#include "services/validation.hpp"
#include "util/utf8.hpp"

namespace talkline::services {
namespace {

/// Splits a search query into words; pieces without a letter or digit (pure
/// punctuation) cannot match anything and are dropped.
std::vector<std::string> search_terms(std::string_view query) {
  std::vector<std::string> terms;
  std::size_t start = 0;
  while (start < query.size()) {
    const auto end = query.find_first_of(" \t\n", start);
    const auto piece = query.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const bool has_word_char = std::any_of(piece.begin(), piece.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (has_word_char) terms.emplace_back(piece);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return terms;
}

// Every store words a missing conversation its own way; callers see one answer.
// The store says which row was missing (member, conversation); a caller learns only that
// the conversation is not theirs.
Error plain_not_found(Error error) {
  if (error.code == ErrorCode::not_found) return Error::not_found("conversation not found");
  return error;
}

Result<model::SendOutcome> with_plain_not_found(Result<model::SendOutcome> outcome) {
  if (!outcome.ok()) return plain_not_found(outcome.take_error());
  return outcome;
}

}  // namespace

Result<model::SendOutcome> MessageService::send(const Principal& caller, const SendRequest& request) {
  std::promise<Result<model::SendOutcome>> answer;
  auto outcome = answer.get_future();
  send_async(caller, request, [&answer](Result<model::SendOutcome> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

void MessageService::send_async(const Principal& caller, const SendRequest& request, SendDone done) {
  if (auto valid = validation::client_msg_id(request.client_msg_id, limits_); !valid.ok()) {
    return done(valid.take_error());
  }
  if (request.attachment_ids.empty() || !request.body.empty()) {
    if (auto valid = validation::message_body(request.body, limits_); !valid.ok()) return done(valid.take_error());
  }
  if (auto valid = validation::attachment_ids(request.attachment_ids, limits_); !valid.ok()) {
    return done(valid.take_error());
  }
  // Membership is checked by the store inside the commit, after it has looked for an
  // earlier send with this clientMsgId: a retry from someone removed since gets the
  // original answer, anyone else who is not a member gets not_found.

  model::NewMessage message;
  message.id = ids_.next();
  message.conversation_id = request.conversation_id;
  message.sender_id = caller.user_id;
  message.client_msg_id = request.client_msg_id;
  message.body = request.body;
  message.reply_to = request.reply_to;
  message.attachment_ids = request.attachment_ids;
  message.created_at = clock_.now_ms();
  message.mention_names =
      model::mentioned_usernames(message.body, static_cast<std::size_t>(limits_.mentions_per_message));

  if (store_.completes_in_commit_order()) {
    // A conversation's outcomes arrive on one thread in commit order, so announcing there
    // keeps its announcements in seq order without a lock, and the member list comes from
    // the commit itself. No thread waits for the commit.
    store_.message_insert_async(
        message, [this, skip = caller.connection_id, done = std::move(done)](Result<model::SendOutcome> outcome) {
          if (outcome.ok()) cut_reply_previews(outcome->message, limits_);
          announce(outcome, skip);
          done(with_plain_not_found(std::move(outcome)));
        });
    return;
  }
  // Otherwise commit and announcement happen under one lock, so messages are announced
  // in seq order even when sent from several threads at once, and to the members of
  // their commit.
  Result<model::SendOutcome> outcome = Error::internal("send did not run");
  {
    std::lock_guard order(conversations_.order_lock(message.conversation_id));
    outcome = store_.message_insert(message);
    if (outcome.ok()) cut_reply_previews(outcome->message, limits_);
    announce(outcome, caller.connection_id);
  }
  done(with_plain_not_found(std::move(outcome)));
}

void MessageService::announce(const Result<model::SendOutcome>& outcome, const std::string& skip_connection) {
  if (!outcome.ok() || !outcome->created || !events_) return;
  const auto& message = outcome->message;
  if (!outcome->member_ids.empty()) {
    events_->message_created(message, outcome->member_ids, skip_connection);
  } else {
    events_->message_created(message, *conversations_.member_ids(message.conversation_id), skip_connection);
  }
}

Result<model::ChangeOutcome> MessageService::edit(const Principal& caller, const EditRequest& request) {
  std::promise<Result<model::ChangeOutcome>> answer;
  auto outcome = answer.get_future();
  edit_async(caller, request, [&answer](Result<model::ChangeOutcome> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

Result<model::ChangeOutcome> MessageService::remove(const Principal& caller, const DeleteRequest& request) {
  std::promise<Result<model::ChangeOutcome>> answer;
  auto outcome = answer.get_future();
  delete_async(caller, request,
               [&answer](Result<model::ChangeOutcome> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

Result<model::ChangeOutcome> MessageService::react(const Principal& caller, const ReactionRequest& request, bool add) {
  std::promise<Result<model::ChangeOutcome>> answer;
  auto outcome = answer.get_future();
  react_async(caller, request, add,
              [&answer](Result<model::ChangeOutcome> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

void MessageService::react_async(const Principal& caller, const ReactionRequest& request, bool add, ChangeDone done) {
  if (auto valid = validation::reaction(request.emoji, limits_); !valid.ok()) return done(valid.take_error());
  model::MessageChange change;
  change.kind = add ? model::ChangeKind::reacted : model::ChangeKind::unreacted;
  change.conversation_id = request.conversation_id;
  change.message_id = request.message_id;
  change.emoji = request.emoji;
  change.max_reactions = limits_.reactions_per_message;
  change_async(caller, std::move(change), request.client_change_id, std::move(done));
}

Result<model::ChangeOutcome> MessageService::pin(const Principal& caller, const PinRequest& request, bool pin) {
  std::promise<Result<model::ChangeOutcome>> answer;
  auto outcome = answer.get_future();
  pin_async(caller, request, pin,
            [&answer](Result<model::ChangeOutcome> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

void MessageService::pin_async(const Principal& caller, const PinRequest& request, bool pin, ChangeDone done) {
  model::MessageChange change;
  change.kind = pin ? model::ChangeKind::pinned : model::ChangeKind::unpinned;
  change.conversation_id = request.conversation_id;
  change.message_id = request.message_id;
  change.max_pins = limits_.pins_per_conversation;
  change_async(caller, std::move(change), request.client_change_id, std::move(done));
}

Result<std::vector<model::Pin>> MessageService::pins(const Principal& caller, model::Id conversation_id) {
  TL_TRY(conversations_.require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto pins, store_.pin_list(conversation_id));
  std::vector<model::Message*> messages;
  for (auto& pin : pins) messages.push_back(&pin.message);
  TL_TRY(mark_my_reactions(caller, messages));
  for (auto* message : messages) cut_reply_previews(*message, limits_);
  return pins;
}

void MessageService::edit_async(const Principal& caller, const EditRequest& request, ChangeDone done) {
  if (auto valid = validation::message_body(request.body, limits_); !valid.ok()) return done(valid.take_error());
  model::MessageChange change;
  change.kind = model::ChangeKind::edited;
  change.conversation_id = request.conversation_id;
  change.message_id = request.message_id;
  change.body = request.body;
  change.mention_names =
      model::mentioned_usernames(request.body, static_cast<std::size_t>(limits_.mentions_per_message));
  change.edit_window = static_cast<model::Millis>(limits_.edit_window_seconds) * 1000;
  change_async(caller, std::move(change), request.client_change_id, std::move(done));
}

void MessageService::delete_async(const Principal& caller, const DeleteRequest& request, ChangeDone done) {
  model::MessageChange change;
  change.kind = model::ChangeKind::deleted;
  change.conversation_id = request.conversation_id;
  change.message_id = request.message_id;
  change_async(caller, std::move(change), request.client_change_id, std::move(done));
}

// Like a send, every check that needs the data (membership, authorship, the window) is
// made by the store inside the commit, after it has looked for a retry.
void MessageService::change_async(const Principal& caller, model::MessageChange change,
                                  const std::optional<std::string>& client_change_id, ChangeDone done) {
  if (client_change_id) {
    if (auto valid = validation::client_key(*client_change_id, "clientChangeId", limits_); !valid.ok()) {
      return done(valid.take_error());
    }
    change.client_change_id = *client_change_id;
  }
  change.actor_id = caller.user_id;
  change.actor_is_site_admin = caller.role == model::Role::admin;
  change.at = clock_.now_ms();
  store_.message_change_async(
      change, [this, skip = caller.connection_id, done = std::move(done)](Result<model::ChangeOutcome> outcome) {
        if (outcome.ok()) cut_reply_previews(outcome->change.message, limits_);
        if (outcome.ok() && outcome->created && events_) {
          events_->message_changed(outcome->change, outcome->member_ids, skip);
        }
        // The store already words every refusal as the client sees it ("conversation not
        // found" for a non-member, then what was missing in it).
        done(std::move(outcome));
      });
}

Result<model::Page<model::Change>> MessageService::changes(const Principal& caller, model::Id conversation_id,
                                                           std::optional<std::string_view> after,
                                                           std::optional<std::string_view> limit) {
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  model::Seq after_change = 0;
  if (after && *after != "0") {
    TL_TRY_ASSIGN(after_change, cursor::decode_id(*after, "after"));
  }
  TL_TRY_ASSIGN(auto entries, changes_after(caller, conversation_id, after_change, page_size + 1));
  model::Page<model::Change> page;
  if (static_cast<int>(entries.size()) > page_size) {
    entries.resize(static_cast<std::size_t>(page_size));
    page.next_cursor = std::to_string(entries.back().change_seq);
  }
  std::vector<model::Message*> messages;
  for (auto& entry : entries) messages.push_back(&entry.message);
  TL_TRY(mark_my_reactions(caller, messages));
  page.items = std::move(entries);
  return page;
}

Result<void> MessageService::mark_my_reactions(const Principal& caller, std::vector<model::Message>& messages) {
  std::vector<model::Message*> pointers;
  pointers.reserve(messages.size());
  for (auto& message : messages) pointers.push_back(&message);
  return mark_my_reactions(caller, pointers);
}

// Only messages with reactions cost a read, and then one per conversation of the page.
Result<void> MessageService::mark_my_reactions(const Principal& caller, const std::vector<model::Message*>& messages) {
  std::map<model::Id, std::vector<model::Message*>> reacted;
  for (auto* message : messages) {
    if (!message->reactions.empty()) reacted[message->conversation_id].push_back(message);
  }
  for (auto& [conversation_id, group] : reacted) {
    std::vector<model::Seq> seqs;
    for (const auto* message : group) seqs.push_back(message->seq);
    TL_TRY_ASSIGN(const auto marks, store_.reactions_of_user(caller.user_id, conversation_id, seqs));
    for (auto* message : group) {
      for (auto& reaction : message->reactions) {
        reaction.me = std::any_of(marks.begin(), marks.end(), [&](const model::ReactionMark& mark) {
          return mark.seq == message->seq && mark.emoji == reaction.emoji;
        });
      }
    }
  }
  return ok_result();
}

Result<std::vector<model::Change>> MessageService::changes_after(const Principal& caller, model::Id conversation_id,
                                                                 model::Seq after_change, int limit) {
  if (after_change < 0) return Error::invalid("after", "must be zero or more");
  TL_TRY(conversations_.require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto changes,
                store_.change_list(conversation_id, after_change, std::clamp(limit, 1, limits_.page_max_limit + 1)));
  for (auto& change : changes) cut_reply_previews(change.message, limits_);
  return changes;
}

Result<model::Seq> MessageService::delivered_change_seq(const Principal& caller, model::Id conversation_id) {
  TL_TRY_ASSIGN(const auto member, conversations_.require_member(caller, conversation_id));
  return member.delivered_change_seq;
}

Result<model::Page<model::Message>> MessageService::history(const Principal& caller, model::Id conversation_id,
                                                            std::optional<std::string_view> before,
                                                            std::optional<std::string_view> after,
                                                            std::optional<std::string_view> limit) {
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  if (before && after) return Error::invalid("before", "give either before or after, not both");
  std::optional<model::Seq> before_seq;
  std::optional<model::Seq> after_seq;
  if (before) {
    TL_TRY_ASSIGN(before_seq, cursor::decode_id(*before, "before"));
  }
  if (after) {
    // after=0 is the natural way to ask for a conversation from its start.
    if (*after == "0") {
      after_seq = 0;
    } else {
      TL_TRY_ASSIGN(after_seq, cursor::decode_id(*after, "after"));
    }
  }
  TL_TRY(conversations_.require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto messages, store_.message_list(conversation_id, before_seq, after_seq, page_size + 1));

  model::Page<model::Message> page;
  if (static_cast<int>(messages.size()) > page_size) {
    if (after_seq) {
      messages.pop_back();
      page.next_cursor = std::to_string(messages.back().seq);
    } else {
      messages.erase(messages.begin());
      page.next_cursor = std::to_string(messages.front().seq);
    }
  }
  TL_TRY(mark_my_reactions(caller, messages));
  for (auto& message : messages) cut_reply_previews(message, limits_);
  page.items = std::move(messages);
  return page;
}

Result<model::Member> MessageService::mark_read(const Principal& caller, model::Id conversation_id, model::Seq seq) {
  return move_cursor(caller, conversation_id, model::CursorKind::read, seq);
}

Result<model::Member> MessageService::mark_delivered(const Principal& caller, model::Id conversation_id,
                                                     model::Seq seq) {
  return move_cursor(caller, conversation_id, model::CursorKind::delivered, seq);
}

Result<model::Member> MessageService::move_cursor(const Principal& caller, model::Id conversation_id,
                                                  model::CursorKind kind, model::Seq seq) {
  std::promise<Result<model::Member>> answer;
  auto outcome = answer.get_future();
  move_cursor_async(caller, conversation_id, model::CursorMove{kind, seq, 0},
                    [&answer](Result<model::Member> result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

// Membership is checked by the store in the same commit that moves the cursor, and the
// members told are the ones that commit saw; nothing is read before it.
void MessageService::move_cursor_async(const Principal& caller, model::Id conversation_id,
                                       const model::CursorMove& move, CursorDone done) {
  if (move.seq < 0) return done(Error::invalid("seq", "must be zero or more"));
  if (move.change_seq < 0) return done(Error::invalid("changeSeq", "must be zero or more"));
  store_.member_cursor_advance_async(conversation_id, caller.user_id, move,
                                     [this, kind = move.kind, done = std::move(done)](Result<model::CursorAdvance> advance) {
                                       if (!advance.ok()) return done(plain_not_found(advance.take_error()));
                                       if (advance->moved && events_) {
                                         events_->cursor_moved(advance->member, kind, advance->member_ids,
                                                               clock_.now_ms());
                                       }
                                       done(std::move(advance->member));
                                     });
}

Result<std::vector<model::Message>> MessageService::messages_after(const Principal& caller, model::Id conversation_id,
                                                                   model::Seq after_seq, int limit) {
  if (after_seq < 0) return Error::invalid("seq", "must be zero or more");
  TL_TRY(conversations_.require_member(caller, conversation_id));
  // One past a full page, so a caller can look ahead to tell whether more follow.
  TL_TRY_ASSIGN(auto messages, store_.message_list(conversation_id, std::nullopt, after_seq,
                                                   std::clamp(limit, 1, limits_.page_max_limit + 1)));
  TL_TRY(mark_my_reactions(caller, messages));
  for (auto& message : messages) cut_reply_previews(message, limits_);
  return messages;
}

Result<model::Page<model::Message>> MessageService::search(const Principal& caller, std::string_view query,
                                                           std::optional<std::string_view> conversation_id,
                                                           std::optional<std::string_view> cursor,
                                                           std::optional<std::string_view> limit) {
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  if (!util::utf8_valid(query) || util::has_control_characters(query, true)) {
    return Error::invalid("q", "must be valid UTF-8 text");
  }
  if (query.empty() || util::utf8_length(query) > static_cast<std::size_t>(limits_.search_query_max_chars)) {
    return Error::invalid("q", "must be 1 to " + std::to_string(limits_.search_query_max_chars) + " characters");
  }
  auto terms = search_terms(query);
  if (terms.empty()) return Error::invalid("q", "must contain at least one word");

  std::optional<model::Id> scope;
  if (conversation_id) {
    TL_TRY_ASSIGN(scope, cursor::decode_id(*conversation_id, "conversationId"));
    TL_TRY(conversations_.require_member(caller, *scope));
  }
  std::optional<model::Id> before_id;
  if (cursor) {
    TL_TRY_ASSIGN(before_id, cursor::decode_id(*cursor, "cursor"));
  }
  TL_TRY_ASSIGN(auto hits, store_.message_search(caller.user_id, terms, scope, before_id, page_size + 1));
  model::Page<model::Message> page;
  if (static_cast<int>(hits.size()) > page_size) {
    hits.resize(page_size);
    page.next_cursor = std::to_string(hits.back().id);
  }
  TL_TRY(mark_my_reactions(caller, hits));
  for (auto& hit : hits) cut_reply_previews(hit, limits_);
  page.items = std::move(hits);
  return page;
}

}  // namespace talkline::services
