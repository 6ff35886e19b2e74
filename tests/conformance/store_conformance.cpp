#include "store_conformance.hpp"

#include <cctype>

namespace talkline::conformance {

// The cases live in one file per area of the interface. This library is static, so the
// linker copies an object file into a test binary only if something in it is referenced.
// Every instantiation references store_factory_name, in this file; the table below, which
// the compiler must keep, references one symbol of each case file and so brings all of
// their TEST_Ps along.
extern const int kUserCases;
extern const int kTokenCases;
extern const int kConversationCases;
extern const int kMemberCases;
extern const int kMessageCases;
extern const int kSearchCases;
extern const int kChangeCases;
extern const int kReactionCases;
extern const int kPinCases;
extern const int kRetentionCases;
extern const int kAttachmentCases;
extern const int kMentionCases;

namespace {
[[gnu::used]] const int* const kCaseFiles[] = {&kUserCases,      &kTokenCases,      &kConversationCases, &kMemberCases,
                                               &kMessageCases,   &kSearchCases,     &kChangeCases,       &kReactionCases,
                                               &kPinCases,       &kRetentionCases,  &kAttachmentCases,   &kMentionCases};
}  // namespace

void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

std::string store_factory_name(const testing::TestParamInfo<StoreFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "store" + std::to_string(info.index) : name;
}

std::string describe(const Error& error) {
  std::string text = std::string(error_code_name(error.code)) + ": " + error.message;
  for (const FieldError& field : error.fields) text += " [" + field.field + ": " + field.message + "]";
  return text;
}

void must(Result<void> result) {
  if (!result.ok()) throw SetupFailed(describe(result.error()));
}

void StoreConformance::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr) << "the factory of " << GetParam().name << " made no store";
}

void StoreConformance::TearDown() { store_.reset(); }

model::User StoreConformance::add_user(const std::string& username) {
  model::NewUser user;
  user.id = new_id();
  user.username = username;
  user.display_name = "Display " + username;
  user.password_hash = "$argon2id$hash-of-" + username;
  user.created_at = tick();
  return must(store().user_insert(user));
}

model::Conversation StoreConformance::add_group(const model::User& owner, const std::vector<model::User>& others,
                                                const std::string& title) {
  model::NewGroupConversation group;
  group.id = new_id();
  group.title = title;
  group.created_by = owner.id;
  for (const model::User& user : others) group.member_ids.push_back(user.id);
  group.created_at = tick();
  return must(store().conversation_create_group(group));
}

model::Conversation StoreConformance::add_direct(const model::User& a, const model::User& b) {
  model::NewDirectConversation direct;
  direct.id = new_id();
  direct.user_a = a.id;
  direct.user_b = b.id;
  direct.created_at = tick();
  return must(store().conversation_create_direct(direct)).conversation;
}

model::NewMessage StoreConformance::new_message(const model::Conversation& conversation, const model::User& sender,
                                                const std::string& body) {
  model::NewMessage message;
  message.id = new_id();
  message.conversation_id = conversation.id;
  message.sender_id = sender.id;
  message.client_msg_id = "client-" + std::to_string(message.id);
  message.body = body;
  message.created_at = tick();
  return message;
}

model::Message StoreConformance::send(const model::Conversation& conversation, const model::User& sender,
                                      const std::string& body) {
  return must(store().message_insert(new_message(conversation, sender, body))).message;
}

model::RefreshToken StoreConformance::new_token(const model::User& user, model::Id family_id, const std::string& hash) {
  model::RefreshToken token;
  token.id = new_id();
  token.user_id = user.id;
  token.family_id = family_id;
  token.token_hash = hash;
  token.created_at = tick();
  token.expires_at = token.created_at + 30LL * 24 * 3600 * 1000;
  return token;
}

}  // namespace talkline::conformance
