#include "blob/s3/s3_reply.hpp"

#include <array>
#include <cstddef>

namespace talkline::blob::s3 {

namespace {

constexpr int kMaxDepth = 16;
constexpr std::size_t kMaxElements = 100'000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '.' || c == '-'; }

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// A recursive-descent reader over one document. Every method returns false on the
// first thing outside the subset; the caller then discards everything.
class XmlReader {
 public:
  explicit XmlReader(std::string_view input) : in_(input) {}

  bool document(XmlElement& root) {
    skip_space();
    if (starts_with("<?xml")) {
      const std::size_t end = in_.find("?>", at_);
      if (end == std::string_view::npos) return false;
      at_ = end + 2;
    }
    skip_space();
    if (!element(root, 1)) return false;
    skip_space();
    return at_ == in_.size();
  }

 private:
  bool element(XmlElement& out, int depth) {
    if (depth > kMaxDepth || ++elements_ > kMaxElements) return false;
    if (!consume('<') || !name(out.name)) return false;
    // Attributes are checked for form and dropped: S3 puts only xmlns there.
    while (true) {
      const bool spaced = skip_space();
      if (consume('>')) break;
      if (starts_with("/>")) {
        at_ += 2;
        return true;
      }
      std::string ignored;
      if (!spaced || !name(ignored)) return false;
      skip_space();
      if (!consume('=')) return false;
      skip_space();
      if (!attribute_value()) return false;
    }
    // Content: text and child elements up to the matching end tag.
    while (true) {
      if (at_ >= in_.size()) return false;
      const char c = in_[at_];
      if (c == '<') {
        if (starts_with("</")) {
          at_ += 2;
          std::string closing;
          if (!name(closing) || closing != out.name) return false;
          skip_space();
          return consume('>');
        }
        if (starts_with("<!") || starts_with("<?")) return false;
        out.children.emplace_back();
        if (!element(out.children.back(), depth + 1)) return false;
      } else if (c == '&') {
        if (!reference(out.text)) return false;
      } else {
        out.text.push_back(c);
        ++at_;
      }
    }
  }

  bool name(std::string& out) {
    if (at_ >= in_.size() || !is_name_start(in_[at_])) return false;
    const std::size_t start = at_;
    while (at_ < in_.size() && is_name_char(in_[at_])) ++at_;
    out.assign(in_.substr(start, at_ - start));
    return true;
  }

  bool attribute_value() {
    if (at_ >= in_.size() || (in_[at_] != '"' && in_[at_] != '\'')) return false;
    const char quote = in_[at_++];
    std::string ignored;
    while (at_ < in_.size() && in_[at_] != quote) {
      if (in_[at_] == '<') return false;
      if (in_[at_] == '&') {
        if (!reference(ignored)) return false;
      } else {
        ++at_;
      }
    }
    return consume(quote);
  }

  // "&name;" or "&#N;" or "&#xH;" at at_, decoded onto `out`.
  bool reference(std::string& out) {
    // The longest reference is "&#x10FFFF;": look no further, so a document full of
    // '&' without ';' costs linear time, not quadratic.
    const std::size_t length = in_.substr(at_, 11).find(';');
    if (length == std::string_view::npos) return false;
    const std::size_t end = at_ + length;
    const std::string_view body = in_.substr(at_ + 1, end - at_ - 1);
    at_ = end + 1;
    if (body == "lt") return out.push_back('<'), true;
    if (body == "gt") return out.push_back('>'), true;
    if (body == "amp") return out.push_back('&'), true;
    if (body == "quot") return out.push_back('"'), true;
    if (body == "apos") return out.push_back('\''), true;
    if (body.size() < 2 || body[0] != '#') return false;
    const bool hex = body[1] == 'x';
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return false;
    std::uint32_t code = 0;
    for (const char c : digits) {
      std::uint32_t digit = 0;
      if (is_digit(c)) {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (hex && c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (hex && c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      code = code * (hex ? 16 : 10) + digit;
      if (code > 0x10FFFF) return false;
    }
    if (code == 0 || (code >= 0xD800 && code <= 0xDFFF)) return false;
    append_utf8(out, code);
    return true;
  }

  bool skip_space() {
    const std::size_t start = at_;
    while (at_ < in_.size() && is_space(in_[at_])) ++at_;
    return at_ > start;
  }
  bool starts_with(std::string_view text) const { return in_.substr(at_).starts_with(text); }
  bool consume(char c) {
    if (at_ < in_.size() && in_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  std::string_view in_;
  std::size_t at_ = 0;
  std::size_t elements_ = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

bool is_leap(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Exactly `count` digits at text[at].
std::optional<unsigned> fixed_digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

// Years past kMaxYear are refused: system_clock counts nanoseconds in 64 bits, which
// end in 2262, and converting a later date would overflow.
constexpr unsigned kMaxYear = 2200;

std::optional<TimePoint> to_time(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                                 unsigned second) {
  if (year < 1970 || year > kMaxYear || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return TimePoint(std::chrono::seconds(seconds));
}

std::optional<XmlElement> parse_root(std::string_view document, std::string_view root_name) {
  auto root = parse_xml(document);
  if (!root || root->name != root_name) return std::nullopt;
  return root;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& element : children) {
    if (element.name == child_name) return &element;
  }
  return nullptr;
}

std::optional<XmlElement> parse_xml(std::string_view document) {
  XmlElement root;
  XmlReader reader(document);
  if (!reader.document(root)) return std::nullopt;
  return root;
}

std::optional<ErrorReply> parse_error_reply(std::string_view document) {
  const auto root = parse_root(document, "Error");
  if (!root) return std::nullopt;
  const XmlElement* code = root->child("Code");
  if (code == nullptr || code->text.empty()) return std::nullopt;
  const XmlElement* message = root->child("Message");
  return ErrorReply{code->text, message != nullptr ? message->text : std::string()};
}

std::optional<std::string> parse_upload_id(std::string_view document) {
  const auto root = parse_root(document, "InitiateMultipartUploadResult");
  if (!root) return std::nullopt;
  const XmlElement* id = root->child("UploadId");
  if (id == nullptr || id->text.empty()) return std::nullopt;
  return id->text;
}

bool is_complete_result(std::string_view document) {
  return parse_root(document, "CompleteMultipartUploadResult").has_value();
}

std::optional<ListPage> parse_list_page(std::string_view document) {
  const auto root = parse_root(document, "ListBucketResult");
  if (!root) return std::nullopt;
  ListPage page;
  const XmlElement* truncated = root->child("IsTruncated");
  if (truncated == nullptr || (truncated->text != "true" && truncated->text != "false")) return std::nullopt;
  page.truncated = truncated->text == "true";
  if (page.truncated) {
    const XmlElement* token = root->child("NextContinuationToken");
    if (token == nullptr || token->text.empty()) return std::nullopt;
    page.next_token = token->text;
  }
  for (const auto& element : root->children) {
    if (element.name != "Contents") continue;
    const XmlElement* key = element.child("Key");
    const XmlElement* size = element.child("Size");
    const XmlElement* modified = element.child("LastModified");
    if (key == nullptr || key->text.empty() || size == nullptr || modified == nullptr) return std::nullopt;
    const auto bytes = parse_decimal(size->text);
    const auto time = parse_iso8601(modified->text);
    if (!bytes || !time) return std::nullopt;
    page.objects.push_back(ListedObject{key->text, *bytes, *time});
  }
  return page;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then an optional .fraction, then Z.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto year = fixed_digits(text, 0, 4);
  const auto month = fixed_digits(text, 5, 2);
  const auto day = fixed_digits(text, 8, 2);
  const auto hour = fixed_digits(text, 11, 2);
  const auto minute = fixed_digits(text, 14, 2);
  const auto second = fixed_digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t at = 19;
  std::chrono::nanoseconds fraction{0};
  if (text[at] == '.') {
    ++at;
    const std::size_t start = at;
    std::int64_t scale = 100'000'000;
    while (at < text.size() && is_digit(text[at])) {
      if (at - start >= 9) return std::nullopt;
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
  const auto time = to_time(*year, *month, *day, *hour, *minute, *second);
  if (!time) return std::nullopt;
  return *time + std::chrono::duration_cast<TimePoint::duration>(fraction);
}

std::optional<TimePoint> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 characters.
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  bool known_day = false;
  for (const auto name : kDays) known_day = known_day || text.substr(0, 3) == name;
  if (!known_day) return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  const auto day = fixed_digits(text, 5, 2);
  const auto year = fixed_digits(text, 12, 4);
  const auto hour = fixed_digits(text, 17, 2);
  const auto minute = fixed_digits(text, 20, 2);
  const auto second = fixed_digits(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
  return to_time(*year, month, *day, *hour, *minute, *second);
}

std::optional<ContentRange> parse_content_range(std::string_view text) {
  constexpr std::string_view kUnit = "bytes ";
  if (!text.starts_with(kUnit)) return std::nullopt;
  text.remove_prefix(kUnit.size());
  const std::size_t dash = text.find('-');
  const std::size_t slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return std::nullopt;
  const auto first = parse_decimal(text.substr(0, dash));
  const auto last = parse_decimal(text.substr(dash + 1, slash - dash - 1));
  const auto total = parse_decimal(text.substr(slash + 1));
  if (!first || !last || !total || *first > *last || *last >= *total) return std::nullopt;
  return ContentRange{*first, *last, *total};
}

}  // namespace talkline::blob::s3
